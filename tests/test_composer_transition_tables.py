"""A statement-level ``Composer`` reads only the transition tables of its operation, as in 4.x:
``Composer(referencing=...)`` is refused when declared, and a function reading a table its
operation lacks fails ``manage.py check`` (4.x installed it; every statement then failed)."""

import pytest

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.contrib import models


def composer(operation, func, **kwargs):
    return pgtrigger.Composer(
        name="reads",
        when=pgtrigger.After,
        level=pgtrigger.Statement,
        operation=operation,
        func=func,
        **kwargs,
    )


def test_referencing_is_refused_when_declared():
    with pytest.raises(ValueError, match="do not support referencing"):
        composer(
            pgtrigger.Update, "RETURN NULL;", referencing=pgtrigger.Referencing(old="old_values")
        )


@pytest.mark.parametrize(
    ("operation", "table"),
    [(pgtrigger.Insert, "old_values"), (pgtrigger.Delete, "new_values")],
)
def test_reading_a_missing_transition_table_is_e009(operation, table):
    trigger = composer(operation, f"PERFORM count(*) FROM {table}; RETURN NULL;")
    errors = [e for e in check_trigger(models.Composed, trigger) if e.id == "pgtrigger.E009"]
    assert len(errors) == 1
    assert f"transition table {table}" in errors[0].msg


@pytest.mark.parametrize(
    ("operation", "table"),
    [
        (pgtrigger.Insert, "new_values"),
        (pgtrigger.Delete, "old_values"),
        (pgtrigger.Update, "old_values"),
    ],
)
def test_reading_the_operations_tables_passes(operation, table):
    trigger = composer(operation, f"PERFORM count(*) FROM {table}; RETURN NULL;")
    assert [e.id for e in check_trigger(models.Composed, trigger)] == []
