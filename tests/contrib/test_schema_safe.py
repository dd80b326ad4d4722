"""Recipes that write to tables act on the schema of the table they fired for.

The same tables exist in schemas ``a`` and ``b`` (one schema per tenant), each with the
recipe's trigger installed; statements name one schema's table explicitly while
``search_path`` points to the other schema (or to neither).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, models

import pgtrigger
from pgtrigger.contrib import _schemas
from tests.contrib import models as m

pytestmark = pytest.mark.django_db

SCHEMAS = ("a", "b")


def sql(query: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def search_path(path: str) -> None:
    sql(f"SET LOCAL search_path = {path}")


def tenant_tables(*model_classes: type[models.Model]) -> None:
    """Copy the models' tables into each tenant schema and install their triggers there."""
    for schema in SCHEMAS:
        sql(f'CREATE SCHEMA "{schema}"')
        for model in model_classes:
            table = model._meta.db_table
            sql(f'CREATE TABLE "{schema}"."{table}" (LIKE public."{table}" INCLUDING ALL)')
        search_path(schema)
        for model, trigger in pgtrigger.registered():
            if model in model_classes:
                trigger.install(model)
    search_path("public")


def installed_in(schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in sql(
            "SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = %s::regclass "
            "AND t.tgname LIKE 'pgtrigger%%'",
            [f'"{schema}"."{table}"'],
        )
    ]


SOFT_DELETE = [
    # model, field, value before and after the delete, the row's other values
    (m.SoftBool, "is_active", True, False, {"name": "x", "is_active": True}),
    (m.SoftChar, "status", "active", "it's gone", {"status": "active"}),
    (m.SoftCustomPk, "is_active", True, False, {"is_active": True}),
]


@pytest.mark.parametrize(("model", "field", "alive", "deleted", "values"), SOFT_DELETE)
# the fired table's own schema, the other tenant's, a schema without the table, no schema
@pytest.mark.parametrize("path", ["a", "b", "public", "pg_catalog"])
def test_soft_delete_flags_the_row_of_the_table_it_fired_for(
    model, field, alive, deleted, values, path
):
    table = model._meta.db_table
    pk = model._meta.pk.column
    column = model._meta.get_field(field).column
    tenant_tables(model)
    assert installed_in("a", table) and installed_in("b", table)
    columns = ", ".join(f'"{name}"' for name in [pk, *values])
    placeholders = ", ".join(["%s"] * (len(values) + 1))
    for schema in SCHEMAS:
        for key in ("1", "2"):
            key_value = key if pk == "code" else int(key)
            sql(
                f'INSERT INTO "{schema}"."{table}" ({columns}) VALUES ({placeholders})',
                [key_value, *values.values()],
            )
    search_path("a")
    sql(f'DELETE FROM "a"."{table}" WHERE "{pk}"::text = %s', ["2"])  # caches a's static plans
    search_path(path)
    sql(f'DELETE FROM "a"."{table}" WHERE "{pk}"::text = %s', ["1"])
    rows = {
        schema: sql(f'SELECT "{pk}", "{column}" FROM "{schema}"."{table}" ORDER BY 1')
        for schema in SCHEMAS
    }
    key = (lambda k: k) if pk == "code" else int
    assert rows == {
        "a": [(key("1"), deleted), (key("2"), deleted)],
        "b": [(key("1"), alive), (key("2"), alive)],
    }


def test_soft_delete_passes_over_a_temporary_table_of_the_same_name():
    """A session's temporary table is looked in before the search path: the check that lets
    the static statement run when the fired schema comes first does not hold then."""
    table = m.SoftBool._meta.db_table
    tenant_tables(m.SoftBool)
    sql(f'CREATE TEMPORARY TABLE "{table}" (LIKE public."{table}" INCLUDING ALL)')
    for schema in ("a", "pg_temp"):
        sql(f'INSERT INTO "{schema}"."{table}" (id, name, is_active) VALUES (1, \'x\', true)')
    search_path("a")  # the fired schema first; the temporary table before it
    sql(f'DELETE FROM "a"."{table}" WHERE id = 1')
    assert sql(f'SELECT is_active FROM "a"."{table}"') == [(False,)]
    assert sql(f'SELECT is_active FROM pg_temp."{table}"') == [(True,)]


def test_soft_delete_with_now_stamps_the_fired_table():
    tenant_tables(m.SoftTimestamp)
    table = m.SoftTimestamp._meta.db_table
    for schema in SCHEMAS:
        sql(f'INSERT INTO "{schema}"."{table}" (id) VALUES (1)')
    search_path("b")
    sql(f'DELETE FROM "a"."{table}" WHERE id = 1')
    stamped = {
        schema: sql(f'SELECT deleted_at IS NOT NULL FROM "{schema}"."{table}"')
        for schema in SCHEMAS
    }
    assert stamped == {"a": [(True,)], "b": [(False,)]}


@pytest.mark.parametrize("path", ["b", "public", "pg_catalog"])
def test_sync_aggregate_updates_the_parent_in_the_fired_schema(path):
    tenant_tables(m.Order, m.OrderLine)
    order, line = m.Order._meta.db_table, m.OrderLine._meta.db_table
    for schema in SCHEMAS:
        sql(f'INSERT INTO "{schema}"."{order}" (id, line_count) VALUES (1, 0)')
    search_path(path)
    sql(f'INSERT INTO "a"."{line}" (order_id, amount) VALUES (1, 5), (1, 7)')
    sql(f'DELETE FROM "a"."{line}" WHERE amount = 5')
    counts = {
        schema: sql(f'SELECT line_count, amount FROM "{schema}"."{order}"') for schema in SCHEMAS
    }
    assert counts == {"a": [(1, 7)], "b": [(0, None)]}


def test_sync_aggregate_with_a_shared_parent_outside_the_tenant_schema():
    """A tenant's child table pointing to a table only ``public`` has uses ``public``'s."""
    sql('CREATE SCHEMA "a"')
    line = m.OrderLine._meta.db_table
    sql(f'CREATE TABLE "a"."{line}" (LIKE public."{line}" INCLUDING ALL)')
    search_path("a, public")
    for trigger in m.OrderLine._meta.triggers:
        trigger.install(m.OrderLine)
    order = m.Order.objects.create(line_count=0)
    sql(f'INSERT INTO "{line}" (order_id, amount) VALUES (%s, 3)', [order.pk])
    search_path("public")
    sql(f'INSERT INTO "a"."{line}" (order_id, amount) VALUES (%s, 4)', [order.pk])
    order.refresh_from_db()
    assert (order.line_count, order.amount) == (2, 7)
    assert not m.OrderLine.objects.exists()  # public's own child table is untouched


@pytest.mark.parametrize("path", ["b", "public", "pg_catalog"])
def test_track_changes_writes_the_events_of_the_fired_schema(path):
    tenant_tables(m.Change, m.Tracked)
    tracked, change = m.Tracked._meta.db_table, m.Change._meta.db_table
    for schema in SCHEMAS:
        sql(
            f'INSERT INTO "{schema}"."{tracked}" (id, status, price, untracked) '
            "VALUES (1, %s, 0, 0)",
            ["new"],
        )
    search_path(path)
    sql(f'UPDATE "a"."{tracked}" SET status = \'paid\'')
    events = {
        schema: sql(f'SELECT object_pk, field, new_value::text FROM "{schema}"."{change}"')
        for schema in (*SCHEMAS, "public")
    }
    assert events == {"a": [("1", "status", '"paid"')], "b": [], "public": []}


def _recipes() -> list[tuple[type[models.Model], pgtrigger.Trigger]]:
    return [
        (model, trigger)
        for model, trigger in pgtrigger.registered()
        if type(trigger).__module__.startswith("pgtrigger.contrib")
    ]


def test_every_recipe_that_names_a_table_resolves_it_at_run_time():
    """No contrib recipe's function names a table outside the schema-safe form."""
    tables = {model._meta.db_table for model in (mm for mm, _ in pgtrigger.registered())} | {
        mm._meta.db_table for mm in (m.Change, m.Order, m.Batch)
    }
    recipes = _recipes()
    assert {type(t).__name__ for _, t in recipes} >= {
        "SoftDelete",
        "SyncAggregate",
        "TrackChanges",
        "SyncField",
        "Versioning",
        "FSM",
        "Protect",
        "ReadOnly",
    }
    for model, trigger in recipes:
        func = trigger.render_func(model)
        named = [table for table in tables if f'"{table}"' in func]
        if named:
            assert "TG_TABLE_SCHEMA" in func and "EXECUTE format(" in func, (model, trigger)


def test_statement_without_unqualified_tables_is_static():
    qualified = '"x"."t"'

    def render(refs: _schemas.Refs) -> str:
        return f"UPDATE {refs.table(qualified)} SET n = {refs.value('OLD.n')}"

    assert _schemas.statement(qualified, render) == 'UPDATE "x"."t" SET n = OLD.n;'
