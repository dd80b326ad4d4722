"""A small blog for the admin's tests: a post with every recipe the admin shows."""

from django.conf import settings
from django.db import models

import pgtrigger


class Status(models.TextChoices):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Post(models.Model):
    title = models.CharField(max_length=64)
    body = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.IntegerField(default=0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[
                    (Status.DRAFT, Status.REVIEW),
                    (Status.REVIEW, Status.DRAFT),
                    (Status.REVIEW, Status.PUBLISHED),
                    (Status.PUBLISHED, Status.ARCHIVED),
                ],
            ),
            # Another trigger's refusal of a declared transition.
            pgtrigger.Protect(
                name="publish_needs_body",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(new__status=Status.PUBLISHED, new__body=""),
                message="A post needs a body to be published",
            ),
            pgtrigger.Versioning(name="versioning", field="version", changed_by="changed_by"),
            pgtrigger.TrackChanges(
                name="track_changes",
                fields=["title", "body", "status"],
                to="admin_tests.PostChange",
                changed_by="changed_by",
            ),
            pgtrigger.SoftDelete(name="soft_delete", field="is_active", cascade=True),
        ]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    text = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]

    def __str__(self) -> str:
        return self.text


class PostChange(models.Model):
    object_pk = models.TextField()
    field = models.TextField()
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_at = models.DateTimeField(null=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
