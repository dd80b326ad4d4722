"""Denormalized values kept in sync by the database.

``SyncField`` keeps a column equal to an expression of the same row; ``SyncAggregate`` keeps
a parent's column equal to an aggregate (count, sum, max...) of its children.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

from pgtrigger import options, sql
from pgtrigger.conditions import PSEUDO_ROWS, _PseudoRowQuery
from pgtrigger.contrib import _columns, _schemas
from pgtrigger.primitives import After, Before, Delete, Insert, Row, Update
from pgtrigger.trigger import Trigger


class _SameRowQuery(_PseudoRowQuery):
    """Resolves ``F("field")`` to ``NEW."field"``."""

    def resolve_ref(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if name.partition("__")[0] not in PSEUDO_ROWS:
            name = f"new__{name}"
        return super().resolve_ref(name, *args, **kwargs)


def compile_row_expression(model: type[models.Model], expression: Any) -> str:
    """Compile a Django expression over ``NEW``'s fields to SQL with inlined literals."""
    connection = connections[DEFAULT_DB_ALIAS]
    query = _SameRowQuery(model)
    compiler = query.get_compiler(connection=connection)
    compiler.quote_cache["NEW"] = "NEW"
    compiler.quote_cache["OLD"] = "OLD"
    text, params = compiler.compile(expression.resolve_expression(query))
    return sql.interpolate(text, params)


class SyncField(Trigger):
    """Keep ``field`` equal to ``expression`` of the same row, on insert and update.

    ``SyncField(name="sync_email_lower", field="email_lower", expression=Lower("email"))``
    maintains a lower-cased copy; ``expression=F("price") * F("quantity")`` a computed total;
    ``expression=F("name")`` a mirror. Any Django expression over the row's fields works;
    values written to ``field`` directly are overwritten.
    """

    when = Before
    operation = Insert | Update
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        field: str | None = None,
        expression: Any = None,
        **kwargs: Any,
    ) -> None:
        if not field or expression is None:
            raise ValueError(f'SyncField trigger "{name}" needs a field and an expression')
        self.field = field
        self.expression = expression
        super().__init__(name=name, **kwargs)

    def get_func(self, model: type[models.Model]) -> str:
        value = compile_row_expression(model, self.expression)
        return f"NEW.{_columns.column(model, self.field)} := {value};\n    RETURN NEW;"


AGGREGATES = ("count", "sum", "min", "max", "avg", "bool_and", "bool_or")


class SyncAggregate(Trigger):
    """Keep a parent's ``parent_field`` equal to an aggregate over its children.

    Declared on the child model: ``SyncAggregate(name="sync_line_count", fk="order",
    parent_field="line_count")`` keeps ``Order.line_count`` equal to its number of lines;
    ``aggregate="sum", of="amount"`` keeps a total, ``aggregate="max", of="created_at"`` the
    latest child's timestamp. Inserts, deletes and updates (including moving a child to
    another parent) recompute the affected parents' value.
    """

    when = After
    operation = Insert | Update | Delete
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        fk: str | None = None,
        parent_field: str | None = None,
        aggregate: str = "count",
        of: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not fk or not parent_field:
            raise ValueError(f'SyncAggregate trigger "{name}" needs fk and parent_field')
        if aggregate not in AGGREGATES:
            raise ValueError(f'SyncAggregate trigger "{name}": aggregate must be in {AGGREGATES}')
        if aggregate != "count" and not of:
            raise ValueError(f'SyncAggregate trigger "{name}": "{aggregate}" needs of=<field>')
        self.fk = fk
        self.parent_field = parent_field
        self.aggregate = aggregate
        self.of = of
        super().__init__(name=name, **kwargs)

    def get_func(self, model: type[models.Model]) -> str:
        fk = _columns.concrete_field(model, self.fk)
        parent = fk.related_model
        assert parent is not None and not isinstance(parent, str)
        own_table = self.get_table(model)
        fk_column = sql.quote_ident(options.column(fk))
        target = sql.quote_ident(fk.target_field.column)  # type: ignore[attr-defined]
        parent_column = _columns.column(parent, self.parent_field)
        value = f"{_columns.column(model, self.of)}" if self.of else "*"
        expression = f"{self.aggregate}({value})"

        def update(row: str) -> str:
            def render(refs: _schemas.Refs) -> str:
                parent_table = refs.table(parent._meta.db_table)
                child_table = refs.table(own_table)
                key = refs.value(f"{row}.{fk_column}")
                return (
                    f"UPDATE {parent_table} SET {parent_column} = "
                    f"(SELECT {expression} FROM {child_table} WHERE {child_table}.{fk_column} = "
                    f"{parent_table}.{target}) WHERE {parent_table}.{target} = {key}"
                )

            return _schemas.statement(own_table, render, indent="        ")

        return (
            "IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
            f"        {update('OLD')}\n"
            "    END IF;\n"
            "    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND "
            f"NEW.{fk_column} IS DISTINCT FROM OLD.{fk_column}) THEN\n"
            f"        {update('NEW')}\n"
            "    END IF;\n"
            "    RETURN NULL;"
        )
