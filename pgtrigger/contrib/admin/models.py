"""The model behind the trigger status page: no table, only its admin entry and permissions."""

from django.db import models


class Trigger(models.Model):
    """Stands for the registered triggers in the admin (``managed = False``: no table).

    ``pgtrigger_admin.view_trigger`` shows the status page; ``pgtrigger_admin.manage_triggers``
    runs its actions (superusers have both).
    """

    class Meta:
        managed = False
        default_permissions = ("view",)
        permissions = [
            ("manage_triggers", "Can install, enable, disable, uninstall and prune triggers")
        ]
        verbose_name = "trigger"
        verbose_name_plural = "trigger status"
