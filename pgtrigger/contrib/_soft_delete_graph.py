"""The foreign keys a ``SoftDelete(cascade=True)`` follows, as a graph between models.

An edge goes from a parent model to a child model that points to it with a cascading
``ForeignKey`` and declares a ``SoftDelete`` of its own; the parent's ``cascade=True`` follows
it. The same edges tell the child which parents it must check on insert (a child inserted
under a soft-deleted parent would stay alive under it).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.db.models import deletion
from django.db.models.fields.reverse_related import ForeignObjectRel

from pgtrigger import options, registry

if TYPE_CHECKING:
    from pgtrigger.contrib.soft_delete import SoftDelete


_SOFT_DELETE = "pgtrigger.contrib.soft_delete.SoftDelete"


def declared(model: type[models.Model]) -> list[SoftDelete]:
    """The ``SoftDelete`` triggers of ``model`` (or of its concrete model).

    Those of ``Meta.triggers`` and those registered with ``pgtrigger.register``. The class is
    known by its dotted path: the recipe imports this module, not the other way round.
    """
    candidates = (model, options.concrete_options(model).model)
    found: list[SoftDelete] = []
    triggers = [t for c in candidates for t in getattr(c._meta, "triggers", None) or []]
    triggers += [t for m, t in registry.registered() if m in candidates]
    for trigger in triggers:
        is_soft_delete = any(
            f"{k.__module__}.{k.__qualname__}" == _SOFT_DELETE for k in type(trigger).__mro__
        )
        if is_soft_delete and not any(t is trigger for t in found):
            found.append(trigger)
    return found


@dataclasses.dataclass(frozen=True)
class Edge:
    """``child.field`` points to ``parent``; ``soft`` is the child's ``SoftDelete``."""

    parent: type[models.Model]
    child: type[models.Model]
    field: models.ForeignKey[Any, Any]
    soft: SoftDelete

    def __str__(self) -> str:
        return f"{self.child._meta.label}.{self.field.name}"


def cascading(field: models.Field[Any, Any]) -> bool:
    """Whether deleting the row ``field`` points to deletes the row that holds it."""
    on_delete = getattr(field.remote_field, "on_delete", None)
    return on_delete is models.CASCADE or (
        on_delete is not None and on_delete is getattr(models, "DB_CASCADE", object())
    )


def relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """The reverse relations Django's collector follows, hidden ones (``related_name="+"``)
    included."""
    found = deletion.get_candidate_relations_to_delete(model._meta)
    return [cast(ForeignObjectRel, rel) for rel in found]


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return options.concrete_options(model).model


def children(model: type[models.Model]) -> list[Edge]:
    """The edges from ``model`` (whatever its own declaration), in a stable order.

    Self-referential foreign keys are left out: Django deletes a tree in one statement, whose
    later rows a cascade from an earlier row would have modified (a PostgreSQL error).
    """
    opts = options.concrete_options(model)
    edges = []
    found = relations(opts.model)
    for rel in sorted(found, key=lambda rel: (rel.field.model._meta.db_table, rel.field.column)):
        field = rel.field
        child = _concrete(field.model)
        if not isinstance(field, models.ForeignKey) or child is opts.model:
            continue
        soft = declared(child)
        if cascading(field) and soft:
            edges.append(Edge(opts.model, child, field, soft[0]))
    return edges


def parents(model: type[models.Model]) -> list[Edge]:
    """The edges into ``model`` from parents that declare ``SoftDelete(cascade=True)``."""
    child = _concrete(model)
    soft = declared(child)
    edges = []
    for field in child._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey) or not cascading(field) or not soft:
            continue
        parent = _concrete(field.related_model)
        if parent is not child and any(trigger.cascade for trigger in declared(parent)):
            edges.append(Edge(parent, child, field, soft[0]))
    return edges


def _cascades(model: type[models.Model], start: type[models.Model], start_cascade: bool) -> bool:
    if model is start:
        return start_cascade
    return any(trigger.cascade for trigger in declared(model))


def cycle(model: type[models.Model], cascade: bool = True) -> list[Edge]:
    """The shortest cycle of cascades through ``model`` (``[]`` when there is none).

    ``cascade`` stands for ``model``'s own declaration, which may be the one being checked.
    """
    start = _concrete(model)
    if not cascade:
        return []
    paths: dict[type[models.Model], list[Edge]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in children(node):
            if edge.child is start:
                return [*paths[node], edge]
            if edge.child not in paths and _cascades(edge.child, start, cascade):
                paths[edge.child] = [*paths[node], edge]
                queue.append(edge.child)
    return []


def reaches(source: type[models.Model], target: type[models.Model]) -> bool:
    """Whether the declared cascades lead from ``source`` to ``target`` (an edge from
    ``target`` to ``source`` is then part of a cycle)."""
    source, target = _concrete(source), _concrete(target)
    seen = {source}
    queue = [source]
    while queue:
        node = queue.pop(0)
        if node is target:
            return True
        if not any(trigger.cascade for trigger in declared(node)):
            continue
        for edge in children(node):
            if edge.child not in seen:
                seen.add(edge.child)
                queue.append(edge.child)
    return False
