"""Models tracked by django-pghistory 3.9.2 (an unmodified install from the package index)."""

import pghistory
from django.db import models

import pgtrigger


class Author(models.Model):
    name = models.CharField(max_length=64)


@pghistory.track(
    pghistory.InsertEvent(),
    # A condition on a ForeignKey, written as pghistory's documentation writes it.
    pghistory.UpdateEvent(
        "author_changed",
        condition=pgtrigger.Q(old__author__df=pgtrigger.F("new__author")),
        row=pghistory.Old,
    ),
    pghistory.UpdateEvent(),  # pghistory fills AnyChange() with the tracked fields
    pghistory.DeleteEvent(),
)
class Book(models.Model):
    """Tracked at row level."""

    title = models.CharField(max_length=64)
    status = models.CharField(max_length=16, default="draft")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")

    class Meta:
        # Installed by migration 0002, written in the 3.x style (a declaration in AddTrigger).
        triggers = [
            pgtrigger.Protect(
                name="protect_archived",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="archived"),
            ),
        ]


@pghistory.track(
    pghistory.InsertEvent(level=pgtrigger.Statement),
    pghistory.UpdateEvent(
        "moved",
        condition=pghistory.AnyChange("author"),
        level=pgtrigger.Statement,
    ),
    pghistory.DeleteEvent(level=pgtrigger.Statement),
)
class Ledger(models.Model):
    """Tracked at statement level: one trigger call per statement, events for every row."""

    amount = models.IntegerField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="ledgers")


class Loan(models.Model):
    """Untracked: the compatibility tests install their own triggers on it."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, null=True, related_name="loans")
    status = models.CharField(max_length=16, default="open")
    days = models.IntegerField(default=0)
