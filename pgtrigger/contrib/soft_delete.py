"""``SoftDelete``: turn deletes into an update of a flag or timestamp."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core import checks
from django.db import models
from django.db.models.functions import Now

from pgtrigger import context_sql, errors, sql
from pgtrigger.contrib import _columns, _raise, _schemas
from pgtrigger.contrib import _soft_delete_graph as _graph
from pgtrigger.contrib._soft_delete_graph import declared
from pgtrigger.primitives import Before, Delete, Insert, Operation, Row, UpdateOf
from pgtrigger.trigger import Trigger

_UNSET: Any = object()
_ROWS = "pgtrigger_rows"  # a PL/pgSQL variable: rows the parent check found


class SoftDelete(Trigger):
    """Cancel deletes and set ``field`` to ``value`` instead.

    ``SoftDelete(name="soft_delete", field="is_active")`` sets ``is_active`` to ``False``;
    ``value`` may be any value of the field (``"deleted"``, ``0``, ``None``...) or
    ``django.db.models.functions.Now()`` to stamp the current time into e.g. ``deleted_at``.
    Works for ``obj.delete()`` and ``queryset.delete()`` alike, and for composite primary
    keys. The rows remain in the table, and Django's ``delete()`` counts none of them as
    deleted (PostgreSQL does not count rows a ``BEFORE`` trigger skips); delete signals still
    fire.

    The default ``value=False`` suits a boolean field only: on any other field a ``True`` or
    ``False`` value is a check error (``pgtrigger.E108``), not a ``'False'`` written into it.

    ``cascade=True`` also deletes, from the same function, the rows of other models that point
    to the deleted row with a ``ForeignKey(on_delete=CASCADE)`` and declare a ``SoftDelete``
    themselves: their own trigger soft-deletes them (and cascades further if it has
    ``cascade=True``). A row deleted already is not flagged again (it keeps the stamp of its
    first delete) but still cascades, to alive rows below it. Self-referential foreign keys are
    not followed, and a cycle of cascading models is a check error (see the cookbook page).
    The trigger of such a child also refuses (``PGT07``) an insert or update that makes a row
    alive under a soft-deleted parent, so that once writers commit no deleted row has an alive
    cascading descendant.

    ``restore_value`` is the value :meth:`SoftDeleteQuerySet.undelete` writes back; it defaults
    to ``not value`` for a boolean ``value`` and to ``None`` for ``Now()``.

    ``deleted_by="deleted_by"`` also sets that field to the ``actor`` of the current
    ``pgtrigger.context()`` (``NULL`` when there is none).
    """

    when = Before
    operation = Delete
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        field: str | None = None,
        value: Any = False,
        cascade: bool = False,
        restore_value: Any = _UNSET,
        deleted_by: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not field:
            raise ValueError(f'SoftDelete trigger "{name}" needs a field')
        self.field = field
        self.value = value
        self.cascade = cascade
        self.restore_value = restore_value
        self.deleted_by = deleted_by
        super().__init__(name=name, **kwargs)

    def render_value(self, model: type[models.Model]) -> str:
        if isinstance(self.value, Now):
            return "now()"
        if isinstance(self.value, models.Expression):
            raise ValueError(
                f'SoftDelete trigger "{self.name}": value may be a literal or Now(), '
                f"not {self.value!r}"
            )
        return _columns.db_literal(_columns.concrete_field(model, self.field), self.value)

    def get_operation(self, model: type[models.Model]) -> Operation:
        """``DELETE``; also ``INSERT`` and ``UPDATE OF`` the foreign keys and ``field`` when a
        parent soft-deletes with ``cascade=True``: a row may not be alive under a deleted one."""
        guarded = _graph.parents(model)
        if not guarded:
            return Delete
        fields = sorted({edge.field.name for edge in guarded} | {self.field})
        return Delete | Insert | UpdateOf(*fields)

    def get_declare(self, model: type[models.Model]) -> list[tuple[str, str]]:
        declare = super().get_declare(model)
        if _graph.parents(model):
            declare.append((_ROWS, "bigint"))
        return declare

    def get_func(self, model: type[models.Model]) -> str:
        lines = self._delete_lines(model)
        guarded = _graph.parents(model)
        if guarded:
            lines = [
                (0, "IF TG_OP = 'DELETE' THEN"),
                *_indent(lines),
                (0, "END IF;"),
                *self._guard_lines(model, guarded),
                (0, "RETURN NEW;"),
            ]
        return _emit(lines)

    def _delete_lines(self, model: type[models.Model]) -> list[_Line]:
        """Flag the row unless it is deleted already (it keeps the stamp of its first delete),
        then delete its children: their own trigger soft-deletes them."""
        own_table = self.get_table(model)
        pk = _columns.pk_columns(model)
        column = _columns.column(model, self.field)
        value = self.render_value(model)
        if self.deleted_by:  # one more SET column; none by default, so the SQL stays the same
            actor = context_sql.assign_sql(_columns.concrete_field(model, self.deleted_by))
            value += f", {_columns.column(model, self.deleted_by)} = {actor}"

        def where(refs: _schemas.Refs, table: str) -> str:
            return " AND ".join(f"{table}.{col} = {refs.value(f'OLD.{col}')}" for col in pk)

        def update(refs: _schemas.Refs) -> str:
            table = refs.table(own_table)
            return f"UPDATE {table} SET {column} = {value} WHERE {where(refs, table)}"

        def lock(refs: _schemas.Refs) -> str:
            table = refs.table(own_table)
            return f"SELECT 1 FROM {table} WHERE {where(refs, table)} FOR UPDATE"

        flag = [_statement(own_table, update)]
        edges = _graph.children(model) if self.cascade else []
        if any(_graph.parents(edge.child) for edge in edges):
            # The flagged version of the row, locked until commit: a child's insert checks
            # the flag after a key-share lock, which this lock makes wait for the commit.
            flag.append(_statement(own_table, lock, perform=True))
        lines = [(0, f"IF {self.alive_sql(model, 'OLD')} THEN"), *_indent(flag), (0, "END IF;")]
        for edge in edges:
            # Into deleted children too (their trigger does not flag them again), for their
            # alive descendants; in a cycle of models only alive ones, so the cascade ends.
            alive_only = _graph.reaches(edge.child, model)
            lines.append(
                _statement(own_table, functools.partial(_delete_children, edge, alive_only))
            )
        return [*lines, (0, "RETURN NULL;")]

    def _guard_lines(self, model: type[models.Model], edges: list[_graph.Edge]) -> list[_Line]:
        """Refuse an alive row under a soft-deleted parent (insert, restore, new parent)."""
        own_table = self.get_table(model)
        alive = self.alive_sql(model, "NEW")
        lines: list[_Line] = []
        for edge in edges:
            fk = sql.quote_ident(edge.field.column)
            moved = f"NEW.{fk} IS DISTINCT FROM OLD.{fk} OR NOT ({self.alive_sql(model, 'OLD')})"
            parent_soft = next(t for t in declared(edge.parent) if t.cascade)
            refusal = _raise.raise_sql(
                sqlstate=errors.SOFT_DELETED_PARENT,
                uri=self.get_uri(model),
                format="",
                message=(
                    f"Cannot have an alive row of {model._meta.db_table} under a soft-deleted "
                    f'row of {edge.parent._meta.db_table} (by "{edge.field.name}")'
                ),
                hint=f"Restore the {edge.parent._meta.label} row first.",
            )
            lines += [
                (0, f"IF NEW.{fk} IS NOT NULL AND {alive} AND (TG_OP = 'INSERT' OR {moved}) THEN"),
                # Lock first, then read the flag in a new statement: it sees a delete that
                # committed while the lock waited.
                *_indent(
                    [
                        _statement(
                            own_table, functools.partial(_parent_row, edge, None), perform=True
                        ),
                        _statement(
                            own_table,
                            functools.partial(_parent_row, edge, parent_soft),
                            perform=True,
                        ),
                        (0, f"GET DIAGNOSTICS {_ROWS} = ROW_COUNT;"),
                        (0, f"IF {_ROWS} > 0 THEN"),
                        (1, refusal),
                        (0, "END IF;"),
                    ]
                ),
                (0, "END IF;"),
            ]
        return lines

    def deleted_q(self) -> models.Q:
        """The rows this trigger has soft-deleted, as a ``Q`` on the model."""
        if isinstance(self.value, models.Expression):  # Now(): a stamp marks a deleted row
            return models.Q(**{f"{self.field}__isnull": False})
        if self.value is None:
            return models.Q(**{f"{self.field}__isnull": True})
        return models.Q(**{self.field: self.value})

    def alive_sql(self, model: type[models.Model], table: str) -> str:
        """SQL true for a row of ``table`` (an alias of ``model``'s table) not soft-deleted."""
        column = f"{table}.{_columns.column(model, self.field)}"
        if isinstance(self.value, models.Expression):
            return f"{column} IS NULL"
        if self.value is None:
            return f"{column} IS NOT NULL"
        return f"{column} IS DISTINCT FROM {self.render_value(model)}"

    def get_restore_value(self, model: type[models.Model]) -> Any:
        """The value an undeleted row gets back (``restore_value``, else derived from ``value``)."""
        if self.restore_value is not _UNSET:
            return self.restore_value
        if isinstance(self.value, bool):
            return not self.value
        if isinstance(self.value, Now):
            return None
        raise ValueError(
            f'SoftDelete trigger "{self.name}" on {model._meta.label}: undelete needs the value '
            f"of a row that is not deleted; declare it with restore_value= (value is "
            f"{self.value!r})."
        )

    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        """E108 when the field is unknown, ``value`` is a boolean for a non-boolean field, or
        ``cascade=True`` closes a cycle of cascades between models."""
        return (
            self._check_field(model) or self._check_restore_value(model) or self._check_cycle(model)
        )

    def _check_cycle(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        cycle = _graph.cycle(model, self.cascade)
        if not cycle:
            return []
        path = model._meta.label + "".join(
            f" -> {edge.child._meta.label} ({edge})" for edge in cycle
        )
        return [
            checks.Error(
                f'Trigger "{self.name}" on {model._meta.label}: SoftDelete cascade=True closes '
                f"a cycle of cascades: {path}.",
                hint=(
                    "A cascade around a cycle reaches rows that the same statement deletes "
                    "next, which PostgreSQL refuses (SQLSTATE 27000). Drop cascade=True on "
                    "one model of the cycle, or make one of its foreign keys "
                    "on_delete=SET_NULL or DO_NOTHING."
                ),
                obj=model,
                id="pgtrigger.E108",
            )
        ]

    def _check_restore_value(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        if self.restore_value is _UNSET or self.restore_value != self.value:
            return []
        return [
            checks.Error(
                f'Trigger "{self.name}" on {model._meta.label}: SoftDelete restore_value '
                f"{self.restore_value!r} is the value of a deleted row.",
                hint="Pass the value a row that is not deleted has (restore_value=True, None...).",
                obj=model,
                id="pgtrigger.E108",
            )
        ]

    def _check_field(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        label = f'Trigger "{self.name}" on {model._meta.label}'
        try:
            field = _columns.concrete_field(model, self.field)
        except LookupError:
            columns = _columns.field_names(model)
            return [
                checks.Error(
                    f'{label}: SoftDelete field "{self.field}" is not a column of the model.',
                    hint=f"Name a concrete field of {model._meta.label}: {columns}.",
                    obj=model,
                    id="pgtrigger.E108",
                )
            ]
        if not isinstance(self.value, bool) or isinstance(field, models.BooleanField):
            return []
        return [
            checks.Error(
                f'{label}: SoftDelete would set {type(field).__name__} "{self.field}" to '
                f"{self.value} (the default value=False is for a BooleanField).",
                hint=(
                    "Pass the value a deleted row gets: value=Now() for a timestamp, "
                    'value="deleted" for a status, value=None for a nullable field.'
                ),
                obj=model,
                id="pgtrigger.E108",
            )
        ]


# A line of the function: its depth, and its text or a function of its indent (a statement
# whose own lines follow the indent). Text is never re-indented afterwards: a literal in it
# (the soft-delete value) may hold a newline.
_Line = tuple[int, "str | Callable[[str], str]"]


def _indent(lines: list[_Line]) -> list[_Line]:
    return [(depth + 1, item) for depth, item in lines]


def _statement(
    own_table: str, render: Callable[[_schemas.Refs], str], perform: bool = False
) -> _Line:
    return (0, lambda pad: _schemas.statement(own_table, render, indent=pad, perform=perform))


def _emit(lines: list[_Line]) -> str:
    """The function body: depth 0 is the body's own indent (the first line's is added by
    ``Trigger.render_function``)."""
    out = []
    for depth, item in lines:
        pad = "    " * (depth + 1)
        out.append(pad + (item(pad) if callable(item) else item))
    return "\n".join(out).strip()


def _delete_children(edge: _graph.Edge, alive_only: bool, refs: _schemas.Refs) -> str:
    """``DELETE`` the children of the ``OLD`` row along ``edge`` (alive ones only if asked)."""
    table = refs.table(edge.child._meta.db_table)
    fk = sql.quote_ident(edge.field.column)
    parent_key = refs.value(f"OLD.{sql.quote_ident(edge.field.target_field.column)}")
    alive = f" AND {edge.soft.alive_sql(edge.child, table)}" if alive_only else ""
    return f"DELETE FROM {table} WHERE {table}.{fk} = {parent_key}{alive}"


def _parent_row(edge: _graph.Edge, deleted_by: SoftDelete | None, refs: _schemas.Refs) -> str:
    """The ``NEW`` row's parent along ``edge``: key-share locked, or (with the parent's
    ``SoftDelete``) selected only when it is soft-deleted."""
    table = refs.table(edge.parent._meta.db_table)
    target = sql.quote_ident(edge.field.target_field.column)
    key = refs.value(f"NEW.{sql.quote_ident(edge.field.column)}")
    select = f"SELECT 1 FROM {table} WHERE {table}.{target} = {key}"
    if deleted_by is None:
        return f"{select} FOR KEY SHARE"
    return f"{select} AND NOT ({deleted_by.alive_sql(edge.parent, table)})"
