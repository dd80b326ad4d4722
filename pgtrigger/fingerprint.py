"""The fingerprint of a declaration: what makes a trigger current, whoever compiled its SQL.

A trigger is current when its declaration is unchanged, whichever compiler (4.x, or an older
SQL generator of this package) wrote its migration. The fingerprint identifies the declaration
on its model, independently of the SQL this package generates for it:

- a declaration 4.x could express has 4.x's ``hash`` as fingerprint (4.x's rendering is frozen,
  and it covers every part of the declaration that changes behaviour): a migration file written
  by 4.x is then the same declaration exactly when its ``hash`` is the fingerprint;
- any other (``fires=``, ``message=``, the recipes 4.x lacks...) has the SHA-1 of its
  parameters, resolved against the model: its class, its name in PostgreSQL, its table, its
  attributes (``tags``, Python-only, left out), the model's fields with their columns and
  types and, for a class defined outside this package, the function text it renders itself.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from typing import TYPE_CHECKING, Any

from django.db import models

from pgtrigger import compat4x

if TYPE_CHECKING:
    from pgtrigger.trigger import Trigger

_PYTHON_ONLY = frozenset({"tags"})
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def declaration(trigger: Trigger, model: type[models.Model]) -> str:
    """The fingerprint of ``trigger`` declared on ``model``."""
    legacy = compat4x.render(trigger, model)
    if legacy is not None:
        return legacy["hash"]
    return hashlib.sha1(repr(parameters(trigger, model)).encode()).hexdigest()


def parameters(trigger: Trigger, model: type[models.Model]) -> dict[str, Any]:
    """The declaration's parameters resolved against ``model`` (see the module doc)."""
    klass = type(trigger)
    found: dict[str, Any] = {
        "class": f"{klass.__module__}.{klass.__qualname__}",
        "pgid": trigger.get_pgid(model),
        "table": trigger.get_table(model),
        "fields": _fields(model),
        # Recipes reach the models a foreign key points to (SyncAggregate's parent).
        "related": [
            (f.name, f.related_model._meta.db_table, _fields(f.related_model))
            for f in model._meta.concrete_fields
            if isinstance(f.related_model, type)
        ],
        "attributes": {
            name: stable(value)
            for name, value in sorted(vars(trigger).items())
            # Private attributes are caches a recipe may fill while rendering.
            if name not in _PYTHON_ONLY and not name.startswith("_")
        },
    }
    for name in ("level", "when", "operation", "condition", "func", "declare", "timing"):
        found["attributes"].setdefault(name, stable(getattr(trigger, name, None)))
    if not klass.__module__.startswith("pgtrigger."):
        # A third party's subclass renders its function itself: that text is its declaration.
        try:
            found["func_text"] = compat4x.render_func_template(
                trigger.get_func(model), compat4x.func_template_kwargs(trigger, model)
            )
        except Exception:  # a template that needs this package's variables ({cond_*}...)
            found["func_text"] = trigger.render_func(model)
    return found


def _fields(model: type[models.Model]) -> list[tuple[Any, ...]]:
    return [(f.name, f.column, f.get_internal_type()) for f in model._meta.concrete_fields]


def stable(value: Any) -> Any:
    """``value`` as plain data whose ``repr`` is the same in every process."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [stable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return sorted((repr(stable(k)), stable(v)) for k, v in value.items())
    if isinstance(value, type) and issubclass(value, models.Model):
        return f"model:{value._meta.label}"
    if inspect.isroutine(value) or isinstance(value, type):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
    if callable(getattr(value, "deconstruct", None)):
        # Q, F and Django's expressions: what they were built from, not their caches.
        try:
            return ["deconstructed", stable(value.deconstruct())]
        except Exception:  # a deconstruct that needs more than the object
            pass
    if hasattr(value, "__dict__"):
        kind = type(value)
        return [f"{kind.__module__}.{kind.__qualname__}", stable(dict(vars(value)))]
    # A default repr names the object's address, different in every process (``object()``
    # sentinels): the object's type is what stays.
    return _ADDRESS.sub("", repr(value))
