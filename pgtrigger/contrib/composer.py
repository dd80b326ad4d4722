"""``Composer``: one declaration, row-level or statement-level."""

from __future__ import annotations

import re
from typing import Any

from django.core import checks
from django.db import models

from pgtrigger import options, sql
from pgtrigger.conditions import Q, _Changes, row_aliases
from pgtrigger.contrib import _columns
from pgtrigger.func import Func
from pgtrigger.primitives import Delete, Insert, Referencing, Statement, Update, UpdateOf
from pgtrigger.trigger import Trigger


class Composer(Trigger):
    """A trigger whose ``func`` and condition work at either level.

    ``func`` may be a dict ``{pgtrigger.Row: ..., pgtrigger.Statement: ...}``; the entry for
    the trigger's ``level`` is used. At statement level the trigger declares the transition
    tables ``old_values`` / ``new_values`` its operation has (``Update``: both, ``Insert``:
    new, ``Delete``: old), and a field condition (``Q``, ``AnyChange``...) is not a ``WHEN``
    clause but filters those tables inside the function. A ``Func`` template then sees:

    - ``{cond_old_values}``: a subquery of the ``old_values`` rows meeting the condition;
    - ``{cond_new_values}``: a subquery of the ``new_values`` rows meeting the condition;
    - ``{cond_joined_values}``: a subquery of old and new rows (joined on the primary key)
      meeting the condition, with columns ``old__<column>`` and ``new__<column>``.

    Use them as ``FROM {cond_new_values} AS changed``. Of those tables, only the ones the
    rendered function names (through these variables or directly) are declared: PostgreSQL
    keeps a copy of every row of each declared table, so a check of old rows alone does not
    pay for the new ones, and a subquery over one table has no join. Example, a
    statement-level read-only check that runs once per bulk update::

        pgtrigger.Composer(
            name="protect_status", level=pgtrigger.Statement, when=pgtrigger.After,
            operation=pgtrigger.Update, condition=pgtrigger.AnyChange("status"),
            func=pgtrigger.Func(
                "IF EXISTS (SELECT 1 FROM {cond_new_values} AS changed) THEN "
                "RAISE EXCEPTION 'status is read-only'; END IF; RETURN NULL;"
            ),
        )
    """

    statement_conditions = True  # field conditions are valid at statement level (see above)

    def __init__(self, *, func: Any = None, **kwargs: Any) -> None:
        self.funcs = func if isinstance(func, dict) else None
        level = kwargs.get("level") or self.level
        chosen = self.funcs.get(level) if self.funcs else func
        # Declared here for validation; narrowed per model by get_referencing().
        self.auto_referencing = level == Statement and kwargs.get("referencing") is None
        if self.auto_referencing:
            kwargs["referencing"] = _transition_tables(kwargs.get("operation") or self.operation)
        super().__init__(func=chosen, **kwargs)

    def get_func(self, model: type[models.Model]) -> str | Func:
        if self.funcs is not None:
            func = self.funcs.get(self.level)
            if func is None:
                raise ValueError(f'Composer "{self.name}" has no func for level {self.level}')
            return func
        return super().get_func(model)

    def _statement_condition(self) -> bool:
        return self.level == Statement and self.condition is not None

    def render_condition(self, model: type[models.Model]) -> str:
        if self._statement_condition():
            return ""  # applied to the transition tables by the template variables
        return super().render_condition(model)

    def _condition_rows(self, model: type[models.Model]) -> set[str]:
        """The transition tables (``"old"``, ``"new"``) the condition reads."""
        if self.condition is None:
            return set()
        return {row.lower() for row in self.condition.references(model)}

    def _statement_where(self, model: type[models.Model]) -> str:
        """The condition over the transition tables."""
        if self.condition is None:
            return "TRUE"
        with row_aliases(old="old_values", new="new_values"):
            return self.condition.resolve(model)

    def get_referencing(self, model: type[models.Model]) -> Referencing | None:
        """Only the transition tables the rendered function names: PostgreSQL stores every
        row of each declared table for the statement, a cost paid even when nothing reads it."""
        declared = self.referencing
        if not self.auto_referencing or declared is None:
            return declared
        function = self.render_func(model)
        used = {row for row, pattern in _TABLE_NAMES.items() if pattern.search(function)}
        old = declared.old if "old" in used else None
        new = declared.new if "new" in used else None
        return Referencing(old=old, new=new) if old or new else None

    def get_func_template_kwargs(self, model: type[models.Model]) -> dict[str, Any]:
        if self.level != Statement:
            return {}
        where = self._statement_where(model)
        condition_rows = self._condition_rows(model)

        def rows_where(select: str, rows: set[str]) -> str:
            if rows >= {"old", "new"}:
                join = _columns.pk_match(model, "old_values", "new_values")
                return _materialized(
                    f"SELECT {select} FROM old_values JOIN new_values ON {join} WHERE {where}"
                )
            # One table, no join: a plain subquery the planner can fold into the caller's.
            (row,) = rows
            return f"(SELECT {select} FROM {row}_values WHERE {where})"

        operations = self.operation.operations if self.operation else ()
        updates = any(_is_update(op) for op in operations)
        has_old = updates or Delete in operations
        has_new = updates or Insert in operations
        kwargs = {}
        if has_old:
            kwargs["cond_old_values"] = rows_where("old_values.*", {"old"} | condition_rows)
        if has_new:
            kwargs["cond_new_values"] = rows_where("new_values.*", {"new"} | condition_rows)
        if has_old and has_new:
            columns = [
                sql.quote_ident(options.column(f))
                for f in options.concrete_options(model).local_concrete_fields
            ]
            selected = ", ".join(
                [
                    f"old_values.{c} AS {sql.quote_ident('old__' + c.strip(chr(34)))}"
                    for c in columns
                ]
                + [
                    f"new_values.{c} AS {sql.quote_ident('new__' + c.strip(chr(34)))}"
                    for c in columns
                ]
            )
            kwargs["cond_joined_values"] = rows_where(selected, {"old", "new"})
        return kwargs

    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        if self.level != Statement:
            return []
        label = f'Trigger "{self.name}" on {model._meta.label}'
        if self.condition is not None and not isinstance(self.condition, (Q, _Changes)):
            return [
                checks.Error(
                    f"{label}: a statement-level Composer needs a field condition "
                    "(pgtrigger.Q or a change condition), not raw SQL.",
                    hint="Express the condition with pgtrigger.Q / AnyChange.",
                    obj=model,
                    id="pgtrigger.E105",
                )
            ]
        try:
            function, where = self.render_func(model), self._statement_where(model)
        except Exception:  # a declaration that does not render: E001 or E010 reports it
            return []
        errors: list[checks.CheckMessage] = []
        if (
            self.auto_referencing
            and self.referencing is None
            and any(pattern.search(function) for pattern in _TABLE_NAMES.values())
        ):
            errors.append(
                checks.Error(
                    f"{label}: the function reads the transition tables old_values / "
                    "new_values, which PostgreSQL allows only on a trigger with a single "
                    "Insert, Update or Delete event.",
                    hint="Declare one Composer per operation.",
                    obj=model,
                    id="pgtrigger.E009",
                )
            )
        if self.condition is not None and where not in function:
            # The condition is no WHEN clause here: unread, it would filter nothing.
            errors.append(
                checks.Error(
                    f"{label}: the condition of a statement-level Composer applies only "
                    "through {cond_old_values}, {cond_new_values} or {cond_joined_values}, "
                    "and the func reads none.",
                    hint="Read the rows through one of them in a pgtrigger.Func, "
                    "or drop the condition.",
                    obj=model,
                    id="pgtrigger.E106",
                )
            )
        return errors


_TABLE_NAMES = {"old": re.compile(r"\bold_values\b"), "new": re.compile(r"\bnew_values\b")}


def _transition_tables(operation: Any) -> Referencing | None:
    operations: tuple[Any, ...] = tuple(operation.operations) if operation is not None else ()
    if len(operations) != 1:
        return None  # PostgreSQL allows transition tables only for single-event triggers
    (op,) = operations
    if _is_update(op):
        return Referencing(old="old_values", new="new_values")
    if op == Insert:
        return Referencing(new="new_values")
    if op == Delete:
        return Referencing(old="old_values")
    return None


def _materialized(query: str) -> str:
    """A subquery computed in full before use.

    Inside ``EXISTS (...)`` the planner aims for the first row and may join the transition
    tables with a nested loop, which is quadratic when no row matches; a materialized CTE is
    planned for its whole result (hash or merge join).
    """
    return f"(WITH _pgtrigger_rows AS MATERIALIZED ({query}) SELECT * FROM _pgtrigger_rows)"


def _is_update(operation: Any) -> bool:
    return operation == Update or isinstance(operation, UpdateOf)
