"""``FSM``: allow only declared transitions of a field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core import checks
from django.db import models

from pgtrigger import options, sql
from pgtrigger.conditions import Condition
from pgtrigger.contrib import _columns
from pgtrigger.primitives import Before, Insert, Row, Update
from pgtrigger.trigger import Trigger

ANY = "*"
"""Wildcard source or target state in a transition."""


class FSM(Trigger):
    """Enforce a finite state machine on ``field``: updates may only make listed transitions.

    ``transitions`` are ``(source, target)`` pairs of field values (any type with equality,
    ``None`` included); ``"*"`` as source or target matches any state. Updates that keep the
    value pass. ``initial`` lists the states a row may be inserted with (default: any).

    The check sits in the trigger's ``WHEN`` clause, so valid updates never call the trigger
    function: a bulk update of valid transitions costs almost nothing. An invalid transition
    raises ``pgtrigger: Invalid transition of field "status" from 'a' to 'c' on table ...``
    listing the allowed transitions.

    ``separator`` is accepted for django-pgtrigger 4.x compatibility; states are compared as
    typed values, so any state value is allowed.
    """

    when = Before
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        field: str | None = None,
        transitions: Iterable[Sequence[Any]] | None = None,
        separator: str = ":",
        condition: Condition | None = None,
        initial: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not field:
            raise ValueError(f'FSM trigger "{name}" needs a field')
        pairs = [tuple(t) for t in transitions or ()]
        if not pairs or any(len(t) != 2 for t in pairs):
            raise ValueError(f'FSM trigger "{name}" needs transitions as (source, target) pairs')
        self.field = field
        self.transitions: list[tuple[Any, Any]] = pairs
        self.separator = separator
        self.initial = None if initial is None else list(initial)
        kwargs.setdefault("operation", Update if self.initial is None else Insert | Update)
        super().__init__(name=name, condition=condition, **kwargs)

    # --- SQL --------------------------------------------------------------------------------
    def _state(self, model: type[models.Model], value: Any) -> str:
        return _columns.db_literal(_columns.concrete_field(model, self.field), value)

    def _matches(self, model: type[models.Model], row: str, value: Any) -> str | None:
        if value == ANY:
            return None
        # Null-safe: with "=", a NULL state would make the whole check NULL, i.e. pass.
        column = _columns.column(model, self.field)
        return f"{row}.{column} IS NOT DISTINCT FROM {self._state(model, value)}"

    def allowed_sql(self, model: type[models.Model]) -> str:
        """SQL true when ``OLD`` to ``NEW`` is a declared transition."""
        options = []
        for source, target in self.transitions:
            parts = [
                p
                for p in (self._matches(model, "OLD", source), self._matches(model, "NEW", target))
                if p
            ]
            options.append(" AND ".join(parts) if parts else "TRUE")
        return " OR ".join(f"({option})" for option in options)

    def invalid_update_sql(self, model: type[models.Model]) -> str:
        column = _columns.column(model, self.field)
        return f"OLD.{column} IS DISTINCT FROM NEW.{column} AND NOT ({self.allowed_sql(model)})"

    def render_condition(self, model: type[models.Model]) -> str:
        user = super().render_condition(model)
        if self.initial is not None:
            return user  # INSERT OR UPDATE: OLD is checked in the function body
        own = self.invalid_update_sql(model)
        return f"({own}) AND ({user})" if user else own

    def _describe(self, value: Any) -> str:
        if value is None:
            return "NULL"
        return "*" if value == ANY else repr(getattr(value, "value", value))

    def get_func(self, model: type[models.Model]) -> str:
        column = _columns.column(model, self.field)
        allowed = ", ".join(
            f"{self._describe(s)} -> {self._describe(t)}" for s, t in self.transitions
        )
        raise_invalid = (
            'RAISE EXCEPTION \'pgtrigger: Invalid transition of field "%" from % to % on '
            'table % (trigger "%"); allowed transitions: %\', '
            f"{sql.quote_literal(self.field)}, quote_nullable(OLD.{column}::text), "
            f"quote_nullable(NEW.{column}::text), TG_TABLE_NAME, "
            f"{sql.quote_literal(str(self.name))}, {sql.quote_literal(allowed)};"
        )
        if self.initial is None:
            return raise_invalid
        states = (
            " OR ".join(f"({self._matches(model, 'NEW', s) or 'TRUE'})" for s in self.initial)
            or "FALSE"
        )
        initial = ", ".join(self._describe(s) for s in self.initial)
        return (
            f"IF TG_OP = 'INSERT' THEN\n"
            f"        IF NOT ({states}) THEN\n"
            '            RAISE EXCEPTION \'pgtrigger: Invalid initial state % of field "%" on '
            'table % (trigger "%"); allowed initial states: %\', '
            f"quote_nullable(NEW.{column}::text), {sql.quote_literal(self.field)}, "
            f"TG_TABLE_NAME, {sql.quote_literal(str(self.name))}, "
            f"{sql.quote_literal(initial)};\n"
            "        END IF;\n"
            f"    ELSIF {self.invalid_update_sql(model)} THEN\n"
            f"        {raise_invalid}\n"
            "    END IF;\n"
            "    RETURN NEW;"
        )

    # --- checks ---------------------------------------------------------------------------------
    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        try:
            field = _columns.concrete_field(model, self.field)
        except LookupError:
            columns = ", ".join(f.name for f in options.concrete_options(model).concrete_fields)
            return [
                checks.Error(
                    f'Trigger "{self.name}" on {model._meta.label}: FSM field "{self.field}" is '
                    "not a column of the model.",
                    hint=f"Name a concrete field of {model._meta.label}: {columns}.",
                    obj=model,
                    id="pgtrigger.E101",
                )
            ]
        if not field.choices:
            return []
        valid = {key for key, _ in field.flatchoices}
        states = {v for pair in self.transitions for v in pair} | set(self.initial or ())
        unknown = sorted(
            repr(v)
            for v in states
            if v != ANY and v not in valid and not (v is None and field.null)
        )
        if not unknown:
            return []
        if len(unknown) == 1:
            problem = f"FSM state {unknown[0]} is not a choice"
        else:
            problem = f"FSM states {', '.join(unknown)} are not choices"
        choices = ", ".join(repr(getattr(key, "value", key)) for key, _ in field.flatchoices)
        return [
            checks.Error(
                f'Trigger "{self.name}" on {model._meta.label}: {problem} of field "{self.field}".',
                hint=f'Use choices of field "{self.field}": {choices}.',
                obj=model,
                id="pgtrigger.E102",
            )
        ]
