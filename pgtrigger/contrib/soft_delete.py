"""``SoftDelete``: turn deletes into an update of a flag or timestamp."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import models
from django.db.models.functions import Now

from pgtrigger import context_sql, options
from pgtrigger.contrib import _columns, _schemas
from pgtrigger.primitives import Before, Delete, Row
from pgtrigger.trigger import Trigger


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
        deleted_by: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not field:
            raise ValueError(f'SoftDelete trigger "{name}" needs a field')
        self.field = field
        self.value = value
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

    def get_func(self, model: type[models.Model]) -> str:
        own_table = self.get_table(model)
        column = _columns.column(model, self.field)
        value = self.render_value(model)
        if self.deleted_by:  # one more SET column; none by default, so the SQL stays the same
            actor = context_sql.assign_sql(_columns.concrete_field(model, self.deleted_by))
            value += f", {_columns.column(model, self.deleted_by)} = {actor}"

        def update(refs: _schemas.Refs) -> str:
            table = refs.table(own_table)
            where = " AND ".join(
                f"{table}.{col} = {refs.value(f'OLD.{col}')}" for col in _columns.pk_columns(model)
            )
            return f"UPDATE {table} SET {column} = {value} WHERE {where}"

        return f"{_schemas.statement(own_table, update)}\n    RETURN NULL;"

    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        """E108 when the field is unknown or ``value`` is a boolean for a non-boolean field."""
        label = f'Trigger "{self.name}" on {model._meta.label}'
        try:
            field = _columns.concrete_field(model, self.field)
        except LookupError:
            columns = ", ".join(f.name for f in options.concrete_options(model).concrete_fields)
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
