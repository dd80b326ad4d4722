"""``pgtrigger.hard_delete()``: really delete rows that ``SoftDelete`` triggers protect.

``pgtrigger.ignore("app.Project:soft_delete")`` around ``project.delete()`` is not enough once
the children soft-delete too: Django's collector deletes the tasks first, their own
``SoftDelete`` keeps them, and the project's real delete then fails on their foreign key at
commit. ``hard_delete`` ignores the ``SoftDelete`` of every model the delete reaches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, router, transaction
from django.db.models.deletion import Collector

from pgtrigger import options, registry, runtime
from pgtrigger.contrib._soft_delete_graph import cascading, relations
from pgtrigger.contrib.soft_delete import SoftDelete


def _reached(collector: Collector) -> set[type[models.Model]]:
    """The concrete models whose rows ``collector.delete()`` deletes, directly or through a
    database-level cascade (``DB_CASCADE``, which the collector leaves to PostgreSQL)."""
    found = {options.concrete_options(model).model for model in collector.data}
    found |= {options.concrete_options(qs.model).model for qs in collector.fast_deletes}
    pending = list(found)
    while pending:
        model = pending.pop()
        for rel in relations(model):
            on_delete = getattr(rel.field.remote_field, "on_delete", None)
            if on_delete is models.CASCADE or not cascading(rel.field):
                continue  # CASCADE is the collector's, already in ``found``
            child = options.concrete_options(rel.field.model).model
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _groups(objs: Any) -> list[tuple[type[models.Model], Any]]:
    if isinstance(objs, models.QuerySet):
        return [(objs.model, objs)]
    if isinstance(objs, models.Model):
        return [(type(objs), [objs])]
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objs:
        by_model.setdefault(type(obj), []).append(obj)
    return list(by_model.items())


def hard_delete(
    objs: models.Model | models.QuerySet[Any] | Iterable[models.Model],
    *,
    using: str | None = None,
) -> tuple[int, dict[str, int]]:
    """Really delete ``objs`` and every row Django's ``CASCADE`` reaches from them.

    ``objs`` is a model instance, a queryset or an iterable of instances. Django's collector
    runs as for ``delete()`` (signals, ``SET_NULL``, ``PROTECT``), in one transaction, with the
    ``SoftDelete`` triggers of every model it deletes from ignored, so soft-deleting children
    are deleted with their parent instead of being kept with a dangling foreign key. Other
    triggers still fire. Returns ``delete()``'s ``(count, {model label: count})``.
    """
    groups = _groups(objs)
    if not groups:
        return 0, {}
    if using is None:
        model, first = groups[0]
        if isinstance(first, models.QuerySet):
            using = first.db
        else:
            using = router.db_for_write(model, instance=first[0])
    with transaction.atomic(using=using):  # the rows collected are the rows deleted
        return _delete(Collector(using=using), groups, using)


def _delete(collector: Collector, groups: list[tuple[type[models.Model], Any]], using: str) -> Any:
    for _model, group in groups:
        if isinstance(group, models.QuerySet):
            group = group.using(using)
            group.query.select_for_update = False
            group.query.select_related = False
            group.query.clear_ordering(force=True)
        collector.collect(group)
    reached = _reached(collector)
    uris = [
        trigger.get_uri(model)
        for model, trigger in registry.registered()
        if isinstance(trigger, SoftDelete) and options.concrete_options(model).model in reached
    ]
    if not uris:  # ignore() without a selector would ignore every trigger
        return collector.delete()
    with runtime.ignore(*uris, databases=[using]):
        return collector.delete()
