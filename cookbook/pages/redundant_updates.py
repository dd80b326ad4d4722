"""Redundant-update protection: refuse updates that change nothing.

`AllDontChange()` is true when no column changes; protecting that case
catches code that saves rows needlessly (and the write load it causes).
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Setting(models.Model):
    key = models.CharField(max_length=32)
    value = models.TextField()

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_redundant_updates",
                operation=pgtrigger.Update,
                condition=pgtrigger.AllDontChange(),
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    setting = Setting.objects.create(key="theme", value="dark")
    setting.value = "light"
    setting.save()
    return [
        check(
            Setting.objects.get().value == "light", "a real change is saved"
        ),
        refused(setting.save, "Cannot update rows"),
    ]


# --8<-- [end:demo]
