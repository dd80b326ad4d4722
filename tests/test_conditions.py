"""Q conditions compile through Django's lookups and fire exactly when they match."""

import datetime as dt

import pytest
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower

import pgtrigger
from pgtrigger.checks import check_trigger
from tests import models
from tests.reliability.models import Record

pytestmark = pytest.mark.django_db

CASES = [
    # (condition, row values that satisfy it, row values that do not)
    (pgtrigger.Q(new__int_field=3), {"int_field": 3}, {"int_field": 4}),
    (pgtrigger.Q(new__int_field__gt=3), {"int_field": 4}, {"int_field": 3}),
    (pgtrigger.Q(new__int_field__gte=3), {"int_field": 3}, {"int_field": 2}),
    (pgtrigger.Q(new__int_field__lt=3), {"int_field": 2}, {"int_field": 3}),
    (pgtrigger.Q(new__int_field__lte=3), {"int_field": 3}, {"int_field": 4}),
    (pgtrigger.Q(new__int_field__in=[1, 5]), {"int_field": 5}, {"int_field": 2}),
    (pgtrigger.Q(new__int_field__isnull=True), {"int_field": None}, {"int_field": 0}),
    (pgtrigger.Q(new__int_field=None), {"int_field": None}, {"int_field": 0}),
    (pgtrigger.Q(new__int_field__df=3), {"int_field": None}, {"int_field": 3}),
    (pgtrigger.Q(new__int_field__ndf=None), {"int_field": None}, {"int_field": 1}),
    (pgtrigger.Q(new__char_field__contains="b%c"), {"char_field": "ab%cd"}, {"char_field": "abcd"}),
    (
        pgtrigger.Q(new__char_field__icontains="B_C"),
        {"char_field": "ab_cd"},
        {"char_field": "abxcd"},
    ),
    (pgtrigger.Q(new__char_field__startswith="ab"), {"char_field": "abc"}, {"char_field": "cab"}),
    (pgtrigger.Q(new__char_field__endswith="'c"), {"char_field": "ab'c"}, {"char_field": "abc"}),
    (pgtrigger.Q(new__char_field__regex=r"^a\d+$"), {"char_field": "a12"}, {"char_field": "a1b"}),
    (pgtrigger.Q(new__char_field__iexact="ABC"), {"char_field": "abc"}, {"char_field": "abd"}),
    (pgtrigger.Q(new__float_field__range=(1.5, 2.5)), {"float_field": 2.0}, {"float_field": 3.0}),
    (pgtrigger.Q(new__bool_field=True), {"bool_field": True}, {"bool_field": False}),
    (
        pgtrigger.Q(new__dt_field__gt=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)),
        {"dt_field": dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)},
        {"dt_field": dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)},
    ),
    (pgtrigger.Q(new__json_field__has_key="a"), {"json_field": {"a": 1}}, {"json_field": {"b": 1}}),
    (pgtrigger.Q(new__json_field__a=1), {"json_field": {"a": 1}}, {"json_field": {"a": 2}}),
    (
        pgtrigger.Q(new__json_field__contains={"a": "x'y"}),
        {"json_field": {"a": "x'y", "b": 1}},
        {"json_field": {"a": "xy"}},
    ),
    (
        pgtrigger.Q(new__text_field=Lower("new__char_field")),
        {"char_field": "AB", "text_field": "ab"},
        {"char_field": "AB", "text_field": "AB"},
    ),
    (
        pgtrigger.Q(new__int_field=1) & pgtrigger.Q(new__char_field="a"),
        {"int_field": 1, "char_field": "a"},
        {"int_field": 1, "char_field": "b"},
    ),
    (
        pgtrigger.Q(new__int_field=1) | pgtrigger.Q(new__char_field="a"),
        {"int_field": 2, "char_field": "a"},
        {"int_field": 2, "char_field": "b"},
    ),
    (~pgtrigger.Q(new__int_field=1), {"int_field": 2}, {"int_field": 1}),
    (
        pgtrigger.Q(new__int_field=1) & pgtrigger.Condition("NEW.char_field = 'a'"),
        {"int_field": 1, "char_field": "a"},
        {"int_field": 1, "char_field": "b"},
    ),
]


@pytest.mark.parametrize(("condition", "match", "mismatch"), CASES, ids=[repr(c[0]) for c in CASES])
def test_condition_fires_exactly_on_match(install, condition, match, mismatch):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="cond",
            when=pgtrigger.After,
            operation=pgtrigger.Insert,
            condition=condition,
            func="INSERT INTO tests_logentry (level, new_field) VALUES ('ROW', NEW.id::text); "
            "RETURN NULL;",
        ),
    )
    hit = models.TestModel.objects.create(**match)
    models.TestModel.objects.create(**mismatch)
    assert list(models.LogEntry.objects.values_list("new_field", flat=True)) == [str(hit.pk)]


def test_condition_compares_old_and_new_with_f():
    condition = pgtrigger.Q(old__int_field__lt=pgtrigger.F("new__int_field"))
    assert condition.resolve(models.TestModel) == 'OLD."int_field" < (NEW."int_field")'
    assert condition.references(models.TestModel) == {"OLD", "NEW"}


def test_conditions_combine_across_kinds():
    combined = pgtrigger.AnyChange("int_field") & pgtrigger.Q(new__int_field__gt=0)
    assert combined.resolve(models.TestModel) == (
        '(OLD."int_field" IS DISTINCT FROM NEW."int_field") AND (NEW."int_field" > 0)'
    )
    assert (~pgtrigger.Condition("TRUE")).resolve(models.TestModel) == "NOT (TRUE)"


def test_negation_on_a_nullable_column_fires_as_django_exclude(install):
    """The issue's Protect: ``~Q(new__int_field=5)`` also refuses 1 -> NULL, as exclude() would.

    (A refusal is ProgrammingError with psycopg 3, InternalError with psycopg2.)
    """
    install(
        models.TestModel,
        pgtrigger.Protect(
            name="not_five", operation=pgtrigger.Update, condition=~pgtrigger.Q(new__int_field=5)
        ),
    )
    row = models.TestModel.objects.create(int_field=1)
    rows = models.TestModel.objects.filter(pk=row.pk)
    assert list(models.TestModel.objects.exclude(int_field=5).filter(pk=row.pk)) == [row]
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic():
        rows.update(int_field=None)
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic():
        rows.update(int_field=3)
    rows.update(int_field=5)
    assert (~pgtrigger.Q(new__int_field=5)).resolve(models.TestModel) == (
        'NOT (NEW."int_field" = 5 AND NEW."int_field" IS NOT NULL)'
    )


def test_empty_in_is_a_constant_as_in_django():
    empty = pgtrigger.Q(new__int_field__in=[])
    assert empty.resolve(models.TestModel) == "FALSE"
    assert (~empty).resolve(models.TestModel) == "TRUE"
    either = empty | pgtrigger.Q(new__int_field=1)
    assert either.resolve(models.TestModel) == 'NEW."int_field" = 1'
    assert (empty & pgtrigger.Q(new__int_field=1)).resolve(models.TestModel) == "FALSE"


def test_foreign_key_paths_name_the_rows_own_column():
    for condition in (
        pgtrigger.Q(new__ref=7),
        pgtrigger.Q(new__ref_id=7),
        pgtrigger.Q(new__ref__id=7),
        pgtrigger.Q(new__ref__pk=7),
        pgtrigger.Q(new__ref=Record(pk=7)),
    ):
        assert condition.resolve(Record) == 'NEW."ref_id" = 7', condition


def test_null_safe_lookups_on_foreign_keys_stay_null_safe_under_negation():
    changed = pgtrigger.Q(new__ref__df=pgtrigger.F("old__ref"))
    assert changed.resolve(Record) == 'NEW."ref_id" IS DISTINCT FROM (OLD."ref_id")'
    assert (~changed).resolve(Record) == 'NOT (NEW."ref_id" IS DISTINCT FROM (OLD."ref_id"))'
    assert pgtrigger.Q(old__ref__ndf=Record(pk=3)).resolve(Record) == (
        'OLD."ref_id" IS NOT DISTINCT FROM 3'
    )


def test_a_path_through_a_relation_is_refused_at_check_time():
    condition = pgtrigger.Q(new__ref__txt="a")
    with pytest.raises(FieldError, match=r"only read the row's own columns.*new__<fk>_id"):
        condition.resolve(Record)
    trigger = pgtrigger.Trigger(
        name="joined",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=condition,
        func="RETURN NEW;",
    )
    errors = list(check_trigger(Record, trigger))
    assert [e.id for e in errors] == ["pgtrigger.E001"]
    assert "only read the row's own columns" in errors[0].msg
