"""``Composer``: one declaration, row-level or statement-level."""

from __future__ import annotations

import re
from typing import Any

from django.core import checks
from django.db import models

from pgtrigger import options, sql
from pgtrigger.conditions import row_aliases
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

    - ``{cond_old_values}``: the ``old_values`` rows meeting the condition;
    - ``{cond_new_values}``: the ``new_values`` rows meeting the condition;
    - ``{cond_joined_values}``: old and new rows (joined on the primary key) meeting the
      condition.

    Each is a ``FROM`` item in one of two forms, chosen by what follows it in the template:

    - with an alias (``FROM {cond_new_values} AS changed``): a subquery under that alias;
      ``{cond_joined_values}`` then has columns ``old__<column>`` and ``new__<column>``;
    - without one (``SELECT new_values.* FROM {cond_new_values}``, as in 4.x): the rows keep
      the transition tables' names, ``old_values`` and ``new_values`` (both of them where
      the condition reads both rows, or for ``{cond_joined_values}``).

    A raw ``Condition`` on ``OLD.``/``NEW.`` is rewritten to ``old_values.``/``new_values.``.
    Of those tables, only the ones the rendered function names (through these variables or
    directly) are declared: PostgreSQL keeps a copy of every row of each declared table, so a
    check of old rows alone does not pay for the new ones, and a subquery over one table has
    no join. Example, a
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
        if kwargs.get("referencing") is not None:
            # As 4.x: the transition tables are the operation's, under fixed names.
            raise ValueError(
                f'Composer "{kwargs.get("name")}": Composer triggers do not support referencing '
                "declarations; at statement level they declare old_values / new_values for "
                "their operation. Use pgtrigger.Trigger for other transition tables."
            )
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

    def render_condition(self, model: type[models.Model]) -> str:
        if self.level == Statement:
            return ""  # applied to the transition tables by the template variables
        return super().render_condition(model)

    def _condition_rows(self, model: type[models.Model]) -> set[str]:
        """The transition tables (``"old"``, ``"new"``) the condition reads."""
        condition = self.get_condition(model)
        if condition is None:
            return set()
        return {row.lower() for row in condition.references(model)}

    def _statement_where(self, model: type[models.Model]) -> str | None:
        """The condition over the transition tables (None without a condition)."""
        condition = self.get_condition(model)
        if condition is None:
            return None
        with row_aliases(old="old_values", new="new_values"):
            return condition.resolve(model)

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

    def _fragment_names(self) -> list[str]:
        """The ``{cond_*}`` variables the operation has transition tables for."""
        operations = self.operation.operations if self.operation else ()
        updates = any(_is_update(op) for op in operations)
        has_old = updates or Delete in operations
        has_new = updates or Insert in operations
        names = ["cond_old_values"] if has_old else []
        names += ["cond_new_values"] if has_new else []
        return [*names, "cond_joined_values"] if has_old and has_new else names

    def get_func_template_kwargs(self, model: type[models.Model]) -> dict[str, Any]:
        if self.level != Statement:
            return {}
        # Placeholders: which SQL a variable stands for depends on the alias that follows it
        # in the rendered function (see render_func).
        return {name: f"{_MARK}{name}{_MARK}" for name in self._fragment_names()}

    def render_func(self, model: type[models.Model]) -> str:
        rendered = super().render_func(model)
        if self.level != Statement or _MARK not in rendered:
            return rendered
        fragments = _Fragments(model, self._statement_where(model), self._condition_rows(model))
        return _FRAGMENT.sub(fragments.expand, rendered)

    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        if self.level != Statement:
            return []
        label = f'Trigger "{self.name}" on {model._meta.label}'
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
        declared = self.referencing
        missing = [
            f"{row}_values"
            for row, pattern in _TABLE_NAMES.items()
            if declared is not None
            and self.auto_referencing
            and getattr(declared, row) is None
            and pattern.search(function)
        ]
        if missing:
            operation = " | ".join(op.name for op in self.operation.operations)  # type: ignore[union-attr]
            errors.append(
                checks.Error(
                    f"{label}: the function reads the transition table {missing[0]}, which a "
                    f"statement-level {operation} trigger does not have (Insert has only "
                    "new_values, Delete only old_values): every statement would fail.",
                    hint="Read only the transition tables of the operation, or change it.",
                    obj=model,
                    id="pgtrigger.E009",
                )
            )
        if where is not None and where not in function:
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

_MARK = "\x00"
# A rendered {cond_*} variable and the alias after it, if any: ``AS name`` or a bare name
# that is not the keyword of a following clause.
_FRAGMENT = re.compile(
    _MARK
    + r"(cond_old_values|cond_new_values|cond_joined_values)"
    + _MARK
    + r"""(?P<alias>\s+AS\s+|\s+(?=(?:"|[A-Za-z_])))?"""
    + r"""(?P<name>"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)?""",
    re.IGNORECASE,
)
# Words that may follow a FROM item and are no alias.
_CLAUSE_WORDS = frozenset(
    (
        *("WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "ON", "USING"),
        *("GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR", "UNION"),
        *("INTERSECT", "EXCEPT", "RETURNING", "LOOP", "THEN", "INTO", "AND", "OR", "NOT"),
        *("TABLESAMPLE", "WITH", "SELECT", "END", "ELSE", "WHEN", "IS", "IN"),
    )
)


class _Fragments:
    """The SQL of the ``{cond_*}`` variables for one model and condition."""

    def __init__(self, model: type[models.Model], where: str | None, rows: set[str]) -> None:
        self.model = model
        self.where = where
        self.condition_rows = rows

    def expand(self, match: re.Match[str]) -> str:
        name = match.group(1)
        alias, word = match.group("alias"), match.group("name")
        aliased = word is not None and (
            bool(alias and alias.strip()) or word.upper() not in _CLAUSE_WORDS
        )
        rows = {"cond_old_values": {"old"}, "cond_new_values": {"new"}}.get(name, {"old", "new"})
        rows = rows | self.condition_rows
        if aliased:
            return f"{self.subquery(name, rows)}{alias or ''}{word}"
        return f"{self.named(rows)}{alias or ''}{word or ''}"

    def subquery(self, name: str, rows: set[str]) -> str:
        """The rows as a subquery, for the alias the template gives them."""
        where = self.where or "TRUE"
        if name == "cond_joined_values":
            columns = [
                sql.quote_ident(options.column(f))
                for f in options.concrete_options(self.model).local_concrete_fields
            ]
            select = ", ".join(
                f"{row}_values.{c} AS {sql.quote_ident(row + '__' + c.strip(chr(34)))}"
                for row in ("old", "new")
                for c in columns
            )
        else:
            select = "old_values.*" if name == "cond_old_values" else "new_values.*"
        if rows >= {"old", "new"}:
            join = _columns.pk_match(self.model, "old_values", "new_values")
            return _materialized(
                f"SELECT {select} FROM old_values JOIN new_values ON {join} WHERE {where}"
            )
        # One table, no join: a plain subquery the planner can fold into the caller's.
        (row,) = rows
        return f"(SELECT {select} FROM {row}_values WHERE {where})"

    def named(self, rows: set[str]) -> str:
        """The rows under the transition tables' own names, as 4.x renders them."""
        if rows >= {"old", "new"}:
            join = _columns.pk_match(self.model, "old_values", "new_values")
            on = f"{join} AND ({self.where})" if self.where else join
            return f"old_values JOIN new_values ON {on}"
        (row,) = rows
        table = f"{row}_values"
        if self.where is None:
            return table
        return f"(SELECT * FROM {table} WHERE {self.where}) AS {table}"


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
