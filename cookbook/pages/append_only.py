"""Append-only models: rows can be inserted, never changed or deleted.

One `Protect` trigger for both operations makes an audit log or a ledger immutable.
"""

from django.db import models

import pgtrigger
from cookbook.show import check, refused


class LedgerEntry(models.Model):
    account = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]


def demo() -> list[str]:
    entry = LedgerEntry.objects.create(account="cash", amount="10.00")
    LedgerEntry.objects.create(account="cash", amount="-2.50")
    return [
        check(LedgerEntry.objects.count() == 2, "inserted 2 ledger entries"),
        refused(lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount=0), "update"),
        refused(entry.delete, "Cannot delete rows"),
    ]
