"""Protect: refuse an operation.

`pgtrigger.Protect` raises an error from the database whenever the operation is attempted,
whatever code path tries it: the ORM, a bulk queryset call, raw SQL or another service.
"""

from django.db import models

import pgtrigger
from cookbook.show import refused


class Invoice(models.Model):
    number = models.CharField(max_length=16)

    class Meta:
        triggers = [pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete)]


def demo() -> list[str]:
    invoice = Invoice.objects.create(number="2026-001")
    return [
        refused(invoice.delete, "Cannot delete rows from cookbook_invoice"),
        refused(Invoice.objects.all().delete, "Cannot delete rows"),
    ]
