"""``SoftDeleteAdminMixin``: a deleted/alive filter, undelete and hard-delete actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models, router
from django.http import HttpRequest

from pgtrigger import options
from pgtrigger.contrib.admin._actor import ActorAdminMixin
from pgtrigger.contrib.soft_delete import SoftDelete, _cascading, declared
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
    with them. "Delete selected permanently" is for superusers only: a real ``DELETE``, of
    the rows and of everything Django cascades to. ``soft_delete_trigger`` names the
    ``SoftDelete`` when the model declares several.
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
        count = undelete(queryset)
        self.message_user(request, f"Undeleted {count} row(s).", messages.SUCCESS)

    @admin.action(
        description="Delete selected %(verbose_name_plural)s permanently",
        permissions=["hard_delete"],
    )
    def hard_delete_selected(self, request: HttpRequest, queryset: Any) -> None:
        count, per_model = hard_delete(queryset)
        details = ", ".join(f"{n} {label}" for label, n in per_model.items() if n)
        self.message_user(
            request, f"Deleted {count} row(s) permanently ({details}).", messages.SUCCESS
        )

    def has_hard_delete_permission(self, request: HttpRequest) -> bool:
        """Superusers only: a permanent delete bypasses what soft deletes protect."""
        return bool(request.user.is_active and request.user.is_superuser)


def _soft_children(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """The models a ``SoftDelete(cascade=True)`` of ``model`` soft-deletes: (model, FK name)."""
    if not any(trigger.cascade for trigger in declared(model)):
        return []
    children = []
    for rel in options.concrete_options(model).related_objects:
        field = rel.field
        child = options.concrete_options(field.model).model
        follows = isinstance(field, models.ForeignKey) and _cascading(field)
        if follows and child is not model and declared(child):
            children.append((child, field.name))
    return children


def undelete(queryset: SoftDeleteQuerySet[Any]) -> int:
    """Restore the soft-deleted rows of ``queryset`` and of the children its ``cascade``
    soft-deleted (down the whole cascade, as django-safedelete's cascade does); return the
    number of rows of ``queryset`` restored."""
    pks = list(queryset.values_list("pk", flat=True))
    count = queryset.undelete()
    _undelete_children(queryset.model, pks, queryset.db)
    return count


def _undelete_children(model: type[models.Model], pks: list[Any], using: str) -> None:
    for child, fk in _soft_children(model):
        rows: SoftDeleteQuerySet[Any] = SoftDeleteQuerySet(model=child, using=using)
        rows = rows.filter(**{f"{fk}__in": pks})
        child_pks = list(rows.values_list("pk", flat=True))
        rows.undelete()
        if child_pks:
            _undelete_children(child, child_pks, using)


def hard_delete(queryset: Any) -> tuple[int, dict[str, int]]:
    """Delete ``queryset`` for good, with everything Django cascades to.

    Uses ``pgtrigger.hard_delete`` when the package has it; else ignores, for the statement,
    the ``SoftDelete`` triggers of every model the deletion reaches.
    """
    import pgtrigger

    api = getattr(pgtrigger, "hard_delete", None)
    if api is not None:
        result: tuple[int, dict[str, int]] = api(queryset)
        return result
    return _hard_delete(queryset)


def _hard_delete(queryset: Any) -> tuple[int, dict[str, int]]:
    from django.db.models.deletion import Collector

    import pgtrigger

    using = queryset.db or router.db_for_write(queryset.model)
    collector = Collector(using=using, origin=queryset)
    collector.collect(queryset)
    models_reached = {type(obj) for objs in collector.data.values() for obj in objs}
    models_reached |= {qs.model for qs in collector.fast_deletes}
    models_reached.add(queryset.model)
    uris = [trigger.get_uri(model) for model in models_reached for trigger in declared(model)]
    with pgtrigger.ignore(*uris):
        return queryset.delete()
