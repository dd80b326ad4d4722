"""Request context: who changed a row, recorded by the database.

`pgtrigger.context(actor=...)` gives the queries of a block values that
triggers read in SQL; `ContextMiddleware` sets the actor to the request's
user. `Versioning(changed_by=...)`, `SoftDelete(deleted_by=...)` and
`TrackChanges(changed_by=...)` record it, even for bulk updates.
"""

# --8<-- [start:models]
from django.conf import settings
from django.db import models

import pgtrigger


class Article(models.Model):
    title = models.TextField()
    version = models.IntegerField(default=0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    change_reason = models.TextField(null=True)
    is_active = models.BooleanField(default=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        triggers = [
            pgtrigger.Versioning(
                name="versioning",
                changed_by="changed_by",
            ),
            pgtrigger.SyncField(
                name="change_reason",
                field="change_reason",
                expression=pgtrigger.context_value("reason"),
            ),
            pgtrigger.SoftDelete(
                name="soft_delete",
                field="is_active",
                deleted_by="deleted_by",
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from django.contrib.auth.models import User

    from cookbook.show import check

    alice = User.objects.create_user("alice")
    article = Article.objects.create(title="Draft")
    with pgtrigger.context(actor=alice.pk, reason="typo"):
        # A bulk update: no save(), no signal, still recorded.
        Article.objects.update(title="Final")
    article.refresh_from_db()
    lines = [
        check(
            article.changed_by == alice and article.change_reason == "typo",
            "bulk update in context: changed_by alice, reason typo",
        )
    ]
    Article.objects.update(title="Final!")  # outside any context
    article.refresh_from_db()
    lines.append(
        check(
            article.changed_by is None and article.version == 2,
            "update outside context: changed_by NULL, version 2",
        )
    )
    pk = article.pk  # delete() clears it on the object
    with pgtrigger.context(actor=alice.pk):
        article.delete()
    article = Article.objects.get(pk=pk)
    lines.append(
        check(
            not article.is_active and article.deleted_by == alice,
            "delete() in context: row kept, deleted_by alice",
        )
    )
    return lines


# --8<-- [end:demo]
