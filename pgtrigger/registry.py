"""Which triggers are declared on which models."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.core import checks
from django.db.models.signals import class_prepared

if TYPE_CHECKING:
    from django.db import models

    from pgtrigger.trigger import Trigger

M = TypeVar("M", bound="type[models.Model]")

# uri -> every (model, trigger) registered under it; more than one is a check error.
_registry: dict[str, list[tuple[type[models.Model], Trigger]]] = {}


def add(model: type[models.Model], trigger: Trigger) -> None:
    """Register ``trigger`` on ``model``; on an abstract model, on the models that inherit it."""
    if model._meta.abstract:
        inherited = list(getattr(model._meta, "triggers", None) or [])
        if trigger not in inherited:
            inherited.append(trigger)
        model._meta.triggers = inherited  # type: ignore[attr-defined]
        meta = getattr(model, "Meta", None)
        if meta is not None:
            meta.triggers = inherited
        return
    entries = _registry.setdefault(trigger.get_uri(model), [])
    if not any(m is model and t is trigger for m, t in entries):
        entries.append((model, trigger))


def remove(model: type[models.Model], trigger: Trigger) -> None:
    uri = trigger.get_uri(model)
    entries = [(m, t) for m, t in _registry.get(uri, []) if not (m is model and t is trigger)]
    if entries:
        _registry[uri] = entries
    else:
        _registry.pop(uri, None)


def register(*triggers: Trigger) -> Callable[[M], M]:
    """Register triggers on a model: ``@pgtrigger.register(t1, t2)`` or ``register(t)(Model)``."""

    def decorator(model: M) -> M:
        for trigger in triggers:
            trigger.register(model)
        return model

    return decorator


def registered(*uris: str) -> list[tuple[type[models.Model], Trigger]]:
    """``(model, trigger)`` pairs for ``uris`` (``"app.Model:name"``), or all registered.

    Raises ``ValueError`` for a URI that names no registered trigger.
    """
    if not uris:
        return [entries[-1] for entries in _registry.values()]
    missing = [uri for uri in uris if uri not in _registry]
    if missing:
        raise ValueError(f"No registered trigger with URI {', '.join(map(repr, missing))}")
    return [_registry[uri][-1] for uri in uris]


def duplicates() -> dict[str, list[tuple[type[models.Model], Trigger]]]:
    return {uri: entries for uri, entries in _registry.items() if len(entries) > 1}


def _register_meta_triggers(sender: type[models.Model], **kwargs: object) -> None:
    if sender.__module__ == "__fake__" or sender._meta.abstract:
        return  # historical models carry compiled triggers from migration state
    from pgtrigger.trigger import Trigger

    for trigger in getattr(sender._meta, "triggers", None) or []:
        if isinstance(trigger, Trigger):
            trigger.register(sender)


class_prepared.connect(_register_meta_triggers)


@checks.register()
def check_app_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E020: triggers are declared, but without the app nothing checks, migrates or installs them.

    Registered when ``pgtrigger`` is imported (by the models that declare triggers), not by the
    app's ``ready()``, which is exactly what does not run when the app is missing.
    """
    if not _registry or apps.is_installed("pgtrigger"):
        return []
    uris = sorted(_registry)
    shown = ", ".join(uris[:3]) + (f" and {len(uris) - 3} more" if len(uris) > 3 else "")
    return [
        checks.Error(
            f'Triggers are declared ({shown}) but "pgtrigger" is not in INSTALLED_APPS: they '
            "are not checked, not written to migrations and never installed.",
            hint='Add "pgtrigger" to INSTALLED_APPS.',
            id="pgtrigger.E020",
        )
    ]
