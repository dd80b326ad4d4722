"""``SoftDelete``: turn deletes into an update of a flag or timestamp."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import checks
from django.db import models
from django.db.models.functions import Now

from pgtrigger import context_sql, options, sql
from pgtrigger.contrib import _columns, _schemas
from pgtrigger.primitives import Before, Delete, Row
from pgtrigger.trigger import Trigger

_UNSET: Any = object()


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
    ``cascade=True``). Only their rows not soft-deleted yet are touched, so a row keeps the stamp
    of its first delete. Self-referential foreign keys are not followed (see the cookbook page).

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

        statements = [_schemas.statement(own_table, update)]
        if self.cascade:
            statements += [_schemas.statement(own_table, delete) for delete in _cascades(model)]
        return "\n    ".join(statements) + "\n    RETURN NULL;"

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
        """E108 when the field is unknown or ``value`` is a boolean for a non-boolean field."""
        return self._check_field(model) or self._check_restore_value(model)

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


def declared(model: type[models.Model]) -> list[SoftDelete]:
    """The ``SoftDelete`` triggers of ``model`` (or of its concrete model).

    Those of ``Meta.triggers`` and those registered with ``pgtrigger.register``.
    """
    from pgtrigger import registry

    candidates = (model, options.concrete_options(model).model)
    found: list[SoftDelete] = []
    triggers = [t for c in candidates for t in getattr(c._meta, "triggers", None) or []]
    triggers += [t for m, t in registry.registered() if m in candidates]
    for trigger in triggers:
        if isinstance(trigger, SoftDelete) and not any(t is trigger for t in found):
            found.append(trigger)
    return found


def _cascading(field: models.Field[Any, Any]) -> bool:
    on_delete = getattr(field.remote_field, "on_delete", None)
    return on_delete is models.CASCADE or (
        on_delete is not None and on_delete is getattr(models, "DB_CASCADE", object())
    )


def _cascades(model: type[models.Model]) -> list[Callable[[_schemas.Refs], str]]:
    """One ``DELETE`` per model that points to ``model`` with a cascading FK and soft-deletes.

    The ``DELETE`` fires that model's own ``SoftDelete``, which flags the rows. Only rows not
    yet soft-deleted are deleted: the rows Django's collector already deleted are skipped, and
    a cycle of cascades stops.
    """
    opts = options.concrete_options(model)
    renders: list[Callable[[_schemas.Refs], str]] = []
    for rel in sorted(
        opts.related_objects, key=lambda rel: (rel.field.model._meta.db_table, rel.field.column)
    ):
        field = rel.field
        child = options.concrete_options(field.model).model
        # A self-referential FK is not followed: Django deletes a tree in one statement, whose
        # later rows a cascade from an earlier row would have modified (a PostgreSQL error).
        if not isinstance(field, models.ForeignKey) or child is opts.model:
            continue
        soft = declared(child)
        if not _cascading(field) or not soft:
            continue
        child_table = child._meta.db_table
        fk = sql.quote_ident(field.column)
        target = sql.quote_ident(field.target_field.column)

        def delete(
            refs: _schemas.Refs,
            child: type[models.Model] = child,
            child_table: str = child_table,
            fk: str = fk,
            target: str = target,
            soft: SoftDelete = soft[0],
        ) -> str:
            table = refs.table(child_table)
            alive = soft.alive_sql(child, table)
            parent_key = refs.value(f"OLD.{target}")
            return f"DELETE FROM {table} WHERE {table}.{fk} = {parent_key} AND {alive}"

        renders.append(delete)
    return renders
