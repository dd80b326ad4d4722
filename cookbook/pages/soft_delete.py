"""SoftDelete: deleting a row marks it instead.

`pgtrigger.SoftDelete` cancels the delete and sets a field: a flag, a
status, or with `Now()` a `deleted_at` timestamp. It works for
`obj.delete()` and bulk deletes alike.
"""

# --8<-- [start:models]
from django.db import models
from django.db.models.functions import Now

import pgtrigger


class Customer(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(
                name="soft_delete",
                field="is_active",  # set to False
            ),
        ]


class Upload(models.Model):
    path = models.CharField(max_length=64)
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(
                name="soft_delete",
                field="deleted_at",
                value=Now(),  # the time of the delete
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check

    alice = Customer.objects.create(name="alice")
    Customer.objects.create(name="bob")
    alice.delete()
    upload = Upload.objects.create(path="a.png")
    Upload.objects.filter(pk=upload.pk).delete()
    alice = Customer.objects.get(name="alice")  # delete() cleared its pk
    stamped = Upload.objects.get().deleted_at is not None
    return [
        check(Customer.objects.count() == 2, "alice.delete() kept the row"),
        check(not alice.is_active, "alice is_active=False"),
        check(stamped, "the upload got a deleted_at stamp"),
    ]


# --8<-- [end:demo]
