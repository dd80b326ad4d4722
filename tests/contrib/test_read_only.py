"""``ReadOnly`` on a real database, including its failure messages."""

import pytest

import pgtrigger
from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_read_only_whole_row_except_excluded():
    row = models.FrozenRow.objects.create(name="a")
    models.FrozenRow.objects.filter(pk=row.pk).update(note="notes may change")
    with fails(
        r"Cannot update rows from contrib_tests_frozenrow table .*read-only fields: id, name"
    ):
        models.FrozenRow.objects.filter(pk=row.pk).update(name="b")
    row.refresh_from_db()
    row.save()  # writing identical values is not a change


def test_read_only_chosen_fields():
    row = models.FrozenField.objects.create(created_by="me")
    models.FrozenField.objects.filter(pk=row.pk).update(other=5)
    with fails("read-only fields: created_by"):
        models.FrozenField.objects.filter(pk=row.pk).update(created_by="you")


def test_read_only_whole_model_refuses_any_change():
    row = models.FrozenAll.objects.create(name="a", amount=1)
    message = (
        r"Cannot update rows from contrib_tests_frozenall table "
        r'\(trigger "read_only_all"; read-only fields: id, name, amount\)'
    )
    with fails(message):
        models.FrozenAll.objects.filter(pk=row.pk).update(name="b")
    with fails(message):
        models.FrozenAll.objects.update(amount=2)
    with fails(message):
        models.FrozenAll.objects.filter(pk=row.pk).update(id=row.pk + 100)
    models.FrozenAll.objects.update(name="a", amount=1)  # identical values: no change
    row.save()
    assert list(models.FrozenAll.objects.values_list("id", "name", "amount")) == [(row.pk, "a", 1)]


def test_read_only_rejects_condition():
    with pytest.raises(ValueError, match="takes no condition"):
        pgtrigger.ReadOnly(name="x", condition=pgtrigger.Q(new__id=1))
