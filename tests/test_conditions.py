"""Q conditions compile through Django's lookups and fire exactly when they match."""

import datetime as dt

import pytest
from django.db.models.functions import Lower

import pgtrigger
from tests import models

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
