"""Protect: refuse an operation.

`pgtrigger.Protect` raises an error from the database whenever the
operation is attempted, whatever code path tries it: the ORM, a bulk
queryset call, raw SQL or another service.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Invoice(models.Model):
    number = models.CharField(max_length=16)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_deletes",
                operation=pgtrigger.Delete,
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import refused

    invoice = Invoice.objects.create(number="2026-001")
    return [
        refused(invoice.delete, "Cannot delete rows"),
        refused(Invoice.objects.all().delete, "Cannot delete rows"),
    ]


# --8<-- [end:demo]
