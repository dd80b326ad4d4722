"""Conditional deletion protection: only some rows may be deleted.

A `condition` narrows `Protect`: here active accounts cannot be deleted, closed ones can.
"""

from django.db import models

import pgtrigger
from cookbook.show import check, refused


class Account(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_active_deletes",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__is_active=True),
            )
        ]


def demo() -> list[str]:
    active = Account.objects.create(name="active")
    closed = Account.objects.create(name="closed", is_active=False)
    closed.delete()
    return [
        check(not Account.objects.filter(name="closed").exists(), "deleted the closed account"),
        refused(active.delete, "Cannot delete rows from cookbook_account"),
    ]
