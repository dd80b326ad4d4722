"""Differential test: random Q trees fire exactly when SQL three-valued logic says so.

Each example installs an UPDATE trigger whose condition is a random ``pgtrigger.Q`` tree over
``old__``/``new__`` nullable columns, applies random updates, and compares the rows it fired
for with a Python evaluation of the same predicate in three-valued logic (``None`` is
UNKNOWN; the trigger fires only on TRUE).
"""

from __future__ import annotations

import operator
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pgtrigger
from tests.reliability.models import Fired, Nullable

INTS = st.one_of(st.none(), st.integers(-3, 3))
TEXTS = st.one_of(st.none(), st.text(alphabet="ab%_'\\ ", max_size=4))
FLAGS = st.one_of(st.none(), st.booleans())
COLUMNS = {"int_a": INTS, "int_b": INTS, "txt": TEXTS, "flag": FLAGS}
ROW = st.fixed_dictionaries(COLUMNS)

CMP = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def _not(v: bool | None) -> bool | None:
    return None if v is None else not v


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


class Leaf:
    """One lookup, its ``Q`` form and its three-valued evaluation."""

    def __init__(self, row: str, column: str, lookup: str, value: Any) -> None:
        self.row, self.column, self.lookup, self.value = row, column, lookup, value

    def q(self) -> pgtrigger.Q:
        value = self.value
        if isinstance(value, tuple):  # a reference to another column
            value = pgtrigger.F(f"{value[0]}__{value[1]}")
        return pgtrigger.Q(**{f"{self.row}__{self.column}__{self.lookup}": value})

    def evaluate(self, old: dict[str, Any], new: dict[str, Any]) -> bool | None:
        x = (old if self.row == "old" else new)[self.column]
        v = self.value
        if isinstance(v, tuple):
            v = (old if v[0] == "old" else new)[v[1]]
        if self.lookup == "isnull":
            return (x is None) == v
        if self.lookup in ("df", "ndf"):
            distinct = (x is None) != (v is None) or (x is not None and x != v)
            return distinct if self.lookup == "df" else not distinct
        if self.lookup == "exact" and v is None and not isinstance(self.value, tuple):
            return x is None  # Django: exact=None is IS NULL
        if x is None or v is None:
            return None
        if self.lookup == "exact":
            return x == v
        if self.lookup == "in":
            return x in v
        if self.lookup in CMP:
            return CMP[self.lookup](x, v)
        if self.lookup == "contains":
            return v in x
        if self.lookup == "startswith":
            return x.startswith(v)
        if self.lookup == "endswith":
            return x.endswith(v)
        raise AssertionError(self.lookup)

    def __repr__(self) -> str:
        return repr(self.q())


@st.composite
def leaves(draw: Any) -> Leaf:
    row = draw(st.sampled_from(["old", "new"]))
    column = draw(st.sampled_from(sorted(COLUMNS)))
    values = COLUMNS[column]
    lookups = ["exact", "isnull", "df", "ndf", "in"]
    if column in ("int_a", "int_b"):
        lookups += list(CMP)
    if column == "txt":
        lookups += ["contains", "startswith", "endswith"]
    lookup = draw(st.sampled_from(lookups))
    if lookup == "isnull":
        return Leaf(row, column, lookup, draw(st.booleans()))
    if lookup == "in":
        return Leaf(
            row,
            column,
            lookup,
            draw(st.lists(values.filter(lambda v: v is not None), min_size=1, max_size=3)),
        )
    if lookup in ("exact", "df", "ndf", *CMP) and draw(st.booleans()):
        other = column if column != "int_a" else draw(st.sampled_from(["int_a", "int_b"]))
        if column in ("int_a", "int_b"):
            other = draw(st.sampled_from(["int_a", "int_b"]))
        return Leaf(row, column, lookup, (draw(st.sampled_from(["old", "new"])), other))
    value = draw(
        values if lookup in ("exact", "df", "ndf") else values.filter(lambda v: v is not None)
    )
    return Leaf(row, column, lookup, value)


def trees() -> Any:
    return st.recursive(
        leaves(),
        lambda children: st.one_of(
            st.tuples(st.just("and"), st.lists(children, min_size=2, max_size=3)),
            st.tuples(st.just("or"), st.lists(children, min_size=2, max_size=3)),
            st.tuples(st.just("not"), children),
        ),
        max_leaves=6,
    )


def to_q(tree: Any) -> pgtrigger.Q:
    if isinstance(tree, Leaf):
        return tree.q()
    kind, children = tree
    if kind == "not":
        return ~to_q(children)
    q = to_q(children[0])
    for child in children[1:]:
        q = (q & to_q(child)) if kind == "and" else (q | to_q(child))
    return q


def evaluate(tree: Any, old: dict[str, Any], new: dict[str, Any]) -> bool | None:
    if isinstance(tree, Leaf):
        return tree.evaluate(old, new)
    kind, children = tree
    if kind == "not":
        return _not(evaluate(children, old, new))
    results = [evaluate(child, old, new) for child in children]
    return _and(results) if kind == "and" else _or(results)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees(), changes=st.lists(st.tuples(ROW, ROW), min_size=1, max_size=6))
def test_trigger_fires_exactly_when_three_valued_logic_says_so(tree, changes):
    trigger = pgtrigger.Trigger(
        name="differential",
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=to_q(tree),
        func="INSERT INTO reliability_tests_fired (row_id) VALUES (NEW.id); RETURN NULL;",
    )
    with transaction.atomic():
        trigger.install(Nullable)
        expected = []
        for old, new in changes:
            pk = Nullable.objects.create(**old).pk
            Nullable.objects.filter(pk=pk).update(**new)
            if evaluate(tree, old, new) is True:
                expected.append(pk)
        fired = sorted(Fired.objects.values_list("row_id", flat=True))
        condition = trigger.render_condition(Nullable)
        transaction.set_rollback(True)
    assert fired == sorted(expected), condition
