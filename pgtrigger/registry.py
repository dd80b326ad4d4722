"""Which triggers are declared on which models."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar, Union

from django.apps import apps as global_apps
from django.core import checks

if TYPE_CHECKING:
    from django.db import models

    from pgtrigger.trigger import Trigger

M = TypeVar("M", bound="type[models.Model]")

# What ignore(), is_ignored() and select() take positionally: a URI or URI glob, a trigger
# class or a model class (tags go in their tags= keyword).
Selector = Union[str, "type[Trigger]", "type[models.Model]"]

# uri -> every (model, trigger) registered under it; more than one is a check error.
_registry: dict[str, list[tuple[type[models.Model], Trigger]]] = {}
# Bumped by add() and remove(): callers cache what they derive from the registry by it.
version = 0


class UnknownTriggerError(KeyError, ValueError):
    """A URI that names no registered trigger, or is not ``"app_label.Model:name"``.

    A ``KeyError`` as 4.x raises for an unknown URI, and a ``ValueError`` as 4.x raises for a
    malformed one (and as earlier versions of this package raised for both).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def in_global_apps(model: type[models.Model]) -> bool:
    """Whether ``model`` belongs to the project's app registry (``django.apps.apps``).

    Models of a private ``Apps()`` (historical migration state, models built in tests) have
    no table of their own to install on, so, as in 4.x, their triggers are not registered.
    """
    return model._meta.apps is global_apps


def add(model: type[models.Model], trigger: Trigger) -> None:
    """Register ``trigger`` on ``model``; on an abstract model, on the models that inherit it.

    Concrete models of a private app registry are skipped (see ``in_global_apps``).
    """
    if model._meta.abstract:
        inherited = list(getattr(model._meta, "triggers", None) or [])
        if trigger not in inherited:
            inherited.append(trigger)
        model._meta.triggers = inherited  # type: ignore[attr-defined]
        meta = getattr(model, "Meta", None)
        if meta is not None:
            meta.triggers = inherited
        return
    if not in_global_apps(model):
        return
    global version
    _refuse_taken_name(model, trigger)
    entries = _registry.setdefault(trigger.get_uri(model), [])
    if not any(m is model and t is trigger for m, t in entries):
        entries.append((model, trigger))
        version += 1


def _refuse_taken_name(model: type[models.Model], trigger: Trigger) -> None:
    """Raise ``KeyError``, as 4.x does, when another trigger of the same table (the model's,
    or a proxy's of the same table) is registered under ``trigger.name``.

    A model class redefined under the same label (a reloaded module) replaces the old class,
    so its triggers are no conflict here.
    """
    table = model._meta.db_table
    for entries in _registry.values():
        for other_model, other in entries:
            if (
                other is not trigger
                and other.name == trigger.name
                and other_model._meta.db_table == table
                and (other_model is model or other_model._meta.label != model._meta.label)
            ):
                raise KeyError(
                    f'Trigger name "{trigger.name}" already used for model '
                    f'"{other_model._meta.label}" table "{table}".'
                )


def remove(model: type[models.Model], trigger: Trigger) -> None:
    global version
    version += 1
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

    Raises ``UnknownTriggerError`` (a ``KeyError`` and a ``ValueError``) for a URI that names
    no registered trigger.
    """
    if not uris:
        return [entries[-1] for entries in _registry.values()]
    missing = [uri for uri in uris if uri not in _registry]
    if missing:
        hint = "" if all(":" in uri for uri in missing) else ' (format: "app_label.Model:name")'
        raise UnknownTriggerError(
            f"No registered trigger with URI {', '.join(map(repr, missing))}{hint}"
        )
    return [_registry[uri][-1] for uri in uris]


_GLOB_CHARS = frozenset("*?[")


def _is_trigger_class(selector: object) -> TypeGuard[type[Trigger]]:
    """Whether ``selector`` is ``pgtrigger.Trigger`` or a subclass.

    The registry sits below ``pgtrigger.trigger`` (``Trigger.register()`` calls ``add()``), so
    it knows a trigger class by the method it calls on triggers instead of importing ``Trigger``.
    """
    return isinstance(selector, type) and callable(getattr(selector, "get_uri", None))


def check_selectors(selectors: tuple[Selector, ...]) -> None:
    """Raise ``TypeError`` for a selector that is not a string, trigger class or model class."""
    from django.db import models

    for selector in selectors:
        if isinstance(selector, str) or _is_trigger_class(selector):
            continue
        if isinstance(selector, type) and issubclass(selector, models.Model):
            continue
        raise TypeError(
            f'{selector!r} selects no triggers: pass a URI ("app_label.Model:name"), a URI '
            "glob, a Trigger class (pgtrigger.SoftDelete) or a model class"
        )


def select(
    *selectors: Selector, tags: Iterable[str] = ()
) -> list[tuple[type[models.Model], Trigger]]:
    """The registered ``(model, trigger)`` pairs that any of ``selectors`` or ``tags`` picks;
    all of them when neither is given.

    - a URI, ``"app_label.Model:name"``: that trigger (``UnknownTriggerError`` if none);
    - a URI glob (``*``, ``?``, ``[...]`` as in ``fnmatch``, case-sensitive), e.g.
      ``"shop.*:soft_delete"``: the triggers whose URIs match (``UnknownTriggerError`` if none);
    - a trigger class, e.g. ``pgtrigger.SoftDelete``: its instances, subclasses included;
    - a model class: the triggers registered on it (on an abstract model: on the models that
      inherit it).

    ``tags`` select the triggers that carry any of them (``UnknownTriggerError`` for a tag
    that no registered trigger carries). Classes may select nothing. Pairs come once each, in
    registration order.
    """
    check_selectors(selectors)
    if isinstance(tags, str):
        raise TypeError(f"tags takes a list of strings, not {tags!r}")
    wanted_tags = frozenset(tags)
    if not selectors and not wanted_tags:
        return registered()
    carried = frozenset().union(*(entries[-1][1].tags for entries in _registry.values()))
    if wanted_tags - carried:
        missing = ", ".join(map(repr, sorted(wanted_tags - carried)))
        raise UnknownTriggerError(f"No registered trigger has the tag {missing}")
    uris = [s for s in selectors if isinstance(s, str) and not _GLOB_CHARS & set(s)]
    globs = [s for s in selectors if isinstance(s, str) and _GLOB_CHARS & set(s)]
    if uris:
        registered(*uris)  # raises for an unknown URI
    unmatched = [g for g in globs if not any(fnmatch.fnmatchcase(uri, g) for uri in _registry)]
    if unmatched:
        raise UnknownTriggerError(
            f"No registered trigger URI matches {', '.join(map(repr, unmatched))}"
        )
    from django.db import models

    trigger_classes = tuple(s for s in selectors if _is_trigger_class(s))
    model_classes = [s for s in selectors if isinstance(s, type) and issubclass(s, models.Model)]
    selected = []
    for uri, entries in _registry.items():
        model, trigger = entries[-1]
        if (
            uri in uris
            or any(fnmatch.fnmatchcase(uri, g) for g in globs)
            or isinstance(trigger, trigger_classes)
            or not wanted_tags.isdisjoint(trigger.tags)
            or any(model is m or (m._meta.abstract and issubclass(model, m)) for m in model_classes)
        ):
            selected.append((model, trigger))
    return selected


def function_name_collisions() -> dict[str, list[tuple[type[models.Model], Trigger]]]:
    """Registered triggers (of different URIs) that share a PostgreSQL function name.

    The name carries 5 hex digits of a hash of the URI, so two triggers with the same name on
    different models can get the same one; installed, the second function replaces the first
    and both triggers run it.
    """
    by_pgid: dict[str, list[tuple[type[models.Model], Trigger]]] = {}
    for model, trigger in registered():
        try:
            pgid = trigger.get_pgid(model)
        except Exception:  # an invalid declaration: its own check reports it
            continue
        by_pgid.setdefault(pgid, []).append((model, trigger))
    return {pgid: entries for pgid, entries in by_pgid.items() if len(entries) > 1}


class FunctionNameCollision(ValueError):
    """Installing triggers that share a PostgreSQL function name (check pgtrigger.E011)."""


def collision_message(pgid: str, entries: list[tuple[type[models.Model], Trigger]]) -> str:
    uris = " and ".join(f'"{t.get_uri(m)}"' for m, t in entries)
    return (
        f'Triggers {uris} share the PostgreSQL function name "{pgid}", so each would run '
        "the function of the last one installed. Rename one of them."
    )


def refuse_collisions(selected: list[tuple[type[models.Model], Trigger]]) -> None:
    """Raise ``FunctionNameCollision`` when a trigger of ``selected`` shares its function name
    with another trigger, registered or in ``selected``."""
    claimants: dict[str, dict[str, tuple[type[models.Model], Trigger]]] = {}
    for model, trigger in registered():
        try:
            pgid = trigger.get_pgid(model)
        except Exception:  # an invalid declaration: its own check reports it
            continue
        claimants.setdefault(pgid, {})[trigger.get_uri(model)] = (model, trigger)
    for model, trigger in selected:
        claimants.setdefault(trigger.get_pgid(model), {})[trigger.get_uri(model)] = (model, trigger)
    for model, trigger in selected:
        pgid = trigger.get_pgid(model)
        if len(claimants[pgid]) > 1:
            raise FunctionNameCollision(collision_message(pgid, list(claimants[pgid].values())))


def duplicates() -> dict[str, list[tuple[type[models.Model], Trigger]]]:
    return {uri: entries for uri, entries in _registry.items() if len(entries) > 1}


@checks.register()
def check_app_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E020: triggers are declared, but without the app nothing checks, migrates or installs them.

    Registered when ``pgtrigger`` is imported (by the models that declare triggers), not by the
    app's ``ready()``, which is exactly what does not run when the app is missing.
    """
    if not _registry or global_apps.is_installed("pgtrigger"):
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
