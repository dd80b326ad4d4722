"""``FSM``: allow only declared transitions of a field."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, router, transaction

from pgtrigger import errors, registry, sql
from pgtrigger.conditions import Condition
from pgtrigger.contrib import _columns, _raise, fsm_graph
from pgtrigger.primitives import Before, Insert, Row, Update
from pgtrigger.trigger import Trigger

ANY = "*"
"""Wildcard source or target state in a transition."""


class TransitionNotAllowed(ValueError):
    """A transition the ``FSM`` trigger refuses, raised by ``FSM.transition()``.

    Raised before the ``UPDATE`` is sent when the Python check refuses it, and also when the
    database refuses it (the trigger has the final word, e.g. under a ``condition``); the
    database's error is then the ``__cause__``. ``instance``, ``field``, ``source`` (the
    state the check started from) and ``target`` describe the attempt.
    """

    def __init__(
        self, message: str, *, instance: models.Model, field: str, source: Any, target: Any
    ) -> None:
        super().__init__(message)
        self.instance = instance
        self.field = field
        self.source = source
        self.target = target


def _plain(value: Any) -> Any:
    """A state as the column stores it: enum members (``Choices`` included) by their value."""
    return value.value if isinstance(value, enum.Enum) else value


class FSM(Trigger):
    """Enforce a finite state machine on ``field``: updates may only make listed transitions.

    ``transitions`` are ``(source, target)`` pairs of field values (any type with equality,
    ``None`` included); ``"*"`` as source or target matches any state. Updates that keep the
    value pass. ``initial`` lists the states a row may be inserted with (default: any).

    The check sits in the trigger's ``WHEN`` clause, so valid updates never call the trigger
    function: a bulk update of valid transitions costs almost nothing. An invalid transition
    raises ``pgtrigger: Invalid transition of field "status" from 'a' to 'c' on table ...``
    listing the allowed transitions, with SQLSTATE ``PGT03`` (``PGT04`` for an insert in a
    state not in ``initial``) and the trigger's URI in its ``DETAIL`` (see
    ``pgtrigger.errors``). ``message=`` replaces the text of both errors (taken literally).

    ``separator`` is accepted for django-pgtrigger 4.x compatibility; states are compared as
    typed values, so any state value is allowed. ``enum.Enum`` members (Django ``Choices``
    included) stand for their ``.value``; a ``ForeignKey`` field's states are primary keys.

    The same declaration gives a Python API: ``FSM.get(Model, field=...)`` finds it, then
    ``available_transitions(instance)``, ``can_transition(instance, target)`` and
    ``transition(instance, target)``; ``graph(model)`` draws it.
    """

    when = Before
    level = Row

    def __init__(
        self,
        *,
        name: str | None = None,
        field: str | None = None,
        transitions: Iterable[Sequence[Any]] | None = None,
        separator: str = ":",
        condition: Condition | None = None,
        initial: Iterable[Any] | None = None,
        message: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.message = _raise.check_message(name, message)
        if not field:
            raise ValueError(f'FSM trigger "{name}" needs a field')
        pairs = [tuple(t) for t in transitions or ()]
        if not pairs or any(len(t) != 2 for t in pairs):
            raise ValueError(f'FSM trigger "{name}" needs transitions as (source, target) pairs')
        self.field = field
        self.transitions: list[tuple[Any, Any]] = pairs
        self.separator = separator
        self.initial = None if initial is None else list(initial)
        kwargs.setdefault("operation", Update if self.initial is None else Insert | Update)
        super().__init__(name=name, condition=condition, **kwargs)

    # --- SQL --------------------------------------------------------------------------------
    def _state(self, model: type[models.Model], value: Any) -> str:
        return _columns.db_literal(_columns.concrete_field(model, self.field), _plain(value))

    def _matches(self, model: type[models.Model], row: str, value: Any) -> str | None:
        if value == ANY:
            return None
        # Null-safe: with "=", a NULL state would make the whole check NULL, i.e. pass.
        column = _columns.column(model, self.field)
        return f"{row}.{column} IS NOT DISTINCT FROM {self._state(model, value)}"

    def allowed_sql(self, model: type[models.Model]) -> str:
        """SQL true when ``OLD`` to ``NEW`` is a declared transition."""
        options = []
        for source, target in self.transitions:
            parts = [
                p
                for p in (self._matches(model, "OLD", source), self._matches(model, "NEW", target))
                if p
            ]
            options.append(" AND ".join(parts) if parts else "TRUE")
        return " OR ".join(f"({option})" for option in options)

    def invalid_update_sql(self, model: type[models.Model]) -> str:
        column = _columns.column(model, self.field)
        return f"OLD.{column} IS DISTINCT FROM NEW.{column} AND NOT ({self.allowed_sql(model)})"

    def render_condition(self, model: type[models.Model]) -> str:
        user = super().render_condition(model)
        if self.initial is not None:
            return user  # INSERT OR UPDATE: OLD is checked in the function body
        own = self.invalid_update_sql(model)
        return f"({own}) AND ({user})" if user else own

    def _describe(self, value: Any) -> str:
        if value is None:
            return "NULL"
        return "*" if value == ANY else repr(getattr(value, "value", value))

    def get_func(self, model: type[models.Model]) -> str:
        column = _columns.column(model, self.field)
        allowed = ", ".join(
            f"{self._describe(s)} -> {self._describe(t)}" for s, t in self.transitions
        )
        raise_invalid = _raise.raise_sql(
            sqlstate=errors.FSM_TRANSITION,
            uri=self.get_uri(model),
            format='pgtrigger: Invalid transition of field "%" from % to % on table % '
            '(trigger "%"); allowed transitions: %',
            args=[
                sql.quote_literal(self.field),
                f"quote_nullable(OLD.{column}::text)",
                f"quote_nullable(NEW.{column}::text)",
                "TG_TABLE_NAME",
                sql.quote_literal(str(self.name)),
                sql.quote_literal(allowed),
            ],
            message=self.message,
        )
        if self.initial is None:
            return raise_invalid
        states = (
            " OR ".join(f"({self._matches(model, 'NEW', s) or 'TRUE'})" for s in self.initial)
            or "FALSE"
        )
        initial = ", ".join(self._describe(s) for s in self.initial)
        raise_initial = _raise.raise_sql(
            sqlstate=errors.FSM_INITIAL,
            uri=self.get_uri(model),
            format='pgtrigger: Invalid initial state % of field "%" on table % (trigger "%"); '
            "allowed initial states: %",
            args=[
                f"quote_nullable(NEW.{column}::text)",
                sql.quote_literal(self.field),
                "TG_TABLE_NAME",
                sql.quote_literal(str(self.name)),
                sql.quote_literal(initial),
            ],
            message=self.message,
        )
        return (
            f"IF TG_OP = 'INSERT' THEN\n"
            f"        IF NOT ({states}) THEN\n"
            f"            {raise_initial}\n"
            "        END IF;\n"
            f"    ELSIF {self.invalid_update_sql(model)} THEN\n"
            f"        {raise_invalid}\n"
            "    END IF;\n"
            "    RETURN NEW;"
        )

    # --- Python API -------------------------------------------------------------------------
    @classmethod
    def get(
        cls,
        model: type[models.Model] | models.Model,
        field: str | None = None,
        *,
        name: str | None = None,
    ) -> FSM:
        """The ``FSM`` trigger registered on ``model`` (a class or an instance) for ``field``.

        ``field`` (a field name or attname) or the trigger's ``name`` picks one when the model
        has several machines. Proxy models find their concrete model's triggers. Raises
        ``LookupError`` when none or several match.
        """
        model_class = model if isinstance(model, type) else type(model)
        concrete = model_class._meta.concrete_model
        found: list[FSM] = []
        for registered_model, trigger in registry.registered():
            if (
                isinstance(trigger, FSM)
                and registered_model._meta.concrete_model is concrete
                and (name is None or trigger.name == name)
                and (field is None or trigger._field_matches(model_class, field))
                and trigger not in found
            ):
                found.append(trigger)
        if len(found) == 1:
            return found[0]
        wanted = " and ".join(
            [f'field "{field}"'] * (field is not None) + [f'name "{name}"'] * (name is not None)
        )
        what = f"FSM trigger with {wanted}" if wanted else "FSM trigger"
        if not found:
            raise LookupError(f"{model_class._meta.label} has no registered {what}")
        names = ", ".join(f'"{t.name}" (field "{t.field}")' for t in found)
        raise LookupError(
            f"{model_class._meta.label} has several of {what}: {names}; pass field= or name="
        )

    def _field_matches(self, model: type[models.Model], field: str) -> bool:
        try:
            own = _columns.concrete_field(model, self.field)
        except LookupError:
            return False
        return field in (own.name, own.attname)

    def normalize(self, model: type[models.Model], value: Any) -> Any:
        """``value`` as the field holds it after a load: enum members by value, a model
        instance (of a ``ForeignKey`` state) by primary key, converted by ``to_python``."""
        if isinstance(value, models.Model):
            value = value.pk
        value = _plain(value)
        if value is None or value == ANY:
            return value
        try:
            return _columns.concrete_field(model, self.field).to_python(value)
        except ValidationError:
            return value  # never equal to a valid state, so never allowed

    def allows(self, model: type[models.Model], source: Any, target: Any) -> bool:
        """Whether ``source`` to ``target`` is a declared transition (or keeps the state).

        Pure Python, the same rule as the trigger's SQL; ``condition`` is not evaluated.
        """
        source, target = self.normalize(model, source), self.normalize(model, target)
        if source == target:
            return True
        return any(
            (s == ANY or self.normalize(model, s) == source)
            and (t == ANY or self.normalize(model, t) == target)
            for s, t in self.transitions
        )

    def allows_initial(self, model: type[models.Model], state: Any) -> bool:
        """Whether a row may be inserted with ``state`` (always, without ``initial``)."""
        if self.initial is None:
            return True
        state = self.normalize(model, state)
        return any(s == ANY or self.normalize(model, s) == state for s in self.initial)

    def states(self, model: type[models.Model]) -> list[Any]:
        """The known states: the field's choices, else the declared ones, in order."""
        field = _columns.concrete_field(model, self.field)
        declared = [v for pair in self.transitions for v in pair] + list(self.initial or ())
        values = [key for key, _ in field.flatchoices] if field.choices else []
        values += [v for v in declared if v is None or not field.choices]
        found: list[Any] = []
        for value in values:
            value = self.normalize(model, value)
            if value != ANY and value not in found:
                found.append(value)
        return found

    def state(self, instance: models.Model) -> Any:
        """The state ``instance`` holds in memory (``ForeignKey`` states: the key)."""
        field = _columns.concrete_field(type(instance), self.field)
        return getattr(instance, field.attname)

    def available_transitions(self, instance: models.Model) -> list[Any]:
        """The states ``instance`` may move to from the state it holds in memory.

        A wildcard target stands for every choice of the field, or is listed as ``"*"``
        when the field has no choices (e.g. a ``ForeignKey``). For an unsaved instance: the
        ``initial`` states. No query; ``transition()`` checks the stored state.
        """
        model = type(instance)
        if instance._state.adding:
            targets = list(self.initial) if self.initial is not None else [ANY]
        else:
            source = self.normalize(model, self.state(instance))
            targets = [
                t for s, t in self.transitions if s == ANY or self.normalize(model, s) == source
            ]
        has_choices = bool(_columns.concrete_field(model, self.field).choices)
        known = self.states(model) if has_choices else []
        current = None if instance._state.adding else self.normalize(model, self.state(instance))
        found: list[Any] = []
        for target in targets:
            expanded = (known or [ANY]) if target == ANY else [self.normalize(model, target)]
            for value in expanded:
                stays = not instance._state.adding and value == current
                if value not in found and not stays:
                    found.append(value)
        return found

    def can_transition(self, instance: models.Model, target: Any) -> bool:
        """Whether the state ``instance`` holds in memory may become ``target`` (no query).

        An unsaved instance checks ``initial``. With a ``condition``, this answers for the
        declared transitions: the database may allow more where the condition is false.
        """
        if instance._state.adding:
            return self.allows_initial(type(instance), target)
        return self.allows(type(instance), self.state(instance), target)

    def _refusal(self, instance: models.Model, source: Any, target: Any, note: str) -> str:
        model = type(instance)
        allowed = [
            t
            for s, t in self.transitions
            if (s == ANY or self.normalize(model, s) == source)
            and self.normalize(model, t) != source
        ]
        listed = ", ".join(self._describe(t) for t in allowed) or "none"
        return (
            f'{model._meta.label}: FSM trigger "{self.name}" does not allow field '
            f'"{self.field}" to go from {self._describe(source)} to {self._describe(target)}'
            f"{note}; allowed from {self._describe(source)}: {listed}."
        )

    def transition(
        self, instance: models.Model, target: Any, *, save: bool = True, using: str | None = None
    ) -> None:
        """Move ``instance`` to ``target``, saving only the state field.

        With ``save`` (the default) the check starts from the state stored in the database,
        read with ``SELECT ... FOR UPDATE`` in the same transaction as the
        ``save(update_fields=[field])``: the state the trigger will compare against, whatever
        the instance holds in memory. A transition the declaration does not allow raises
        ``TransitionNotAllowed`` before the ``UPDATE`` is sent and leaves the instance as it
        was. Under a ``condition`` the database decides undeclared transitions; its refusal
        is raised as ``TransitionNotAllowed`` too. An unsaved instance is checked against
        ``initial`` and inserted with ``save()``.

        ``save=False`` checks the in-memory state and only sets the field, as django-fsm's
        transition methods do; the trigger checks the eventual ``save()``.
        """
        model = type(instance)
        field = _columns.concrete_field(model, self.field)
        value = self.normalize(model, target)
        before = getattr(instance, field.attname)
        if instance._state.adding:
            if not self.allows_initial(model, value):
                initial = ", ".join(self._describe(s) for s in self.initial or ())
                raise TransitionNotAllowed(
                    f'{model._meta.label}: FSM trigger "{self.name}" does not allow inserting '
                    f'field "{self.field}" as {self._describe(value)}; allowed initial states: '
                    f"{initial}.",
                    instance=instance,
                    field=self.field,
                    source=None,
                    target=value,
                )
            setattr(instance, field.attname, value)
            if save:
                instance.save(using=using)
            return
        if not save:
            source = self.normalize(model, before)
            if not self.allows(model, source, value) and self.condition is None:
                raise TransitionNotAllowed(
                    self._refusal(instance, source, value, ""),
                    instance=instance,
                    field=self.field,
                    source=source,
                    target=value,
                )
            setattr(instance, field.attname, value)
            return
        db = using or instance._state.db or router.db_for_write(model, instance=instance)
        source = None
        allowed = False
        try:
            # A savepoint only where the trigger may refuse by design (a condition Python
            # cannot evaluate), so that its refusal leaves an outer transaction usable; else
            # the locked read makes the trigger's OLD the state checked here, and a failing
            # save() behaves as any save().
            with transaction.atomic(using=db, savepoint=self.condition is not None):
                stored = (
                    model._base_manager.using(db)
                    .select_for_update()
                    .filter(pk=instance.pk)
                    .values_list(field.attname, flat=True)
                    .get()
                )
                source = self.normalize(model, stored)
                allowed = self.condition is not None or self.allows(model, source, value)
                if allowed:
                    setattr(instance, field.attname, value)
                    instance.save(using=db, update_fields=[field.name])
        except DatabaseError as exc:
            setattr(instance, field.attname, before)
            if not self._is_refusal(exc, model):
                raise
            raise TransitionNotAllowed(
                self._refusal(instance, source, value, " (refused by the database)"),
                instance=instance,
                field=self.field,
                source=source,
                target=value,
            ) from exc
        except BaseException:
            setattr(instance, field.attname, before)
            raise
        if not allowed:  # raised outside the atomic block: an outer transaction stays usable
            memory = self.normalize(model, before)
            note = (
                f" (the database holds {self._describe(source)}; the instance holds "
                f"{self._describe(memory)} in memory)"
                if memory != source
                else ""
            )
            raise TransitionNotAllowed(
                self._refusal(instance, source, value, note),
                instance=instance,
                field=self.field,
                source=source,
                target=value,
            )

    def _is_refusal(self, exc: DatabaseError, model: type[models.Model]) -> bool:
        """Whether ``exc`` is this trigger's refusal of a transition (SQLSTATE ``PGT03`` with
        this trigger's URI in its ``DETAIL``, whatever ``message=`` says)."""
        found = errors.refusal(exc)
        return (
            found is not None
            and found.sqlstate == errors.FSM_TRANSITION
            and found.uri == self.get_uri(model)
        )

    def graph(self, model: type[models.Model], format: str = "mermaid") -> str:
        """The state diagram of this machine on ``model``: ``"mermaid"`` or ``"dot"`` text."""
        return fsm_graph.render(str(self.name), self._edges(model), format)

    def _edges(self, model: type[models.Model]) -> fsm_graph.Edges:
        """``(states, initial, transitions)`` of the diagram, wildcards expanded over ``states``.

        ``states`` are the field's choices (else the declared states); ``initial`` the declared
        initial states, else the field's default when it is a plain value.
        """
        states = self.states(model)
        if self.initial is not None:
            starts = [self.normalize(model, s) for s in self.initial]
            initial = states if ANY in starts else starts
        else:
            field = _columns.concrete_field(model, self.field)
            plain = field.has_default() and not callable(field.default)
            default = field.get_default() if plain else ANY
            initial = [] if default == ANY else [self.normalize(model, default)]
        pairs: list[tuple[Any, Any]] = []
        for source, target in self.transitions:
            wildcard = ANY in (source, target)
            sources = states if source == ANY else [self.normalize(model, source)]
            targets = states if target == ANY else [self.normalize(model, target)]
            for s in sources:
                for t in targets:
                    if (s, t) not in pairs and not (wildcard and s == t):
                        pairs.append((s, t))
        for value in [*initial, *(v for pair in pairs for v in pair)]:
            if value not in states:
                states.append(value)
        return states, initial, pairs

    # --- checks ---------------------------------------------------------------------------------
    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        try:
            field = _columns.concrete_field(model, self.field)
        except LookupError:
            columns = _columns.field_names(model)
            return [
                checks.Error(
                    f'Trigger "{self.name}" on {model._meta.label}: FSM field "{self.field}" is '
                    "not a column of the model.",
                    hint=f"Name a concrete field of {model._meta.label}: {columns}.",
                    obj=model,
                    id="pgtrigger.E101",
                )
            ]
        if not field.choices:
            return []
        valid = {_plain(key) for key, _ in field.flatchoices}
        states = {_plain(v) for pair in self.transitions for v in pair}
        states |= {_plain(v) for v in self.initial or ()}
        unknown = sorted(
            repr(v)
            for v in states
            if v != ANY and v not in valid and not (v is None and field.null)
        )
        if not unknown:
            return []
        if len(unknown) == 1:
            problem = f"FSM state {unknown[0]} is not a choice"
        else:
            problem = f"FSM states {', '.join(unknown)} are not choices"
        choices = ", ".join(repr(getattr(key, "value", key)) for key, _ in field.flatchoices)
        return [
            checks.Error(
                f'Trigger "{self.name}" on {model._meta.label}: {problem} of field "{self.field}".',
                hint=f'Use choices of field "{self.field}": {choices}.',
                obj=model,
                id="pgtrigger.E102",
            )
        ]
