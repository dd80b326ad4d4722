"""``SyncField`` and ``SyncAggregate`` on a real database."""

import pytest

from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_sync_field_same_row_expressions():
    person = models.Person.objects.create(email="Ann@Example.COM", price=3, quantity=4)
    person.refresh_from_db()
    assert (person.email_lower, person.total) == ("ann@example.com", 12)
    models.Person.objects.update(quantity=5, email_lower="tampered")
    person.refresh_from_db()
    assert (person.email_lower, person.total) == ("ann@example.com", 15)


def test_sync_aggregate_counts_and_sums_children():
    first, second = models.Order.objects.create(), models.Order.objects.create()
    lines = [models.OrderLine.objects.create(order=first, amount=a) for a in (5, 7)]
    models.OrderLine.objects.create(order=second, amount=1)
    lines[0].order = second
    lines[0].save()
    models.OrderLine.objects.filter(pk=lines[1].pk).delete()
    counts = dict(models.Order.objects.values_list("pk", "line_count"))
    amounts = dict(models.Order.objects.values_list("pk", "amount"))
    assert counts == {first.pk: 0, second.pk: 2}
    assert amounts == {first.pk: None, second.pk: 6}


def test_sync_field_plain_mirror():
    row = models.Mirrored.objects.create(name="Ann")
    row.refresh_from_db()
    assert row.name_copy == "Ann"
    models.Mirrored.objects.filter(pk=row.pk).update(name="Bob")
    row.refresh_from_db()
    assert row.name_copy == "Bob"
    models.Mirrored.objects.update(name_copy="tampered")  # overwritten from the row
    models.Mirrored.objects.bulk_create([models.Mirrored(name="it's", name_copy="wrong")])
    assert sorted(models.Mirrored.objects.values_list("name", "name_copy")) == [
        ("Bob", "Bob"),
        ("it's", "it's"),
    ]


def test_sync_aggregate_max_and_min():
    first, second = models.Batch.objects.create(), models.Batch.objects.create()
    items = {a: models.BatchItem.objects.create(batch=first, amount=a) for a in (5, 9, 2)}

    def extremes():
        return {
            pk: (high, low)
            for pk, high, low in models.Batch.objects.values_list("pk", "max_amount", "min_amount")
        }

    assert extremes() == {first.pk: (9, 2), second.pk: (None, None)}
    models.BatchItem.objects.filter(pk=items[9].pk).update(amount=1)  # same parent
    assert extremes() == {first.pk: (5, 1), second.pk: (None, None)}
    models.BatchItem.objects.filter(pk=items[5].pk).update(batch=second)
    assert extremes() == {first.pk: (2, 1), second.pk: (5, 5)}
    models.BatchItem.objects.filter(batch=first).delete()
    assert extremes() == {first.pk: (None, None), second.pk: (5, 5)}


def test_sync_aggregate_value_change_without_fk_change():
    order = models.Order.objects.create()
    line = models.OrderLine.objects.create(order=order, amount=5)
    models.OrderLine.objects.create(order=order, amount=7)
    models.OrderLine.objects.filter(pk=line.pk).update(amount=10)
    assert models.Order.objects.values_list("line_count", "amount").get() == (2, 17)
    line.refresh_from_db()
    line.amount = 1
    line.save()
    assert models.Order.objects.values_list("line_count", "amount").get() == (2, 8)


def test_sync_aggregate_bulk_move_updates_both_parents():
    first, second = models.Order.objects.create(), models.Order.objects.create()
    for amount in (1, 2, 3):
        models.OrderLine.objects.create(order=first, amount=amount)
    models.OrderLine.objects.create(order=second, amount=10)
    assert models.OrderLine.objects.filter(order=first).update(order=second) == 3
    totals = {
        pk: (count, amount)
        for pk, count, amount in models.Order.objects.values_list("pk", "line_count", "amount")
    }
    assert totals == {first.pk: (0, None), second.pk: (4, 16)}
