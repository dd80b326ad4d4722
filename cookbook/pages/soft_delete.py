"""SoftDelete: deleting a row marks it instead.

`pgtrigger.SoftDelete` cancels the delete and sets a field: a flag, a status, or with
`Now()` a `deleted_at` timestamp. It works for `obj.delete()` and bulk deletes alike.
"""

from django.db import models
from django.db.models.functions import Now

import pgtrigger
from cookbook.show import check


class Customer(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]


class Upload(models.Model):
    path = models.CharField(max_length=64)
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="deleted_at", value=Now())]


def demo() -> list[str]:
    alice = Customer.objects.create(name="alice")
    Customer.objects.create(name="bob")
    alice.delete()
    upload = Upload.objects.create(path="a.png")
    Upload.objects.filter(pk=upload.pk).delete()
    return [
        check(Customer.objects.count() == 2, "alice.delete() kept the row"),
        check(not Customer.objects.get(name="alice").is_active, "alice is_active=False"),
        check(Upload.objects.get().deleted_at is not None, "the upload got a deleted_at stamp"),
    ]
