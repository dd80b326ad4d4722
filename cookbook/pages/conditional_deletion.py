"""Conditional deletion protection: only some rows may be deleted.

A `condition` narrows `Protect`: here active accounts cannot be deleted,
closed ones can.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Account(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_active_deletes",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__is_active=True),
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    active = Account.objects.create(name="active")
    closed = Account.objects.create(name="closed", is_active=False)
    closed.delete()
    gone = not Account.objects.filter(name="closed").exists()
    return [
        check(gone, "deleted the closed account"),
        refused(active.delete, "Cannot delete rows"),
    ]


# --8<-- [end:demo]
