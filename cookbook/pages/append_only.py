"""Append-only models: rows can be inserted, never changed or deleted.

One `Protect` trigger for both operations makes an audit log or a ledger
immutable.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class LedgerEntry(models.Model):
    account = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    entry = LedgerEntry.objects.create(account="cash", amount="10.00")
    LedgerEntry.objects.create(account="cash", amount="-2.50")
    entries = LedgerEntry.objects.filter(pk=entry.pk)
    return [
        check(
            LedgerEntry.objects.count() == 2, "inserted 2 ledger entries"
        ),
        refused(lambda: entries.update(amount=0), "update"),
        refused(entry.delete, "Cannot delete rows"),
    ]


# --8<-- [end:demo]
