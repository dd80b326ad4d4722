"""Statement-level variants against their row-level forms, on bulk updates.

Each pair enforces the same rule; the statement-level form runs once per statement over the
transition tables instead of once per row.
"""

from __future__ import annotations

import pgtrigger
from benchmarks import models, timing
from benchmarks.models import RecipeRow, StatementRow

PAIRS = {
    "Protect (locked rows)": (
        # Row level: a WHEN condition per row. Statement level: one check of the new rows.
        lambda: pgtrigger.Protect(
            name="bench_protect_row",
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(old__status="locked"),
        ),
        lambda: pgtrigger.Composer(
            name="bench_protect_statement",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(old__status="locked"),
            func=pgtrigger.Func(
                "IF EXISTS (SELECT 1 FROM {cond_old_values} AS o) THEN "
                "RAISE EXCEPTION 'locked'; END IF; RETURN NULL;"
            ),
        ),
        "UPDATE {table} SET n = n + 1",
    ),
    "FSM check": (
        lambda: pgtrigger.FSM(
            name="bench_fsm_row",
            field="status",
            transitions=[("draft", "published"), ("published", "archived")],
        ),
        lambda: pgtrigger.Composer(
            name="bench_fsm_statement",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=pgtrigger.AnyChange("status"),
            func=pgtrigger.Func(
                "IF EXISTS (SELECT 1 FROM {cond_joined_values} AS c WHERE NOT ("
                "(c.old__status = 'draft' AND c.new__status = 'published') OR "
                "(c.old__status = 'published' AND c.new__status = 'archived'))) THEN "
                "RAISE EXCEPTION 'invalid transition'; END IF; RETURN NULL;"
            ),
        ),
        "UPDATE {table} SET status = 'published'",
    ),
    # Not a target, the floor under any statement-level FSM check: PostgreSQL copying every
    # old and new row into the transition tables, before checking anything.
    "FSM check: transition tables alone": (
        lambda: pgtrigger.FSM(
            name="bench_fsm_row_floor",
            field="status",
            transitions=[("draft", "published"), ("published", "archived")],
        ),
        lambda: pgtrigger.Trigger(
            name="bench_tables_only",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            referencing=pgtrigger.Referencing(old="old_values", new="new_values"),
            func="RETURN NULL;",
        ),
        "UPDATE {table} SET status = 'published'",
    ),
    "change tracking": (
        lambda: pgtrigger.Trigger(
            name="bench_track_row",
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=pgtrigger.AnyChange("status"),
            func=(
                "INSERT INTO benchmarks_change (object_pk, field, old_value, new_value) "
                "VALUES (OLD.id::text, 'status', to_jsonb(OLD.status), to_jsonb(NEW.status)); "
                "RETURN NULL;"
            ),
        ),
        lambda: pgtrigger.TrackChanges(
            name="bench_track_statement", fields=["status"], to="benchmarks.Change"
        ),
        "UPDATE {table} SET status = 'published'",
    ),
}


# The target: the statement-level form beats the row-level one.
TARGETS = {"Protect (locked rows)", "FSM check", "change tracking"}


def run(rows: int, rounds: int) -> tuple[str, bool]:
    models.fill([RecipeRow, StatementRow], rows)
    result_rows = []
    ok = True
    tables = [RecipeRow._meta.db_table, StatementRow._meta.db_table, "benchmarks_change"]
    for label, (row_form, statement_form, statement) in PAIRS.items():
        row_trigger, statement_trigger = row_form(), statement_form()
        row_trigger.install(RecipeRow)
        statement_trigger.install(StatementRow)
        try:
            medians = timing.measure(
                {
                    "row": timing.statement_runner(statement.format(table=tables[0])),
                    "statement": timing.statement_runner(statement.format(table=tables[1])),
                },
                rounds,
                between=lambda: timing.vacuum(*tables),
            )
        finally:
            row_trigger.uninstall(RecipeRow)
            statement_trigger.uninstall(StatementRow)
        ratio = medians["statement"] / medians["row"]
        target = "-"
        if label in TARGETS:
            target = "PASS" if ratio < 1 else "FAIL"
            ok &= ratio < 1
        result_rows.append(
            [
                label,
                f"{medians['row'] * 1000:.0f}",
                f"{medians['statement'] * 1000:.0f}",
                f"{ratio:.2f}x",
                "faster" if ratio < 1 else "slower",
                target,
            ]
        )
    report = timing.table(
        f"Statement-level vs row-level: {rows:,}-row bulk update, median of {rounds} rounds "
        f"(ms of {timing.clock_name()}); target: statement-level faster",
        result_rows,
        ["rule", "row-level", "statement-level", "ratio", "statement-level is", "target"],
    )
    return report, ok
