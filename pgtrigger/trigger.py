"""``Trigger``: the declarative description of one PostgreSQL trigger on a model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models.signals import class_prepared

from pgtrigger import compat4x, compiler, fingerprint, installation, memo, registry, sql
from pgtrigger.conditions import Condition
from pgtrigger.func import Func
from pgtrigger.primitives import (
    After,
    Fires,
    InsteadOf,
    Level,
    Operation,
    Origin,
    Referencing,
    Row,
    Statement,
    Timing,
    When,
)

if TYPE_CHECKING:
    from django.db import models

MAX_NAME_LENGTH = 47
"""Longest trigger name: ``pgtrigger_<name>_<5-char hash>`` must fit PostgreSQL's 63 bytes."""

NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]+")
"""Characters allowed in a trigger name; use ``fullmatch`` (``$`` would accept a final newline)."""


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a trigger, or None when it can.

    The rules are 4.x's: a ``str`` of at most ``MAX_NAME_LENGTH`` letters, digits, ``_`` and
    ``-``. Longer names would be truncated by PostgreSQL, so two of them could share one
    identifier.
    """
    if not isinstance(name, str) or not name:
        return "a trigger needs a name"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    if not NAME_PATTERN.fullmatch(name):
        return "the name has characters other than letters, digits, '_' and '-'"
    return None


def ignore_check_sql(pgid: str) -> str:
    """SQL that is true unless ``pgtrigger.ignore()`` is active for the trigger ``pgid``.

    The setting is an array literal of trigger ids, in one of two spellings: this package
    sends ``{"id1","id2"}``, django-pgtrigger 4.x (an app server not yet upgraded, during a
    rolling deploy) sends ``{tbl:id1,id1,tbl:id2,id2}``. ``translate`` turns every ``{``, ``}``
    and ``"`` into a comma, so an id the setting lists reads ``,<id>,`` in both, and only
    there: ids are made of letters, digits, ``_`` and ``-``, so neither another id that
    contains this one nor a ``table:id`` entry can match it. A text search rather than an
    array cast: it costs a fraction of one, and a malformed value cannot raise.
    ``current_setting(..., true)`` returns NULL instead of raising when the setting was never
    defined, so no exception block (and no subtransaction) is needed.
    """
    setting = f"COALESCE(current_setting({sql.quote_literal(sql.IGNORE_SETTING)}, true), '')"
    needle = sql.quote_literal(f",{pgid},")
    return f"strpos(translate({setting}, '{{}}\"', ',,,'), {needle}) = 0"


class Undo:
    """What ``Trigger.install()`` and friends return: used in ``with``, it reverts the call.

    The call has already acted; without ``with`` the object is simply dropped. The undo runs
    however the block exits.
    """

    def __init__(self, undo: Callable[[], object]) -> None:
        self._undo = undo

    def __enter__(self) -> Undo:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._undo()


class Trigger:
    """A PostgreSQL trigger declared on a Django model.

    Declare triggers in ``Meta.triggers`` or with ``pgtrigger.register``. All arguments are
    keyword-only; subclasses may set any of them as class attributes.

    Args:
        name: unique on the model; letters, digits, ``_`` and ``-``; at most 47 characters.
        level: ``pgtrigger.Row`` (default) or ``pgtrigger.Statement``.
        when: ``pgtrigger.Before``, ``pgtrigger.After`` or ``pgtrigger.InsteadOf``.
        operation: ``pgtrigger.Insert``, ``Update``, ``Delete``, ``Truncate`` or
            ``UpdateOf(*fields)``, combined with ``|``.
        condition: a ``pgtrigger.Q``, ``Condition`` or change condition for the ``WHEN`` clause.
        referencing: transition tables for statement-level triggers.
        func: the function body between ``BEGIN`` and ``END`` (``str`` or ``pgtrigger.Func``).
        declare: ``(variable, type)`` pairs declared for the function.
        timing: ``pgtrigger.Immediate`` or ``pgtrigger.Deferred``: a deferrable constraint
            trigger (``After`` and ``Row`` only).
        fires: ``pgtrigger.Origin`` (default), ``pgtrigger.Replica`` or ``pgtrigger.Always``
            (or ``"origin"``, ``"replica"``, ``"always"``): whether the trigger fires for
            changes that logical replication applies on a subscriber. ``Origin`` triggers do
            not; ``Replica`` triggers fire only for them; ``Always`` triggers fire for both.
        tags: labels to select the trigger by, as in ``pgtrigger.ignore(tags=["audit"])``.
            Python-side only: they change neither the SQL nor the migrations.
    """

    name: str | None = None
    level: Level = Row
    when: When | None = None
    operation: Operation | None = None
    condition: Condition | None = None
    referencing: Referencing | None = None
    func: str | Func | None = None
    declare: Sequence[tuple[str, str]] | None = None
    timing: Timing | None = None
    fires: Fires = Origin
    tags: frozenset[str] = frozenset()

    def __init__(
        self,
        *,
        name: str | None = None,
        level: Level | None = None,
        when: When | None = None,
        operation: Operation | None = None,
        condition: Condition | None = None,
        referencing: Referencing | None = None,
        func: str | Func | None = None,
        declare: Sequence[tuple[str, str]] | None = None,
        timing: Timing | None = None,
        fires: Fires | str | None = None,
        tags: Iterable[str] | None = None,
    ) -> None:
        self.name = name or self.name
        self.level = level or self.level
        self.when = when or self.when
        self.operation = operation or self.operation
        self.condition = condition or self.condition
        self.referencing = referencing or self.referencing
        self.func = func or self.func
        self.declare = declare or self.declare
        self.timing = timing or self.timing
        try:
            self.fires = Fires.parse(fires or self.fires)
        except ValueError:
            raise ValueError(
                f'Trigger "{self.name}": invalid "fires" {fires!r}; use pgtrigger.Origin, '
                'pgtrigger.Replica or pgtrigger.Always (or "origin", "replica", "always")'
            ) from None
        if isinstance(tags, str):  # not a collection of its characters
            raise ValueError(f'Trigger "{self.name}": tags takes a list of strings, not {tags!r}')
        self.tags = frozenset(self.tags if tags is None else tags)
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` for a declaration that is invalid whatever the model."""
        problem = name_problem(self.name)
        if problem is not None:
            raise ValueError(
                f"Trigger name {self.name!r}: {problem}. Use at most {MAX_NAME_LENGTH} "
                "letters, digits, '_' or '-'."
            )
        if not all(isinstance(tag, str) and tag for tag in self.tags):
            raise ValueError(f'Trigger "{self.name}": tags must be non-empty strings')
        if not isinstance(self.level, Level):
            raise ValueError(f'Trigger "{self.name}": invalid level {self.level!r}')
        if not isinstance(self.when, When):
            raise ValueError(f'Trigger "{self.name}": invalid "when" {self.when!r}')
        if not isinstance(self.operation, Operation):
            raise ValueError(f'Trigger "{self.name}": invalid operation {self.operation!r}')
        if self.timing is not None and not isinstance(self.timing, Timing):
            raise ValueError(f'Trigger "{self.name}": invalid timing {self.timing!r}')
        if self.referencing is not None and self.level != Statement:
            raise ValueError(
                f'Trigger "{self.name}": "referencing" is only for statement-level triggers'
            )
        if self.fires != Origin and self.when == InsteadOf:
            # ALTER TABLE ... ENABLE ALWAYS TRIGGER refuses views; replication never writes them.
            raise ValueError(
                f'Trigger "{self.name}": "fires" is only for tables; INSTEAD OF triggers are '
                "on views, which logical replication does not write to: remove fires="
            )
        if self.timing is not None and (self.level != Row or self.when != After):
            raise ValueError(
                f'Trigger "{self.name}": deferrable timing needs level=pgtrigger.Row and '
                "when=pgtrigger.After"
            )

    # --- identity -------------------------------------------------------------------------------
    def get_uri(self, model: type[models.Model]) -> str:
        """``"app_label.ModelName:trigger_name"``."""
        return f"{model._meta.label}:{self.name}"

    def get_pgid(self, model: type[models.Model]) -> str:
        """The name of the trigger (and its function) in PostgreSQL: stable and lower-case."""
        model_hash = hashlib.sha1(self.get_uri(model).encode()).hexdigest()[:5]
        return f"pgtrigger_{self.name}_{model_hash}".lower()

    def get_table(self, model: type[models.Model]) -> str:
        return model._meta.db_table

    # --- rendering ------------------------------------------------------------------------------
    def get_condition(self, model: type[models.Model]) -> Condition | None:
        return self.condition

    def render_condition(self, model: type[models.Model]) -> str:
        """The user's condition as SQL, without the ignore check."""
        condition = self.get_condition(model)
        return condition.resolve(model) if condition is not None else ""

    def get_declare(self, model: type[models.Model]) -> list[tuple[str, str]]:
        return list(self.declare or [])

    def render_declare(self, model: type[models.Model]) -> str:
        declare = self.get_declare(model)
        if not declare:
            return ""
        return "DECLARE\n" + "".join(f"    {var} {type_};\n" for var, type_ in declare)

    def get_func_template_kwargs(self, model: type[models.Model]) -> dict[str, Any]:
        """Extra variables for ``Func`` templates (subclasses add their own)."""
        return {}

    def get_func(self, model: type[models.Model]) -> str | Func:
        if self.func is None:
            raise ValueError(f'Trigger "{self.name}" on {model._meta.label} has no func')
        return self.func

    def render_func(self, model: type[models.Model]) -> str:
        func = self.get_func(model)
        if isinstance(func, Func):
            return func.render(model, **self.get_func_template_kwargs(model))
        return func

    def render_function(self, model: type[models.Model]) -> str:
        """The full PL/pgSQL source of the trigger function."""
        ignore = ""
        if self.ignore_in_body():
            ignore = (
                f"    IF NOT ({ignore_check_sql(self.get_pgid(model))}) THEN\n"
                "        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
                "        RETURN NEW;\n"
                "    END IF;\n"
            )
        return (
            f"\n{self.render_declare(model)}BEGIN\n{ignore}"
            f"    {self.render_func(model).strip()}\n"
            "END;\n"
        )

    def ignore_in_body(self) -> bool:
        """Whether the ignore check goes in the function body rather than in ``WHEN``.

        ``INSTEAD OF`` triggers have no ``WHEN`` clause. A deferrable trigger's ``WHEN`` is
        evaluated when its event is queued, but 4.x checked ``ignore()`` when the trigger
        fires (at commit when deferred), so a statement run in an ``ignore()`` block that
        has ended by the commit is still checked: its body checks, as 4.x's did.
        """
        return self.when == InsteadOf or self.timing is not None

    def render_when_clause(self, model: type[models.Model]) -> str:
        if self.when == InsteadOf:
            return ""
        # The condition comes first: PostgreSQL evaluates AND from left to right and stops at
        # the first false operand, so rows the condition rules out never pay the ignore check.
        condition = self.render_condition(model)
        parts = [condition] if condition else []
        if not self.ignore_in_body():
            parts.append(ignore_check_sql(self.get_pgid(model)))
        if not parts:
            return ""
        return "WHEN (" + " AND ".join(f"({part})" for part in parts) + ")"

    def get_referencing(self, model: type[models.Model]) -> Referencing | None:
        """The transition tables the trigger declares on ``model``."""
        return self.referencing

    def get_operation(self, model: type[models.Model]) -> Operation:
        """The operations that fire the trigger on ``model`` (``operation`` by default)."""
        assert self.operation is not None
        return self.operation

    def render_event(self, model: type[models.Model]) -> str:
        return f"{self.when} {self.get_operation(model).render(model)}"

    def render_body(self, model: type[models.Model]) -> str:
        parts = []
        if self.timing is not None:
            parts.append(f"DEFERRABLE INITIALLY {self.timing}")
        referencing = self.get_referencing(model)
        if referencing is not None:
            parts.append(str(referencing))
        parts.append(f"FOR EACH {self.level}")
        when_clause = self.render_when_clause(model)
        if when_clause:
            parts.append(when_clause)
        parts.append(f"EXECUTE FUNCTION {sql.quote_ident(self.get_pgid(model))}()")
        return " ".join(parts)

    def compile(self, model: type[models.Model]) -> compiler.Trigger:
        """The SQL of this trigger on ``model``, as stored in migrations."""
        return memo.cached("compile", self, model, lambda: self._compile(model))

    def _compile(self, model: type[models.Model]) -> compiler.Trigger:
        return compiler.Trigger(
            name=str(self.name),
            sql=compiler.TriggerSql(
                pgid=self.get_pgid(model),
                table=self.get_table(model),
                event=self.render_event(model),
                body=self.render_body(model),
                function=self.render_function(model),
                constraint=self.timing is not None,
                fires=self.fires.name,
                declaration=self.get_declaration(model),
            ),
        )

    def get_declaration(self, model: type[models.Model]) -> str:
        """The fingerprint of this declaration on ``model`` (see ``pgtrigger.fingerprint``)."""
        return fingerprint.declaration(self, model)

    def compile_4x(self, model: type[models.Model]) -> compiler.Trigger | None:
        """This trigger as django-pgtrigger 4.x compiled it (None where 4.x could not)."""
        kwargs = compat4x.render(self, model)
        if kwargs is None:
            return None
        return compiler.Trigger(name=str(self.name), sql=compiler.UpsertTriggerSql(**kwargs))

    def check(self, model: type[models.Model]) -> list[Any]:
        """Recipe-specific system check messages for ``model`` (none by default)."""
        return []

    # --- registration ---------------------------------------------------------------------------
    # Each of these acts at once and returns an ``Undo``: ``with trigger.install(Model): ...``
    # reverts the call when the block exits, as in 4.x.
    def register(self, *models: type[models.Model]) -> Undo:
        """Register this trigger on ``models``."""
        for model in models:
            registry.add(model, self)
        return Undo(lambda: self.unregister(*models))

    def unregister(self, *models: type[models.Model]) -> Undo:
        """Unregister this trigger from ``models``."""
        for model in models:
            registry.remove(model, self)
        return Undo(lambda: self.register(*models))

    # --- installation ---------------------------------------------------------------------------
    def install(self, model: type[models.Model], database: str | None = None) -> Undo:
        """Install (or update in place) the trigger on ``model``'s table."""
        registry.refuse_collisions([(model, self)])
        installation.install_compiled([self.compile(model)], database=database)
        return Undo(lambda: self.uninstall(model, database=database))

    def uninstall(self, model: type[models.Model], database: str | None = None) -> Undo:
        """Drop the trigger and its function."""
        installation.uninstall_compiled([self.compile(model)], database=database)
        return Undo(lambda: self.install(model, database=database))

    def enable(self, model: type[models.Model], database: str | None = None) -> Undo:
        installation.set_enabled([self.compile(model)], True, database=database)
        return Undo(lambda: self.disable(model, database=database))

    def disable(self, model: type[models.Model], database: str | None = None) -> Undo:
        installation.set_enabled([self.compile(model)], False, database=database)
        return Undo(lambda: self.enable(model, database=database))

    def get_installation_status(
        self, model: type[models.Model], database: str | None = None
    ) -> tuple[str, bool | None]:
        """``(status, enabled)`` of the trigger on ``model`` in ``database``.

        ``status`` is ``"INSTALLED"``, ``"OUTDATED"`` (installed, but not as declared: any
        difference ``pgtrigger.drift`` finds in the catalog, a hand-edited ``WHEN`` clause
        included), ``"UNINSTALLED"`` or ``"UNALLOWED"`` (the router keeps the model out of the
        database); ``enabled`` is None unless the trigger is installed, False when it is
        disabled (``("INSTALLED", False)``, as in 4.x). Registration is not needed.
        """
        found = installation.trigger_status(model, self, database=database)
        return found.status.value, found.enabled

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name}>"


def _register_meta_triggers(sender: type[models.Model], **kwargs: object) -> None:
    """Register the triggers a model lists in ``Meta.triggers`` when Django prepares it."""
    if sender.__module__ == "__fake__" or sender._meta.abstract:
        return  # historical models carry compiled triggers from migration state
    for trigger in getattr(sender._meta, "triggers", None) or []:
        if isinstance(trigger, Trigger):
            trigger.register(sender)


class_prepared.connect(_register_meta_triggers)
