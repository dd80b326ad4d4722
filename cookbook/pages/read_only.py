"""ReadOnly: fields that never change after insert.

`pgtrigger.ReadOnly` refuses updates that change the chosen fields (or
every field but the excluded ones); writing the same value again is not a
change.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Contract(models.Model):
    signed_by = models.CharField(max_length=32)
    notes = models.TextField(default="")

    class Meta:
        triggers = [
            pgtrigger.ReadOnly(
                name="read_only_signature",
                fields=["signed_by"],
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    contract = Contract.objects.create(signed_by="Ada")
    contract.notes = "renewed"
    contract.save()
    return [
        check(
            Contract.objects.get().notes == "renewed", "notes can change"
        ),
        refused(
            lambda: Contract.objects.update(signed_by="Eve"),
            "read-only fields: signed_by",
        ),
    ]


# --8<-- [end:demo]
