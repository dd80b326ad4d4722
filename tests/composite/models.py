"""Composite primary keys exist from Django 5.2: this app is installed only there."""

from django.db import models

import pgtrigger


class SoftCompositePk(models.Model):
    pk = models.CompositePrimaryKey("tenant", "number")
    tenant = models.IntegerField()
    number = models.IntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]
