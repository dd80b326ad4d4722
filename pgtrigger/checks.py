"""System checks: an invalid trigger declaration fails ``manage.py check`` with an error id.

| id | problem |
|---|---|
| pgtrigger.E001 | a condition names a field the model does not have |
| pgtrigger.E002 | a condition references OLD in a trigger that fires on INSERT |
| pgtrigger.E003 | a condition references NEW in a trigger that fires on DELETE |
| pgtrigger.E004 | a field condition on a statement-level trigger |
| pgtrigger.E005 | two triggers with the same name on one model |
| pgtrigger.E006 | an invalid trigger name (too long or bad characters) |
| pgtrigger.E007 | ``UpdateOf`` naming no field or an unknown field, or combined with ``Update`` |
| pgtrigger.E008 | deferrable timing on a trigger that is not ``After`` and ``Row`` |
| pgtrigger.E009 | an operation/level/when/referencing combination PostgreSQL refuses |
| pgtrigger.E010 | the trigger cannot be rendered (the message says why) |
| pgtrigger.E011 | two triggers (on different models) share a PostgreSQL function name |
| pgtrigger.E020 | triggers are declared but "pgtrigger" is not in INSTALLED_APPS |

Recipes check their own arguments (``Trigger.check``): E101-E108, see docs/concepts/checks.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError

from pgtrigger import registry
from pgtrigger.primitives import (
    After,
    Delete,
    Insert,
    InsteadOf,
    Row,
    Statement,
    Truncate,
    Update,
    UpdateOf,
)
from pgtrigger.trigger import MAX_NAME_LENGTH, name_problem

if TYPE_CHECKING:
    from django.db import models

    from pgtrigger.trigger import Trigger


def _error(model: type[models.Model], trigger: Trigger, id: int, msg: str, hint: str) -> Any:
    return checks.Error(
        f'Trigger "{trigger.name}" on {model._meta.label}: {msg}',
        hint=hint,
        obj=model,
        id=f"pgtrigger.E{id:03d}",
    )


def check_trigger(model: type[models.Model], trigger: Trigger) -> Iterator[checks.CheckMessage]:
    """Yield the check errors of one trigger on one model.

    A recipe's own check (``trigger.check``) names the argument the user wrote (an FSM
    ``field``, ReadOnly ``fields``); when it reports an error, the generic errors that follow
    from it (the condition the recipe builds names an unknown field, the trigger does not
    render) are not reported a second time.
    """
    own = list(trigger.check(model))
    errors = list(_check_declaration(model, trigger, recipe_failed=bool(own)))
    yield from errors
    yield from own
    if own or any(e.id in ("pgtrigger.E001", "pgtrigger.E007") for e in errors):
        return
    try:
        trigger.compile(model)
    except Exception as exc:  # reported, with its message, as a check error
        yield _error(
            model,
            trigger,
            10,
            f"cannot be compiled: {exc}",
            "Fix the declaration so it renders to SQL.",
        )


def _check_declaration(
    model: type[models.Model], trigger: Trigger, recipe_failed: bool = False
) -> Iterator[checks.CheckMessage]:
    problem = name_problem(trigger.name)
    if problem is not None:
        yield _error(
            model,
            trigger,
            6,
            f"{problem}.",
            f"Use at most {MAX_NAME_LENGTH} letters, digits, '_' or '-'.",
        )
    operations = trigger.operation.operations if trigger.operation else ()
    update_of = [op for op in operations if isinstance(op, UpdateOf)]
    for op in update_of:
        if not op.fields:
            yield _error(
                model,
                trigger,
                7,
                "UpdateOf() names no field.",
                "Name the fields whose update fires the trigger: UpdateOf('field').",
            )
        try:
            op.columns(model)
        except LookupError as exc:
            yield _error(
                model,
                trigger,
                7,
                f'UpdateOf names an unknown field "{exc.args[0]}".',
                f"Use a field or column of {model._meta.label}.",
            )
    if update_of and Update in operations:
        yield _error(
            model,
            trigger,
            7,
            "UpdateOf is combined with Update.",
            "Use either pgtrigger.Update or pgtrigger.UpdateOf(...), not both.",
        )
    if trigger.timing is not None and (trigger.level != Row or trigger.when != After):
        yield _error(
            model,
            trigger,
            8,
            "deferrable timing is set on a trigger that is not an AFTER ROW trigger.",
            "Use when=pgtrigger.After and level=pgtrigger.Row, or drop timing.",
        )
    if Truncate in operations and trigger.level == Row:
        yield _error(
            model,
            trigger,
            9,
            "TRUNCATE triggers cannot be row-level.",
            "Use level=pgtrigger.Statement.",
        )
    if trigger.when == InsteadOf and (trigger.level != Row or trigger.condition is not None):
        yield _error(
            model,
            trigger,
            9,
            "INSTEAD OF triggers must be row-level and have no condition.",
            "Use level=pgtrigger.Row and drop the condition.",
        )
    if trigger.when == InsteadOf and update_of:
        yield _error(
            model,
            trigger,
            9,
            "INSTEAD OF triggers cannot fire on UpdateOf (a column list).",
            "Use pgtrigger.Update.",
        )
    yield from _check_transition_tables(model, trigger, operations)
    yield from _check_condition(model, trigger, operations, recipe_failed)


def _check_transition_tables(
    model: type[models.Model], trigger: Trigger, operations: tuple[Any, ...]
) -> Iterator[checks.CheckMessage]:
    try:
        referencing = trigger.get_referencing(model)
    except Exception:  # a declaration that does not render: E010 reports it
        return
    if referencing is None:
        return
    if trigger.when != After:
        yield _error(
            model,
            trigger,
            9,
            "transition tables (referencing) are declared on a trigger that is not AFTER.",
            "Use when=pgtrigger.After, or drop the transition tables.",
        )
    if len(operations) != 1 or Truncate in operations or isinstance(operations[0], UpdateOf):
        yield _error(
            model,
            trigger,
            9,
            "transition tables (referencing) need a single Insert, Update or Delete event "
            "(no UpdateOf column list, no Truncate).",
            "Declare one trigger per operation, or drop the transition tables.",
        )


def _check_condition(
    model: type[models.Model],
    trigger: Trigger,
    operations: tuple[Any, ...],
    recipe_failed: bool = False,
) -> Iterator[checks.CheckMessage]:
    try:
        condition = trigger.get_condition(model)
    except Exception:
        return
    if condition is None:
        return
    try:
        refs = condition.references(model)
        condition.resolve(model)
    except (FieldDoesNotExist, FieldError) as exc:
        if trigger.condition is not None:
            yield _error(
                model,
                trigger,
                1,
                f"the condition names an unknown field: {exc}",
                f"Use old__<field> or new__<field> with a field of {model._meta.label}.",
            )
        elif not recipe_failed:  # the recipe built the condition from its arguments
            yield _error(
                model,
                trigger,
                1,
                f"the condition {type(trigger).__name__} builds from its arguments names an "
                f"unknown field: {exc}",
                f"Pass {type(trigger).__name__} fields of {model._meta.label}.",
            )
        return
    if trigger.level == Statement and refs and not getattr(trigger, "statement_conditions", False):
        yield _error(
            model,
            trigger,
            4,
            "a statement-level trigger has a row condition.",
            "Use level=pgtrigger.Row, or pgtrigger.Composer for statement-level conditions.",
        )
        return
    if "OLD" in refs and Insert in operations:
        yield _error(
            model,
            trigger,
            2,
            "the condition references OLD but the trigger fires on "
            "INSERT, where there is no old row.",
            "Remove old__ references or the Insert operation.",
        )
    if "NEW" in refs and Delete in operations:
        yield _error(
            model,
            trigger,
            3,
            "the condition references NEW but the trigger fires on "
            "DELETE, where there is no new row.",
            "Remove new__ references or the Delete operation.",
        )


@checks.register("pgtrigger")
def check_triggers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check every registered trigger (limited to ``app_configs`` when given)."""
    labels = {config.label for config in app_configs} if app_configs else None
    errors: list[checks.CheckMessage] = []
    for model, trigger in registry.registered():
        if labels is None or model._meta.app_label in labels:
            errors.extend(check_trigger(model, trigger))
    for uri, entries in registry.duplicates().items():
        model, trigger = entries[-1]
        if labels is None or model._meta.app_label in labels:
            errors.append(
                _error(
                    model,
                    trigger,
                    5,
                    f"{len(entries)} triggers share the name ({uri}).",
                    "Give each trigger on a model its own name.",
                )
            )
    for pgid, entries in registry.function_name_collisions().items():
        for model, trigger in entries:
            if labels is None or model._meta.app_label in labels:
                uri = trigger.get_uri(model)
                others = ", ".join(t.get_uri(m) for m, t in entries if t.get_uri(m) != uri)
                errors.append(
                    _error(
                        model,
                        trigger,
                        11,
                        f'its PostgreSQL function name "{pgid}" is also that of {others}; '
                        "installed, both triggers would run one function.",
                        f'Rename the trigger "{trigger.name}" on one of the models (the function '
                        "name is the trigger name and 5 hex digits of a hash of its URI).",
                    )
                )
    return errors
