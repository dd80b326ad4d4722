"""Versioning: a version number the database maintains.

`pgtrigger.Versioning` bumps an integer on every real change and refuses
writes that set it, which also makes it an optimistic lock: a stale
object cannot overwrite a newer row.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Page(models.Model):
    body = models.TextField()
    version = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.Versioning(
                name="versioning",
                field="version",
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    page = Page.objects.create(body="v0")
    page.body = "first edit"
    page.save(update_fields=["body"])  # the trigger sets the version
    Page.objects.update(body="first edit")  # no real change, no bump
    page.refresh_from_db()
    lines = [check(page.version == 1, "one real change: version 1")]
    stale = Page.objects.get()
    # version 2 in the database:
    Page.objects.update(body="someone else's edit")
    stale.body = "stale edit"
    lines.append(refused(stale.save, 'Cannot set version field "version"'))
    return lines


# --8<-- [end:demo]
