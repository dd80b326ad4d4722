"""``FSM``: allow only declared transitions of a field."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterable, Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import signals

from pgtrigger import errors, options, registry, sql, testing
from pgtrigger.conditions import Condition
from pgtrigger.contrib import _columns, _raise, fsm_graph
from pgtrigger.primitives import Before, Insert, Row, Update
from pgtrigger.trigger import Trigger

ANY = "*"
"""Wildcard source or target state in a transition."""


class TransitionNotAllowed(ValueError):
    """A transition refused by ``FSM.transition()``.

    Raised when the machine does not allow it (the state stored in the database is not a
    source of the target), and when a trigger refuses the ``UPDATE``: the machine's own under
    a ``condition``, or any other trigger of the table (a ``Protect`` with a condition on the
    transition, for instance); the database's error is then the ``__cause__``. ``instance``,
    ``field``, ``source`` (the stored state, ``None`` when it could not be read) and
    ``target`` describe the attempt; ``uri`` is the URI of the trigger that refused (the
    machine's own when the machine does not allow the transition).
    """

    def __init__(
        self,
        message: str,
        *,
        instance: models.Model,
        field: str,
        source: Any,
        target: Any,
        uri: str | None = None,
    ) -> None:
        super().__init__(message)
        self.instance = instance
        self.field = field
        self.source = source
        self.target = target
        self.uri = uri


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
        if kwargs.get("level", Row) != Row:
            # The check compares OLD and NEW in the WHEN clause, which PostgreSQL allows only
            # on row-level triggers; a statement-level check over transition tables would cost
            # more (1.15x on a 200k-row update, benchmarks/statement_level.py).
            raise ValueError(
                f'FSM trigger "{name}" must be row-level: remove level= (the default, '
                "pgtrigger.Row), which checks each row's transition in the trigger's WHEN clause"
            )
        kwargs.setdefault("operation", Update if self.initial is None else Insert | Update)
        self._guards: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}
        self._savepoints: dict[type[models.Model], tuple[int, bool]] = {}
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

        Each target of a declared transition whose source is that state or ``"*"``, in
        declaration order: the current state itself when a transition into it is declared (a
        self-loop ``("pending", "pending")``, or ``("*", "cancelled")`` seen from
        ``"cancelled"``), as django-fsm lists it. A wildcard target stands for every other
        choice of the field, or is listed as ``"*"`` when the field has no choices (e.g. a
        ``ForeignKey``). For an unsaved instance: the ``initial`` states. No query;
        ``transition()`` checks the stored state. Each listed state passes
        ``can_transition()``.
        """
        model = type(instance)
        has_choices = bool(_columns.concrete_field(model, self.field).choices)
        known = self.states(model) if has_choices else []
        if instance._state.adding:
            targets = list(self.initial) if self.initial is not None else [ANY]
            current = ANY  # nothing to leave out of a wildcard
        else:
            current = self.normalize(model, self.state(instance))
            targets = [
                t for s, t in self.transitions if s == ANY or self.normalize(model, s) == current
            ]
        found: list[Any] = []
        for target in targets:
            if target == ANY:  # every other state
                expanded = [v for v in known if v != current] if known else [ANY]
            else:
                expanded = [self.normalize(model, target)]
            found += [value for value in expanded if value not in found]
        return found

    def can_transition(self, instance: models.Model, target: Any) -> bool:
        """Whether the state ``instance`` holds in memory may become ``target`` (no query).

        An unsaved instance checks ``initial``. Keeping the state is always allowed, as by
        the trigger. With a ``condition``, this answers for the declared transitions: the
        database may allow more where the condition is false.
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

        With ``save`` (the default), one statement in one round trip: an ``UPDATE`` of the
        state field guarded by the sources the machine allows for ``target`` (``WHERE pk = ...
        AND field IN (...)``), so the check starts from the state stored in the database,
        whatever the instance holds in memory, and holds against concurrent writers (the
        guard is evaluated on the row the ``UPDATE`` locks). ``RETURNING`` gives the stored
        state back to the instance. ``pre_save`` and ``post_save`` are sent as by
        ``save(update_fields=[field])``.

        A transition the machine does not allow raises ``TransitionNotAllowed`` and leaves the
        instance and the row as they were. So does a trigger's refusal of the ``UPDATE``:
        the machine's own under a ``condition`` (the database then decides transitions the
        declaration does not list: the ``UPDATE`` is not guarded), or any other registered
        trigger of the table; the exception carries the refusing trigger's URI. Inside a
        transaction, the ``UPDATE`` runs in a savepoint when a registered trigger may refuse
        it (a trigger on updates of the table other than the machine, or the machine under a
        ``condition``), so the transaction stays usable after the refusal; otherwise no
        savepoint is needed, and none is sent. An unsaved instance is checked against
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
                    uri=self._own_uri(model),
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
                    uri=self._own_uri(model),
                )
            setattr(instance, field.attname, value)
            return
        db = using or instance._state.db or router.db_for_write(model, instance=instance)
        connection = connections[db]
        in_transaction = connection.in_atomic_block or not connection.get_autocommit()
        savepoint = in_transaction and self._may_be_refused(model)
        statement, params = self._update(model, field, value, connection)
        update_fields = frozenset([field.name])
        setattr(instance, field.attname, value)
        try:
            signals.pre_save.send(
                sender=model, instance=instance, raw=False, using=db, update_fields=update_fields
            )
            # Autocommit: the statement is its own transaction, nothing to protect.
            with transaction.atomic(using=db) if savepoint else contextlib.nullcontext():
                with connection.cursor() as cursor:
                    pk = list(instance.pk) if isinstance(instance.pk, tuple) else [instance.pk]
                    cursor.execute(statement, [params[0], *pk, *params[1:]])
                    row = cursor.fetchone()
        except DatabaseError as exc:
            setattr(instance, field.attname, before)
            uri = self._refused_by(exc)
            if uri is None:
                raise
            # The stored state, where the transaction can still be read (an unforeseen
            # refusal inside a transaction without a savepoint aborted it).
            source = self._stored(model, db, instance) if savepoint or not in_transaction else None
            if uri == self._own_uri(model):
                message = self._refusal(instance, source, value, " (refused by the database)")
            else:
                found = errors.refusal(exc)
                reason = found.message if found else str(exc).splitlines()[0]
                message = (
                    f"{model._meta.label}: trigger {uri} refused the transition of field "
                    f'"{self.field}" from {self._describe(source)} to {self._describe(value)}: '
                    f"{reason}"
                )
            raise TransitionNotAllowed(
                message,
                instance=instance,
                field=self.field,
                source=source,
                target=value,
                uri=uri,
            ) from exc
        except BaseException:
            setattr(instance, field.attname, before)
            raise
        if row is None:  # the guard: the stored state is no source of the target
            setattr(instance, field.attname, before)
            source = self._stored(model, db, instance)  # DoesNotExist for a deleted row
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
                uri=self._own_uri(model),
            )
        setattr(instance, field.attname, field.to_python(row[0]))
        instance._state.db = db
        signals.post_save.send(
            sender=model,
            instance=instance,
            created=False,
            update_fields=update_fields,
            raw=False,
            using=db,
        )

    def _update(
        self, model: type[models.Model], field: models.Field[Any, Any], value: Any, connection: Any
    ) -> tuple[str, list[Any]]:
        """The guarded ``UPDATE ... RETURNING`` to ``value``, and its parameters without the
        primary key: the new value, then the guard's.

        The guard lists the stored states the machine lets become ``value`` (the value itself
        included: keeping a state passes); none under a ``condition`` (the trigger decides) or
        when a ``"*"`` source leads to ``value``. Cached per model, target and database.
        """
        key = (model, value, connection.alias)
        cached = self._guards.get(key)
        if cached is not None:
            return cached
        owner = options.concrete_options(field.model)  # the table holding the column
        column = sql.quote_ident(options.column(field))
        pk_columns = _columns.pk_columns(owner.model)  # several: a CompositePrimaryKey
        pk_match = (
            f"{pk_columns[0]} = %s"
            if len(pk_columns) == 1
            else f"({', '.join(pk_columns)}) = ({', '.join(['%s'] * len(pk_columns))})"
        )
        sources: list[Any] | None = None
        if self.condition is None:
            sources = [value]
            for source, to in self.transitions:
                if to != ANY and self.normalize(model, to) != value:
                    continue
                if source == ANY:
                    sources = None
                    break
                normalized = self.normalize(model, source)
                if normalized not in sources:
                    sources.append(normalized)
        params = [field.get_db_prep_save(value, connection)]
        guard = ""
        if sources is not None:
            known = [field.get_db_prep_save(s, connection) for s in sources if s is not None]
            tests = [f"{column} IN ({', '.join(['%s'] * len(known))})"] if known else []
            tests += [f"{column} IS NULL"] * (None in sources)
            guard = f" AND ({' OR '.join(tests)})"
            params += known
        statement = (
            f"UPDATE {sql.quote_table(owner.db_table)} SET {column} = %s "
            f"WHERE {pk_match}{guard} RETURNING {column}"
        )
        if len(self._guards) > 1024:  # a bound for FK states of many rows
            self._guards.clear()
        self._guards[key] = (statement, params)
        return statement, params

    def _may_be_refused(self, model: type[models.Model]) -> bool:
        """Whether a registered trigger may refuse a ``transition()``'s ``UPDATE`` of ``model``:
        a trigger on updates of its table other than this machine, or this machine under a
        ``condition`` (its ``UPDATE`` is not guarded). Cached until the registry changes."""
        cached = self._savepoints.get(model)
        if cached is not None and cached[0] == registry.version:
            return cached[1]
        table = options.concrete_options(model).db_table
        found = self.condition is not None or any(
            trigger is not self
            and trigger.operation is not None
            and options.concrete_options(registered).db_table == table
            and any(op.name.startswith("UPDATE") for op in trigger.operation.operations)
            for registered, trigger in registry.registered()
        )
        self._savepoints[model] = (registry.version, found)
        return found

    def _stored(self, model: type[models.Model], db: str, instance: models.Model) -> Any:
        """The state stored for ``instance`` (``DoesNotExist`` when its row is gone)."""
        field = _columns.concrete_field(model, self.field)
        stored = (
            model._base_manager.using(db)
            .filter(pk=instance.pk)
            .values_list(field.attname, flat=True)
            .get()
        )
        return self.normalize(model, stored)

    def _own_uri(self, model: type[models.Model]) -> str:
        """This machine's URI: the model it is registered on (a proxy's concrete model, or
        the proxy), else ``model``'s."""
        concrete = options.concrete_options(model)
        for registered, trigger in registry.registered():
            if trigger is self and options.concrete_options(registered) is concrete:
                return trigger.get_uri(registered)
        return self.get_uri(model)

    @staticmethod
    def _refused_by(exc: DatabaseError) -> str | None:
        """The URI of the trigger that refused the statement ``exc`` reports, or ``None``.

        A recipe's refusal names its trigger (``pgtrigger.errors``); a ``RAISE EXCEPTION``
        (SQLSTATE class ``P0``) in another registered trigger's function is named by the
        function in the error's ``CONTEXT`` (``pgtrigger.testing``).
        """
        uri = errors.refused_by(exc)
        if uri is not None:
            return uri
        error = exc.__cause__
        sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or ""
        pgid = testing.refusing_trigger(exc) if sqlstate.startswith("P0") else None
        if pgid is None:
            return None
        for registered, trigger in registry.registered():
            if trigger.get_pgid(registered) == pgid:
                return trigger.get_uri(registered)
        return None

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
