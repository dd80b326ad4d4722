"""``SoftDelete`` on a real database: the values it writes and its keys."""

import datetime as dt

import django
import pytest

from tests.contrib import models

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [
        (models.SoftBool, "is_active", False),
        (models.SoftChar, "status", "it's gone"),
        (models.SoftInt, "state", 0),
        (models.SoftNullable, "owner", None),
    ],
)
def test_soft_delete_values(model, field, expected):
    kwargs = {"name": "n"} if model is models.SoftBool else {}
    single = model.objects.create(**kwargs)
    bulk = [model.objects.create(**kwargs) for _ in range(3)]
    deleted, _ = single.delete()
    bulk_deleted, _ = model.objects.filter(pk__in=[b.pk for b in bulk]).delete()
    assert (deleted, bulk_deleted) == (0, 0)  # as documented: skipped rows are not counted
    assert model.objects.count() == 4
    assert set(model.objects.values_list(field, flat=True)) == {expected}


def test_soft_delete_timestamp_and_custom_pk():
    stamped = models.SoftTimestamp.objects.create()
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    stamped.delete()
    stamped = models.SoftTimestamp.objects.get()
    assert stamped.deleted_at is not None and stamped.deleted_at > before
    keep = models.SoftCustomPk.objects.create(code="keep")
    gone = models.SoftCustomPk.objects.create(code="it's")
    gone.delete()
    assert dict(models.SoftCustomPk.objects.values_list("code", "is_active")) == {
        keep.code: True,
        "it's": False,
    }


def test_soft_delete_custom_pk_queryset_delete():
    for code in ("keep", "it's", "gone"):
        models.SoftCustomPk.objects.create(code=code)
    models.SoftCustomPk.objects.filter(code__in=["it's", "gone"]).delete()
    assert dict(models.SoftCustomPk.objects.values_list("code", "is_active")) == {
        "keep": True,
        "it's": False,
        "gone": False,
    }


@pytest.mark.django_db(transaction=True)
def test_soft_delete_timestamp_is_the_time_of_the_delete():
    """``Now()`` is the transaction's time: in autocommit, that of the delete statement."""
    kept = models.SoftTimestamp.objects.create()
    stamped = models.SoftTimestamp.objects.create()
    before = dt.datetime.now(dt.timezone.utc)
    pk = stamped.pk
    stamped.delete()  # Django sets the instance's pk to None: read the row back by pk
    after = dt.datetime.now(dt.timezone.utc)
    stamps = dict(models.SoftTimestamp.objects.values_list("pk", "deleted_at"))
    assert set(stamps) == {kept.pk, pk}
    assert stamps[kept.pk] is None
    assert before <= stamps[pk] <= after


def test_soft_delete_composite_primary_key():
    if django.VERSION < (5, 2):
        pytest.skip("composite primary keys need Django 5.2")
    from tests.composite.models import SoftCompositePk as model

    model.objects.create(tenant=1, number=1)
    model.objects.create(tenant=1, number=2)
    model.objects.filter(tenant=1, number=2).delete()
    assert dict(model.objects.values_list("number", "is_active")) == {1: True, 2: False}


def test_soft_delete_composite_primary_key_single_delete():
    if django.VERSION < (5, 2):
        pytest.skip("composite primary keys need Django 5.2")
    from tests.composite.models import SoftCompositePk as model

    target = model.objects.create(tenant=1, number=1)
    model.objects.create(tenant=1, number=2)
    model.objects.create(tenant=2, number=1)  # same number, other tenant: must stay active
    target.delete()
    assert dict(
        ((t, n), active)
        for t, n, active in model.objects.values_list("tenant", "number", "is_active")
    ) == {(1, 1): False, (1, 2): True, (2, 1): True}
