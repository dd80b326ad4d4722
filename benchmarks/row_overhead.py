"""Row overhead of recipes on bulk statements: no trigger vs hand-written vs pgtrigger.

The hand-written triggers implement the same rule as the recipe in plain PL/pgSQL, without
ignore support: the ratio pgtrigger / hand-written is the library's overhead (target 1.10).
Every recipe that fits one table is here; TrackChanges is statement-level, as written by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.db.models import F

import pgtrigger
from benchmarks import models, timing
from benchmarks.models import HandRow, PlainRow, RecipeRow

TARGET = 1.10

# recipe: (event, FOR EACH ... [WHEN ...], body) of the hand-written trigger on HandRow.
HAND_WRITTEN = {
    "FSM": (
        "BEFORE UPDATE",
        "FOR EACH ROW",
        "IF OLD.status IS DISTINCT FROM NEW.status AND NOT ("
        "(OLD.status = 'draft' AND NEW.status = 'published') OR "
        "(OLD.status = 'published' AND NEW.status = 'archived')) THEN "
        "RAISE EXCEPTION 'invalid transition'; END IF; RETURN NEW;",
    ),
    "SoftDelete": (
        "BEFORE DELETE",
        "FOR EACH ROW",
        "UPDATE benchmarks_handrow SET is_active = false WHERE id = OLD.id; RETURN NULL;",
    ),
    "Versioning": (
        "BEFORE UPDATE",
        "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)",
        "IF NEW.version IS DISTINCT FROM OLD.version THEN "
        "RAISE EXCEPTION 'version is bumped automatically'; END IF; "
        "NEW.version := OLD.version + 1; RETURN NEW;",
    ),
    "Protect": (
        "BEFORE UPDATE",
        "FOR EACH ROW WHEN (OLD.status = 'locked')",
        "RAISE EXCEPTION 'locked';",
    ),
    "ReadOnly": (
        "BEFORE UPDATE",
        "FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version)",
        "RAISE EXCEPTION 'version is read-only';",
    ),
    "SyncField": (
        "BEFORE INSERT OR UPDATE",
        "FOR EACH ROW",
        "NEW.version := NEW.n * 2; RETURN NEW;",
    ),
    "UpdateSearchVector": (
        "BEFORE INSERT OR UPDATE",
        "FOR EACH ROW",
        "NEW.search := to_tsvector('pg_catalog.english'::regconfig, "
        "COALESCE(NEW.status::text, '')); RETURN NEW;",
    ),
    "TrackChanges": (
        "AFTER UPDATE",
        "REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT",
        "INSERT INTO benchmarks_change (object_pk, field, old_value, new_value) "
        "SELECT o.id::text, 'status', to_jsonb(o.status), to_jsonb(n.status) "
        "FROM o JOIN n ON o.id = n.id WHERE o.status IS DISTINCT FROM n.status; RETURN NULL;",
    ),
}

RECIPES: dict[str, Callable[[], pgtrigger.Trigger]] = {
    "FSM": lambda: pgtrigger.FSM(
        name="bench_fsm",
        field="status",
        transitions=[("draft", "published"), ("published", "archived")],
    ),
    "SoftDelete": lambda: pgtrigger.SoftDelete(name="bench_soft_delete", field="is_active"),
    "Versioning": lambda: pgtrigger.Versioning(name="bench_versioning", field="version"),
    "Protect": lambda: pgtrigger.Protect(
        name="bench_protect",
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(old__status="locked"),
    ),
    "ReadOnly": lambda: pgtrigger.ReadOnly(name="bench_read_only", fields=["version"]),
    "SyncField": lambda: pgtrigger.SyncField(
        name="bench_sync", field="version", expression=F("n") * 2
    ),
    "UpdateSearchVector": lambda: pgtrigger.UpdateSearchVector(
        name="bench_search", vector_field="search", document_fields=["status"]
    ),
    "TrackChanges": lambda: pgtrigger.TrackChanges(
        name="bench_track", fields=["status"], to="benchmarks.Change"
    ),
}

STATEMENTS = {
    "FSM": [
        ("valid transition", "UPDATE {table} SET status = 'published'"),
        ("status untouched", "UPDATE {table} SET n = n + 1"),
    ],
    "SoftDelete": [("bulk delete", "DELETE FROM {table}")],
    "Versioning": [("bulk update", "UPDATE {table} SET n = n + 1")],
    "Protect": [("condition false (no locked row)", "UPDATE {table} SET n = n + 1")],
    "ReadOnly": [("condition false (other field)", "UPDATE {table} SET n = n + 1")],
    "SyncField": [("bulk update", "UPDATE {table} SET n = n + 1")],
    "UpdateSearchVector": [("bulk update", "UPDATE {table} SET status = 'published'")],
    "TrackChanges": [("bulk update", "UPDATE {table} SET status = 'published'")],
}

TABLES = [PlainRow, HandRow, RecipeRow]


def install(recipe: str) -> pgtrigger.Trigger:
    event, for_each, body = HAND_WRITTEN[recipe]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION bench_hand() RETURNS TRIGGER AS $$ BEGIN "
            f"{body} END; $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            f"CREATE TRIGGER bench_hand {event} ON benchmarks_handrow {for_each} "
            "EXECUTE FUNCTION bench_hand()"
        )
    trigger = RECIPES[recipe]()
    trigger.install(RecipeRow)
    return trigger


def uninstall(trigger: pgtrigger.Trigger) -> None:
    trigger.uninstall(RecipeRow)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS bench_hand ON benchmarks_handrow")


def run(rows: int, rounds: int) -> tuple[str, bool]:
    models.fill(TABLES, rows)
    result_rows = []
    ok = True
    tables = [*(m._meta.db_table for m in TABLES), "benchmarks_change"]
    for recipe, statements in STATEMENTS.items():
        trigger = install(recipe)
        try:
            for label, statement in statements:
                variants = {
                    model.__name__: timing.statement_runner(
                        statement.format(table=model._meta.db_table)
                    )
                    for model in TABLES
                }
                medians = timing.measure(variants, rounds, between=lambda: timing.vacuum(*tables))
                ratio = medians["RecipeRow"] / medians["HandRow"]
                passed = ratio <= TARGET
                ok &= passed
                result_rows.append(
                    [
                        recipe,
                        label,
                        f"{medians['PlainRow'] * 1000:.0f}",
                        f"{medians['HandRow'] * 1000:.0f}",
                        f"{medians['RecipeRow'] * 1000:.0f}",
                        f"{ratio:.2f}x",
                        "PASS" if passed else "FAIL",
                    ]
                )
        finally:
            uninstall(trigger)
    report = timing.table(
        f"Row overhead: {rows:,} rows, median of {rounds} rounds (ms of {timing.clock_name()}); "
        f"target <= {TARGET}x "
        "hand-written",
        result_rows,
        ["recipe", "statement", "no trigger", "hand-written", "pgtrigger", "ratio", "target"],
    )
    return report, ok
