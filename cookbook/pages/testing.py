"""Testing your triggers: assert which trigger refused a write.

`pgtrigger.testing.refused(uri)` passes only when that trigger refused
the write, whatever its message says, inside or outside a transaction.
The pytest plugin installs triggers in test databases created without
migrations and ignores triggers per test with a marker or a fixture.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Receipt(models.Model):
    amount = models.IntegerField()

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_deletes",
                operation=pgtrigger.Delete,
            ),
            pgtrigger.Protect(
                name="freeze_amount",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("amount"),
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from collections.abc import Callable

    from pgtrigger import testing

    label = Receipt._meta.app_label
    deletes = f"{label}.Receipt:protect_deletes"
    freeze = f"{label}.Receipt:freeze_amount"

    def fails(block: Callable[[], object], uri: str) -> str:
        """Why ``refused(uri)`` fails around ``block``."""
        try:
            with testing.refused(uri):
                block()
        except AssertionError as exc:
            return str(exc).split("; ")[1].split(" function ")[0]
        raise AssertionError(f"refused({uri!r}) passed")

    receipt = Receipt.objects.create(amount=10)
    with testing.refused(deletes):  # a savepoint: the demo goes on
        receipt.delete()
    with testing.refused(freeze):
        Receipt.objects.update(amount=11)
    kept = Receipt.objects.filter(amount=10).count()
    with pgtrigger.ignore(deletes):
        through = fails(receipt.delete, deletes)
    other = Receipt.objects.create(amount=5)
    by_other = fails(other.delete, freeze)
    return [
        f"refused(protect_deletes) around a delete: passed, {kept} kept",
        f"refused(freeze_amount) around an update: passed, {kept} kept",
        f"refused(protect_deletes) with it ignored: fails, {through}",
        f"refused(freeze_amount) around a delete: fails, {by_other}",
    ]


# --8<-- [end:demo]
