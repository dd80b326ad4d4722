"""Versioning: a version number the database maintains.

`pgtrigger.Versioning` bumps an integer on every real change and refuses writes that set it,
which also makes it an optimistic lock: a stale object cannot overwrite a newer row.
"""

from django.db import models

import pgtrigger
from cookbook.show import check, refused


class Page(models.Model):
    body = models.TextField()
    version = models.IntegerField(default=0)

    class Meta:
        triggers = [pgtrigger.Versioning(name="versioning", field="version")]


def demo() -> list[str]:
    page = Page.objects.create(body="v0")
    page.body = "first edit"
    page.save(update_fields=["body"])  # leaves the version to the trigger
    Page.objects.update(body="first edit")  # no real change, no bump
    page.refresh_from_db()
    lines = [check(page.version == 1, "one real change: version 1")]
    stale = Page.objects.get()
    Page.objects.update(body="someone else's edit")  # version 2 in the database
    stale.body = "stale edit"
    lines.append(refused(stale.save, 'Cannot set version field "version"'))
    return lines
