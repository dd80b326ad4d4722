"""Querysets and managers that read the model's ``SoftDelete`` declaration.

The field and the value a deleted row has come from the ``SoftDelete`` trigger in the model's
``Meta.triggers``, so they are written once, in the declaration.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from django.db import connections, models, transaction

from pgtrigger import sql
from pgtrigger.contrib import _soft_delete_graph as _graph
from pgtrigger.contrib.soft_delete import SoftDelete, declared

M = TypeVar("M", bound=models.Model)
_nothing = contextlib.nullcontext


def soft_delete_of(model: type[models.Model], name: str | None = None) -> SoftDelete:
    """The ``SoftDelete`` declared on ``model`` (the one called ``name`` if it has several)."""
    triggers = declared(model)
    if name is not None:
        triggers = [trigger for trigger in triggers if trigger.name == name]
    if len(triggers) == 1:
        return triggers[0]
    label = model._meta.label
    if not triggers:
        which = f' named "{name}"' if name else ""
        raise LookupError(
            f"{label} declares no SoftDelete trigger{which} (Meta.triggers or pgtrigger.register)"
        )
    names = ", ".join(f'"{trigger.name}"' for trigger in triggers)
    raise LookupError(
        f"{label} declares several SoftDelete triggers ({names}): "
        "pass trigger=<name> to the manager"
    )


class SoftDeleteQuerySet(models.QuerySet[M]):
    """A queryset with ``alive()``, ``deleted()`` and ``undelete()``."""

    _soft_delete_name: str | None = None

    def _clone(self) -> SoftDeleteQuerySet[M]:
        clone: SoftDeleteQuerySet[M] = super()._clone()  # type: ignore[misc]
        clone._soft_delete_name = self._soft_delete_name
        return clone

    @property
    def soft_delete(self) -> SoftDelete:
        """The model's ``SoftDelete`` declaration."""
        return soft_delete_of(self.model, self._soft_delete_name)

    def alive(self) -> SoftDeleteQuerySet[M]:
        """The rows not soft-deleted."""
        return self.exclude(self.soft_delete.deleted_q())

    def deleted(self) -> SoftDeleteQuerySet[M]:
        """The soft-deleted rows."""
        return self.filter(self.soft_delete.deleted_q())

    def undelete(self, *, ignore: Iterable[str] = ()) -> int:
        """Restore the soft-deleted rows of this queryset in one ``UPDATE``; return their count.

        The field gets the declaration's ``restore_value``. ``ignore`` names other triggers of
        the model that would refuse it (``"frozen"`` or a full URI ``"app.Model:frozen"``),
        which are ignored through ``pgtrigger.ignore()`` for this statement only.

        A row whose parent (along a foreign key a parent's ``SoftDelete(cascade=True)``
        follows) is soft-deleted stays deleted: the model's trigger refuses the ``UPDATE``
        (``PGT07``), restore the parent first. The parents are key-share locked first, in key
        order, so a concurrent delete of a parent either waits for this restore (and then
        cascades to the restored rows) or commits first (and the restore is refused), and a
        delete sent as SQL cannot deadlock with it.
        """
        import pgtrigger

        soft_delete = self.soft_delete
        restore = soft_delete.get_restore_value(self.model)
        label = self.model._meta.label
        uris = [uri if ":" in uri else f"{label}:{uri}" for uri in ignore]
        rows = self.deleted()
        edges = _graph.parents(self.model)
        # One statement, no transaction of its own, unless there are parents to lock first.
        atomic = transaction.atomic(using=self.db) if edges else _nothing()
        with atomic, pgtrigger.ignore(*uris) if uris else _nothing():
            _lock_parents(rows, edges)
            return rows.update(**{soft_delete.field: restore})


def _lock_parents(rows: models.QuerySet[Any], edges: list[_graph.Edge]) -> None:
    """Key-share lock, in key order, the parents of ``rows`` along ``edges``."""
    for edge in edges:
        keys, params = rows.values(edge.field.attname).query.get_compiler(rows.db).as_sql()
        table = sql.quote_table(edge.parent._meta.db_table)
        target = f"{table}.{sql.quote_ident(edge.field.target_field.column)}"
        with connections[rows.db].cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE {target} IN ({keys}) ORDER BY {target} "
                f"FOR KEY SHARE OF {table}",
                params,
            )


class SoftDeleteManager(models.Manager[M]):
    """A manager of the rows of a ``SoftDelete`` model, by default only those not deleted.

    ``rows="alive"`` (the default) hides soft-deleted rows, ``rows="deleted"`` shows only them,
    ``rows="all"`` shows every row. Its querysets have ``alive()``, ``deleted()`` and
    ``undelete()``. ``trigger`` names the ``SoftDelete`` when the model declares several.
    """

    def __init__(
        self,
        rows: Literal["alive", "deleted", "all"] = "alive",
        trigger: str | None = None,
    ) -> None:
        if rows not in ("alive", "deleted", "all"):
            raise ValueError(
                f'SoftDeleteManager rows must be "alive", "deleted" or "all": {rows!r}'
            )
        super().__init__()
        self.rows = rows
        self.trigger = trigger

    def get_queryset(self) -> SoftDeleteQuerySet[M]:
        hints = self._hints  # type: ignore[attr-defined]  # set by BaseManager, not in the stubs
        queryset: SoftDeleteQuerySet[M] = SoftDeleteQuerySet(
            model=self.model, using=self._db, hints=hints
        )
        queryset._soft_delete_name = self.trigger
        if self.rows == "alive":
            return queryset.alive()
        if self.rows == "deleted":
            return queryset.deleted()
        return queryset

    def alive(self) -> SoftDeleteQuerySet[M]:
        """The rows not soft-deleted (of this manager's rows)."""
        return self.get_queryset().alive()

    def deleted(self) -> SoftDeleteQuerySet[M]:
        """The soft-deleted rows (of this manager's rows)."""
        return self.get_queryset().deleted()

    def undelete(self, *, ignore: Iterable[str] = ()) -> int:
        """Restore every soft-deleted row this manager shows (see ``SoftDeleteQuerySet``)."""
        return self.get_queryset().undelete(ignore=ignore)
