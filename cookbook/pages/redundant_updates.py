"""Redundant-update protection: refuse updates that change nothing.

`AllDontChange()` is true when no column changes; protecting that case catches code that
saves rows needlessly (and the write load it causes).
"""

from django.db import models

import pgtrigger
from cookbook.show import check, refused


class Setting(models.Model):
    key = models.CharField(max_length=32)
    value = models.TextField()

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_redundant_updates",
                operation=pgtrigger.Update,
                condition=pgtrigger.AllDontChange(),
            )
        ]


def demo() -> list[str]:
    setting = Setting.objects.create(key="theme", value="dark")
    setting.value = "light"
    setting.save()
    return [
        check(Setting.objects.get().value == "light", "a real change is saved"),
        refused(setting.save, "Cannot update rows from cookbook_setting"),
    ]
