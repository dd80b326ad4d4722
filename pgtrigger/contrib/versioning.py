"""``Versioning``: a version number bumped by every real change and never set by hand."""

from __future__ import annotations

from typing import Any

from django.db import models

from pgtrigger import context_sql, errors, sql
from pgtrigger.contrib import _columns, _raise
from pgtrigger.primitives import Before, Row, Update
from pgtrigger.trigger import Trigger


class Versioning(Trigger):
    """Bump the integer ``field`` on every update that changes the row.

    The trigger fires only for real changes (``OLD.* IS DISTINCT FROM NEW.*`` in its ``WHEN``
    clause): updates that write identical values keep the version. An update must leave the
    version as it read it: writing another value, by hand or from a stale in-memory object,
    fails with ``pgtrigger: Cannot set version field ...`` (SQLSTATE ``PGT06``, see
    ``pgtrigger.errors``). This makes the version an
    optimistic lock: save with ``obj.save(update_fields=[...])`` (which leaves the version
    alone) or refresh the object after saving.

    ``changed_by="changed_by"`` also sets that field (e.g. a ``ForeignKey`` to the user model)
    to the ``actor`` of the current ``pgtrigger.context()`` on every such change, or to
    ``NULL`` when there is none.
    """

    when = Before
    operation = Update
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        field: str = "version",
        changed_by: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.field = field
        self.changed_by = changed_by
        super().__init__(name=name, **kwargs)

    def render_condition(self, model: type[models.Model]) -> str:
        user = super().render_condition(model)
        own = "OLD.* IS DISTINCT FROM NEW.*"
        return f"({own}) AND ({user})" if user else own

    def get_func(self, model: type[models.Model]) -> str:
        column = _columns.column(model, self.field)
        raise_sql = _raise.raise_sql(
            sqlstate=errors.VERSIONING,
            uri=self.get_uri(model),
            format='pgtrigger: Cannot set version field "%" of % table from % to % '
            '(trigger "%"): it is bumped automatically',
            args=[
                sql.quote_literal(self.field),
                "TG_TABLE_NAME",
                f"OLD.{column}",
                f"NEW.{column}",
                sql.quote_literal(str(self.name)),
            ],
        )
        actor = ""
        if self.changed_by:  # only then: the default SQL (and migrations) stay as they were
            target = _columns.concrete_field(model, self.changed_by)
            actor = (
                f"    NEW.{_columns.column(model, self.changed_by)} := "
                f"{context_sql.assign_sql(target)};\n"
            )
        return (
            f"IF NEW.{column} IS DISTINCT FROM OLD.{column} THEN\n"
            f"        {raise_sql}\n"
            "    END IF;\n"
            f"    NEW.{column} := OLD.{column} + 1;\n"
            f"{actor}"
            "    RETURN NEW;"
        )
