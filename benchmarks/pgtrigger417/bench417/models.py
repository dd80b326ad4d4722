"""Tables shaped like ``benchmarks.models.RecipeRow`` and ``IgnoreRow``, for 4.17."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

import pgtrigger


class Row(models.Model):
    status = models.CharField(max_length=16, default="draft")
    is_active = models.BooleanField(default=True)
    version = models.IntegerField(default=0)
    n = models.IntegerField(default=0)
    search = SearchVectorField(null=True)

    class Meta:
        app_label = "bench417"


class IgnoreRow(models.Model):
    n = models.IntegerField(default=0)

    class Meta:
        app_label = "bench417"
        triggers = [pgtrigger.Protect(name="protect_updates", operation=pgtrigger.Update)]
