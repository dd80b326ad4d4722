"""Freezing published rows: drafts are editable, published posts are not.

A `Protect` on updates whose condition looks at the old row: once a post
is published no column may change, except that it can be archived.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Post(models.Model):
    title = models.CharField(max_length=64)
    status = models.CharField(max_length=16, default="draft")

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="freeze_published",
                operation=pgtrigger.Update,
                condition=(
                    pgtrigger.Q(old__status="published")
                    & ~pgtrigger.Q(new__status="archived")
                ),
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    post = Post.objects.create(title="Draft title")
    post.title = "Final title"
    post.status = "published"
    post.save()
    published = Post.objects.get().status == "published"
    lines = [check(published, "edited the draft, published it")]
    lines.append(
        refused(
            lambda: Post.objects.update(title="Sneaky edit"),
            "Cannot update rows",
        )
    )
    Post.objects.update(status="archived")
    archived = Post.objects.get().status == "archived"
    lines.append(check(archived, "archived the published post"))
    return lines


# --8<-- [end:demo]
