"""``TrackChanges``: record old and new values of fields in an event table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.core import checks
from django.db import models

from pgtrigger import context_sql, sql
from pgtrigger.contrib import _columns, _schemas
from pgtrigger.primitives import After, Referencing, Statement, Update
from pgtrigger.trigger import Trigger

EVENT_FIELDS = ("object_pk", "field", "old_value", "new_value")
"""Fields the event model must have."""

TIMESTAMP_FIELD = "changed_at"
"""Set to ``now()`` when the event model has it; other columns need database defaults."""


class TrackChanges(Trigger):
    """Write one event row per changed field into ``to`` (an event model).

    ``TrackChanges(name="track", fields=["status", "price"], to="shop.Change")`` records, for
    every updated row whose ``status`` or ``price`` changed, ``object_pk`` (the row's primary
    key as text; a JSON array for composite keys), ``field`` (the field name), ``old_value``
    and ``new_value`` (JSON), and ``changed_at`` (the transaction's time) if the model has
    it. The event model declares those fields, e.g.::

        class Change(models.Model):
            object_pk = models.TextField()
            field = models.TextField()
            old_value = models.JSONField(null=True)
            new_value = models.JSONField(null=True)
            changed_at = models.DateTimeField(null=True)

    ``changed_by="changed_by"`` names a field of the event model (e.g. a ``ForeignKey`` to
    the user model) that gets the ``actor`` of the current ``pgtrigger.context()`` (``NULL``
    when there is none).

    It is a statement-level trigger over the statement's transition tables: a bulk update of
    any number of rows runs one ``INSERT ... SELECT``.
    """

    when = After
    operation = Update
    level = Statement

    def __init__(
        self,
        *,
        name: str | None = None,
        fields: Sequence[str] | None = None,
        to: str | type[models.Model] | None = None,
        changed_by: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not fields:
            raise ValueError(f'TrackChanges trigger "{name}" needs fields to track')
        if to is None:
            raise ValueError(f'TrackChanges trigger "{name}" needs an event model ("to")')
        self.fields = list(fields)
        self.to = to
        self.changed_by = changed_by
        kwargs.setdefault("referencing", Referencing(old="old_values", new="new_values"))
        super().__init__(name=name, **kwargs)

    def event_model(self) -> type[models.Model]:
        if isinstance(self.to, str):
            return apps.get_model(self.to)
        return self.to

    def _object_pk(self, model: type[models.Model]) -> str:
        columns = _columns.pk_columns(model)
        if len(columns) == 1:
            return f"o.{columns[0]}::text"
        return "jsonb_build_array(" + ", ".join(f"o.{c}" for c in columns) + ")::text"

    def get_func(self, model: type[models.Model]) -> str:
        events = self.event_model()
        values = ",\n        ".join(
            f"({sql.quote_literal(name)}, to_jsonb(o.{_columns.column(model, name)}), "
            f"to_jsonb(n.{_columns.column(model, name)}))"
            for name in self.fields
        )
        names = list(EVENT_FIELDS)
        selected = [self._object_pk(model), "c.field", "c.old_value", "c.new_value"]
        if any(f.name == TIMESTAMP_FIELD for f in events._meta.concrete_fields):
            names.append(TIMESTAMP_FIELD)
            selected.append("now()")
        if self.changed_by:
            names.append(self.changed_by)
            actor = _columns.concrete_field(events, self.changed_by)
            selected.append(context_sql.assign_sql(actor))
        targets = ", ".join(_columns.column(events, name) for name in names)
        referencing = self.get_referencing(model)
        assert referencing is not None and referencing.old_table and referencing.new_table
        old, new = sql.quote_ident(referencing.old_table), sql.quote_ident(referencing.new_table)

        def insert(refs: _schemas.Refs) -> str:
            # The transition tables are visible to EXECUTE as well as to static SQL.
            return (
                f"INSERT INTO {refs.table(events._meta.db_table)} ({targets})\n"
                f"    SELECT {', '.join(selected)}\n"
                f"    FROM {old} o JOIN {new} n ON {_columns.pk_match(model, 'o', 'n')}\n"
                f"    CROSS JOIN LATERAL (VALUES\n        {values}\n"
                "    ) AS c(field, old_value, new_value)\n"
                "    WHERE c.old_value IS DISTINCT FROM c.new_value"
            )

        return f"{_schemas.statement(self.get_table(model), insert)}\n    RETURN NULL;"

    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        try:
            events = self.event_model()
        except (LookupError, ValueError) as exc:
            return [
                checks.Error(
                    f'Trigger "{self.name}" on {model._meta.label}: event model {self.to!r} not '
                    f"found ({exc}).",
                    hint='Pass to="app_label.Model" or the model class.',
                    obj=model,
                    id="pgtrigger.E103",
                )
            ]
        required = [*EVENT_FIELDS, *([self.changed_by] if self.changed_by else [])]
        missing = [
            name
            for name in required
            if not any(f.name == name for f in events._meta.concrete_fields)
        ]
        unknown = [
            name
            for name in self.fields
            if not any(name in (f.name, f.attname) for f in model._meta.concrete_fields)
        ]
        errors: list[checks.CheckMessage] = []
        if missing:
            errors.append(
                checks.Error(
                    f'Trigger "{self.name}" on {model._meta.label}: event model '
                    f"{events._meta.label} lacks fields {', '.join(missing)}.",
                    hint=f"Give it the fields {', '.join(required)}.",
                    obj=model,
                    id="pgtrigger.E103",
                )
            )
        if unknown:
            errors.append(
                checks.Error(
                    f'Trigger "{self.name}" on {model._meta.label}: tracked fields '
                    f"{', '.join(unknown)} are not columns of the model.",
                    hint="Track concrete fields of the model.",
                    obj=model,
                    id="pgtrigger.E104",
                )
            )
        return errors
