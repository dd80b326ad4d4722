"""``SoftDeleteAdminMixin``: a deleted/alive filter, undelete and hard-delete actions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.db import DatabaseError, models, transaction
from django.http import HttpRequest

from pgtrigger import errors
from pgtrigger.contrib import _soft_delete_graph
from pgtrigger.contrib.admin._actor import ActorAdminMixin
from pgtrigger.contrib.hard_delete import hard_delete
from pgtrigger.contrib.soft_delete import SoftDelete, declared
from pgtrigger.contrib.soft_delete_manager import SoftDeleteQuerySet, soft_delete_of


class SoftDeletedFilter(admin.SimpleListFilter):
    """Alive rows by default; "Deleted" and "All" on demand."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("deleted", "Deleted"), ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        choices = iter(super().choices(changelist))
        first = next(choices)  # Django's "All", selected without a value: the alive rows here
        yield {**first, "display": "Alive"}
        yield from choices

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "all":
            return queryset
        if self.value() == "deleted":
            return queryset.deleted()
        return queryset.alive()


class SoftDeleteAdminMixin(ActorAdminMixin):
    """The admin of a ``SoftDelete`` model: every row, filtered to the alive ones by default.

    Django's "Delete selected" action and the change form's "Delete" soft-delete (the
    trigger turns the ``DELETE`` into an update, cascades included). "Undelete selected"
    restores the rows with ``undelete()``, and the rows that the ``cascade`` soft-deleted
    with them. "Delete selected permanently" is for superusers only: ``pgtrigger.hard_delete``,
    a real ``DELETE`` of the rows and of everything Django cascades to.
    ``soft_delete_trigger`` names the ``SoftDelete`` when the model declares several.
    """

    soft_delete_trigger: str | None = None
    actions = ["undelete_selected", "hard_delete_selected"]

    def get_soft_delete(self) -> SoftDelete:
        return soft_delete_of(self.model, self.soft_delete_trigger)

    def get_queryset(self, request: HttpRequest) -> Any:
        """Every row, soft-deleted or not (the model's default manager may hide some)."""
        queryset: SoftDeleteQuerySet[Any] = SoftDeleteQuerySet(model=self.model)
        queryset._soft_delete_name = self.soft_delete_trigger
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [SoftDeletedFilter, *super().get_list_filter(request)]

    @admin.action(description="Undelete selected %(verbose_name_plural)s", permissions=["change"])
    def undelete_selected(self, request: HttpRequest, queryset: Any) -> None:
        with self._refusals_as_messages(request, queryset.db):
            count = undelete(queryset)
            self.message_user(request, f"Undeleted {count} row(s).", messages.SUCCESS)

    @admin.action(
        description="Delete selected %(verbose_name_plural)s permanently",
        permissions=["hard_delete"],
    )
    def hard_delete_selected(self, request: HttpRequest, queryset: Any) -> None:
        with self._refusals_as_messages(request, queryset.db):
            count, per_model = hard_delete(queryset)
            details = ", ".join(f"{n} {label}" for label, n in per_model.items() if n)
            self.message_user(
                request, f"Deleted {count} row(s) permanently ({details}).", messages.SUCCESS
            )

    @contextlib.contextmanager
    def _refusals_as_messages(self, request: HttpRequest, using: str) -> Iterator[None]:
        """A trigger's refusal (e.g. ``PGT07``: undeleting a row under a soft-deleted parent)
        as an error message; the savepoint undoes the action and keeps the request usable."""
        try:
            with transaction.atomic(using=using):
                yield
        except DatabaseError as exc:
            refusal = errors.refusal(exc)
            if refusal is None:
                raise
            self.message_user(request, f"Refused: {refusal.message}", messages.ERROR)

    def has_hard_delete_permission(self, request: HttpRequest) -> bool:
        """Superusers only: a permanent delete bypasses what soft deletes protect."""
        return bool(request.user.is_active and request.user.is_superuser)


def undelete(queryset: SoftDeleteQuerySet[Any]) -> int:
    """Restore the soft-deleted rows of ``queryset`` and of the children its ``cascade``
    soft-deleted (down the whole cascade, as django-safedelete's cascade does); return the
    number of rows of ``queryset`` restored."""
    pks = list(queryset.values_list("pk", flat=True))
    count = queryset.undelete()
    _undelete_children(queryset.model, pks, queryset.db)
    return count


def _undelete_children(model: type[models.Model], pks: list[Any], using: str) -> None:
    """Down the edges that the ``SoftDelete(cascade=True)`` of ``model`` follows."""
    if not any(trigger.cascade for trigger in declared(model)):
        return
    for edge in _soft_delete_graph.children(model):
        rows: SoftDeleteQuerySet[Any] = SoftDeleteQuerySet(model=edge.child, using=using)
        rows._soft_delete_name = edge.soft.name
        rows = rows.filter(**{f"{edge.field.name}__in": pks}).deleted()
        child_pks = list(rows.values_list("pk", flat=True))
        if child_pks:
            rows.undelete()
            _undelete_children(edge.child, child_pks, using)
