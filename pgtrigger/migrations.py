"""Triggers in migrations: ``AddTrigger``, ``RemoveTrigger``, ``AlterTrigger`` and detection.

Compiled triggers live in each model state's ``options["triggers"]``, the way Django keeps
``constraints``. The autodetector integration is a mixin (``MigrationAutodetectorMixin``) that
:func:`install_autodetector` composes into whatever autodetector class the ``makemigrations`` and
``migrate`` commands use, so another app's customized autodetector keeps working beside ours.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps as global_apps
from django.db import models, router
from django.db.backends.ddl_references import Statement, Table
from django.db.migrations.operations import DeleteModel
from django.db.migrations.operations.base import Operation

from pgtrigger import compiler, options, registry
from pgtrigger import settings as pgtrigger_settings

OPTION = "triggers"

try:  # Django 5.1+: the symbol makemigrations prints before each operation
    from django.db.migrations.operations.base import OperationCategory

    _ADD: Any = OperationCategory.ADDITION
    _REMOVE: Any = OperationCategory.REMOVAL
    _ALTER: Any = OperationCategory.ALTERATION
except ImportError:  # pragma: no cover - Django < 5.1
    _ADD = _REMOVE = _ALTER = None


def _server_version(schema_editor: Any) -> int:
    return int(getattr(schema_editor.connection, "pg_version", 140000))


def _execute(schema_editor: Any, statements: Iterable[str]) -> None:
    for statement in statements:
        # params=None: the SQL is final and may contain literal "%" characters.
        schema_editor.execute(statement, params=None)


class DeferredInstall(Statement):
    """Installs a trigger once the migration's schema changes are done.

    Installation runs with the schema editor's deferred SQL, at the end of the migration, so a
    trigger's SQL never meets a column or table in a name it does not use yet: unapplying
    ``[RenameField, AlterTrigger]`` re-installs the old trigger after the column got its old
    name back. Being a ``Statement`` with a ``Table`` part, it follows a later rename of the
    table in the same migration and is discarded if the table is deleted.
    """

    def __init__(self, trigger_sql: compiler.TriggerSql, table: str, server_version: int) -> None:
        super().__init__("", table=Table(table, lambda name: name))
        self.trigger_sql = trigger_sql
        self.server_version = server_version

    def __str__(self) -> str:
        trigger_sql = self.trigger_sql.with_table(self.parts["table"].table)
        # Run with params=None (see TriggerSchemaEditorMixin.execute): "%" needs no escaping.
        return ";\n".join(trigger_sql.install_sql(self.server_version))


def _state_triggers(state: Any, app_label: str, model_name: str) -> list[compiler.Trigger]:
    return list(state.models[app_label, model_name.lower()].options.get(OPTION, []))


def _compiled(trigger: Any, state: Any, app_label: str, model_name: str) -> compiler.Trigger:
    """``trigger`` as compiled SQL.

    Migration files written in the 3.x style pass a declaration (a ``pgtrigger.Trigger``
    instance) to ``AddTrigger``/``AlterTrigger``; as in 4.x it is compiled against the model
    of the migration state, so the state and the database hold what it meant then.
    """
    if isinstance(trigger, compiler.Trigger):
        return trigger
    return trigger.compile(state.apps.get_model(app_label, model_name))


def _find(triggers: Iterable[compiler.Trigger], name: str) -> compiler.Trigger:
    for trigger in triggers:
        if trigger.name == name:
            return trigger
    raise ValueError(f'No trigger named "{name}" in the migration state')


class _TriggerOperation(Operation):
    reduces_to_sql = True
    reversible = True
    model_name: str

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def _model(self, state: Any, app_label: str) -> type[models.Model]:
        return state.apps.get_model(app_label, self.model_name)

    def _allowed(self, schema_editor: Any, model: type[models.Model]) -> bool:
        # The router is asked directly: allow_migrate_model() refuses proxies and unmanaged
        # models, yet a proxy's trigger lives on its concrete table, and unmanaged tables
        # (views, tables created by RunSQL, partitioned tables) take triggers too.
        opts = options.concrete_options(model)
        return schema_editor.connection.vendor == "postgresql" and router.allow_migrate(
            schema_editor.connection.alias,
            opts.app_label,
            model_name=opts.model_name,
            model=opts.model,
        )

    def _install(
        self, schema_editor: Any, state: Any, app_label: str, trigger: compiler.Trigger
    ) -> None:
        model = self._model(state, app_label)
        if self._allowed(schema_editor, model):
            schema_editor.deferred_sql.append(
                DeferredInstall(trigger.sql, model._meta.db_table, _server_version(schema_editor))
            )

    def _uninstall(
        self, schema_editor: Any, state: Any, app_label: str, trigger: compiler.Trigger
    ) -> None:
        model = self._model(state, app_label)
        if self._allowed(schema_editor, model):
            # An install still pending in this migration must not resurrect the trigger.
            schema_editor.deferred_sql[:] = [
                statement
                for statement in schema_editor.deferred_sql
                if not (
                    isinstance(statement, DeferredInstall)
                    and statement.trigger_sql.pgid == trigger.pgid
                )
            ]
            _execute(schema_editor, trigger.sql.with_table(model._meta.db_table).uninstall_sql())

    def _set_triggers(self, state: Any, app_label: str, triggers: list[compiler.Trigger]) -> None:
        state.models[app_label, self.model_name_lower].options[OPTION] = triggers
        state.reload_model(app_label, self.model_name_lower, delay=True)

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.model_name_lower

    @property
    def trigger_name(self) -> str:
        raise NotImplementedError

    def _same_trigger(self, operation: Operation, name: str) -> bool:
        return (
            isinstance(operation, (AlterTrigger, RemoveTrigger))
            and operation.model_name_lower == self.model_name_lower
            and operation.name == name
        )

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if isinstance(operation, _TriggerOperation) and (
            operation.model_name_lower,
            operation.trigger_name,
        ) != (self.model_name_lower, self.trigger_name):
            return True  # independent triggers: the optimizer may move one across the other
        return super().reduce(operation, app_label)

    def _deletes_model(self, operation: Operation) -> bool:
        return isinstance(operation, DeleteModel) and operation.name_lower == self.model_name_lower


class AddTrigger(_TriggerOperation):
    """Install a trigger on a model."""

    category = _ADD

    def __init__(self, model_name: str, trigger: compiler.Trigger) -> None:
        self.model_name = model_name
        self.trigger = trigger  # or a declaration, in files written in the 3.x style

    @property
    def trigger_name(self) -> str:
        return str(self.trigger.name)

    def state_forwards(self, app_label: str, state: Any) -> None:
        compiled = _compiled(self.trigger, state, app_label, self.model_name)
        triggers = [
            t for t in _state_triggers(state, app_label, self.model_name) if t.name != compiled.name
        ]
        self._set_triggers(state, app_label, [*triggers, compiled])

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        trigger = _find(_state_triggers(to_state, app_label, self.model_name), self.trigger_name)
        self._install(schema_editor, to_state, app_label, trigger)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        trigger = _find(_state_triggers(from_state, app_label, self.model_name), self.trigger_name)
        self._uninstall(schema_editor, from_state, app_label, trigger)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        # Squashing: an added trigger absorbs later changes, and vanishes with its removal.
        if self._same_trigger(operation, self.trigger_name):
            if isinstance(operation, RemoveTrigger):
                return []
            assert isinstance(operation, AlterTrigger)
            return [AddTrigger(model_name=self.model_name, trigger=operation.trigger)]
        if self._deletes_model(operation):
            return [operation]
        return super().reduce(operation, app_label)

    def describe(self) -> str:
        return f"Create trigger {self.trigger_name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.trigger_name.lower()}".replace("-", "_")

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            type(self).__name__,
            [],
            {
                "model_name": self.model_name,
                "trigger": self.trigger,
            },
        )


class RemoveTrigger(_TriggerOperation):
    """Drop a trigger (and its function) from a model."""

    category = _REMOVE

    def __init__(self, model_name: str, name: str) -> None:
        self.model_name = model_name
        self.name = name

    @property
    def trigger_name(self) -> str:
        return self.name

    def state_forwards(self, app_label: str, state: Any) -> None:
        triggers = _state_triggers(state, app_label, self.model_name)
        self._set_triggers(state, app_label, [t for t in triggers if t.name != self.name])

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        trigger = _find(_state_triggers(from_state, app_label, self.model_name), self.name)
        self._uninstall(schema_editor, from_state, app_label, trigger)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        trigger = _find(_state_triggers(to_state, app_label, self.model_name), self.name)
        self._install(schema_editor, to_state, app_label, trigger)

    def describe(self) -> str:
        return f"Remove trigger {self.name} from model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name_lower}_{self.name.lower()}".replace("-", "_")

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            type(self).__name__,
            [],
            {
                "model_name": self.model_name,
                "name": self.name,
            },
        )


class AlterTrigger(_TriggerOperation):
    """Replace a trigger in place: its function and definition change, it is never absent.

    On PostgreSQL 14+ this is ``CREATE OR REPLACE FUNCTION`` plus ``CREATE OR REPLACE TRIGGER``:
    no moment without the trigger, and no extra ``DROP``.
    """

    category = _ALTER

    def __init__(self, model_name: str, name: str, trigger: compiler.Trigger) -> None:
        self.model_name = model_name
        self.name = name
        self.trigger = trigger

    @property
    def trigger_name(self) -> str:
        return self.name

    def state_forwards(self, app_label: str, state: Any) -> None:
        compiled = _compiled(self.trigger, state, app_label, self.model_name)
        triggers = _state_triggers(state, app_label, self.model_name)
        self._set_triggers(
            state, app_label, [compiled if t.name == self.name else t for t in triggers]
        )

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        old = _find(_state_triggers(from_state, app_label, self.model_name), self.name)
        new = _find(_state_triggers(to_state, app_label, self.model_name), self.name)
        if old.pgid != new.pgid:
            self._uninstall(schema_editor, from_state, app_label, old)
        self._install(schema_editor, to_state, app_label, new)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        old = _find(_state_triggers(to_state, app_label, self.model_name), self.name)
        new = _find(_state_triggers(from_state, app_label, self.model_name), self.name)
        if old.pgid != new.pgid:
            self._uninstall(schema_editor, from_state, app_label, new)
        self._install(schema_editor, to_state, app_label, old)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if self._same_trigger(operation, self.name) or self._deletes_model(operation):
            return [operation]
        return super().reduce(operation, app_label)

    def describe(self) -> str:
        return f"Alter trigger {self.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name_lower}_{self.name.lower()}".replace("-", "_")

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            type(self).__name__,
            [],
            {
                "model_name": self.model_name,
                "name": self.name,
                "trigger": self.trigger,
            },
        )


# --- autodetection ------------------------------------------------------------------------------
_adopting: set[str] | None = None


@contextlib.contextmanager
def adopting(app_labels: Iterable[str]) -> Iterator[None]:
    """Within the block, ``makemigrations`` writes an ``AlterTrigger`` for every trigger of
    ``app_labels`` whose migration SQL is not what it compiles to now, even when its
    declaration is unchanged (``manage.py pgtrigger makemigrations``)."""
    global _adopting
    previous, _adopting = _adopting, set(app_labels)
    try:
        yield
    finally:
        _adopting = previous


def _changed(app_label: str, old: compiler.Trigger, new: compiler.Trigger) -> bool:
    """Whether the migration state's trigger ``old`` needs a migration to become ``new``.

    Only when the declaration changed: SQL compiled from the same declaration by another
    compiler (4.x, or an older SQL generator of this package) is current. A change of this
    package's SQL alone never writes a migration, unless the app is being adopted.
    """
    if _adopting is not None and app_label in _adopting:
        return old != new
    if old.name == new.name and old.sql.same_sql(new.sql):
        return False
    key = old.sql.declaration_key
    return key is None or key != new.sql.declaration_key


def _writes_4x(app_label: str) -> bool:
    """Whether ``makemigrations`` writes 4.x-format trigger operations for the app."""
    if _adopting is not None and app_label in _adopting:
        return False
    return pgtrigger_settings.migrations_4x()


def _op_model_name(app_label: str, name: str) -> str:
    """The model name written in an operation: 4.x reads only lower-case ones."""
    return name.lower() if _writes_4x(app_label) else name


def _as_4x(model: type[models.Model], compiled: compiler.Trigger) -> compiler.Trigger:
    """``compiled`` in 4.x's form (``UpsertTriggerSql``) where 4.x could express it."""
    for candidate, trigger in registry.registered():
        if candidate is model and trigger.name == compiled.name:
            return trigger.compile_4x(model) or compiled
    return compiled


def compiled_triggers(model: type[models.Model]) -> list[compiler.Trigger]:
    """The compiled triggers registered on ``model``, sorted by name for stable migrations."""
    compiled = [t.compile(m) for m, t in registry.registered() if m is model]
    return sorted(compiled, key=lambda t: t.name)


def _created_dependency(app_label: str, model_name: str) -> Any:
    try:
        from django.db.migrations.autodetector import OperationDependency
    except ImportError:  # Django < 5.1
        return (app_label, model_name, None, True)
    return OperationDependency(app_label, model_name, None, OperationDependency.Type.CREATE)


class MigrationAutodetectorMixin:
    """Adds trigger operations to Django's migration autodetector."""

    from_state: Any
    to_state: Any

    def _detect_changes(self, *args: Any, **kwargs: Any) -> Any:
        # Extraction also runs with PGTRIGGER_MIGRATIONS off: it keeps Meta.triggers (not
        # serializable) out of CreateModel options; only the operations are left out.
        self._pgtrigger_old = self._pgtrigger_extract(self.from_state, real=False)
        self._pgtrigger_new = self._pgtrigger_extract(self.to_state, real=True)
        return super()._detect_changes(*args, **kwargs)  # type: ignore[misc]

    def _pgtrigger_extract(self, state: Any, real: bool) -> dict[tuple[str, str], list[Any]]:
        """Take compiled triggers out of ``state`` so no other operation serializes them."""
        found: dict[tuple[str, str], list[Any]] = {}
        enabled = pgtrigger_settings.migrations()
        for key, model_state in state.models.items():
            triggers = model_state.options.get(OPTION) or []
            if real:
                model_state.options.pop(OPTION, None)
                try:
                    model = global_apps.get_model(model_state.app_label, model_state.name)
                except LookupError:
                    model = None
                if model is not None:
                    triggers = compiled_triggers(model)
                if model is not None and _writes_4x(model_state.app_label):
                    triggers = [_as_4x(model, t) for t in triggers]
            triggers = [t for t in triggers if isinstance(t, compiler.Trigger)]
            if enabled and triggers:
                found[key] = triggers
        return found

    def _pgtrigger_add(
        self, app_label: str, model_name: str, triggers: Iterable[Any], created: bool
    ) -> None:
        dependencies = [_created_dependency(app_label, model_name)] if created else []
        for trigger in triggers:
            self.add_operation(  # type: ignore[attr-defined]
                app_label,
                AddTrigger(
                    model_name=_op_model_name(
                        app_label, self.to_state.models[app_label, model_name].name
                    ),
                    trigger=trigger,
                ),
                dependencies=dependencies,
            )

    def _pgtrigger_diff(self) -> dict[tuple[str, str], dict[str, list[Any]]]:
        diff = {}
        # Managed or not on either side: a model switching "managed" keeps its triggers.
        old_keys = self.old_model_keys | self.old_unmanaged_keys  # type: ignore[attr-defined]
        new_keys = self.new_model_keys | self.new_unmanaged_keys  # type: ignore[attr-defined]
        kept = (old_keys & new_keys) | set(self.kept_proxy_keys)  # type: ignore[attr-defined]
        for app_label, model_name in sorted(kept):
            old_name = self.renamed_models.get((app_label, model_name), model_name)  # type: ignore[attr-defined]
            old = {t.name: t for t in self._pgtrigger_old.get((app_label, old_name), [])}
            new = {t.name: t for t in self._pgtrigger_new.get((app_label, model_name), [])}
            # A changed trigger is one AlterTrigger, even when its pgid changes (renamed model):
            # the operation list for a change stays a single operation.
            altered = [new[n] for n in new if n in old and _changed(app_label, old[n], new[n])]
            removed = [old[n] for n in old if n not in new]
            added = [new[n] for n in new if n not in old]
            if _writes_4x(app_label):  # 4.x has no AlterTrigger: remove, then add
                removed += [old[t.name] for t in altered]
                added += altered
                altered = []
            diff[app_label, model_name] = {"added": added, "removed": removed, "altered": altered}
        return diff

    def generate_created_models(self) -> None:
        super().generate_created_models()  # type: ignore[misc]
        # Unmanaged models too: views and tables created by RunSQL (partitioned ones) take
        # triggers.
        new = self.new_model_keys | self.new_unmanaged_keys  # type: ignore[attr-defined]
        old = self.old_model_keys | self.old_unmanaged_keys  # type: ignore[attr-defined]
        self._pgtrigger_created(new - old)

    def generate_created_proxies(self) -> None:
        super().generate_created_proxies()  # type: ignore[misc]
        self._pgtrigger_created(self.new_proxy_keys - self.old_proxy_keys)  # type: ignore[attr-defined]

    def _pgtrigger_created(self, keys: set[tuple[str, str]]) -> None:
        renamed = set(self.renamed_models)  # type: ignore[attr-defined]
        for app_label, model_name in sorted(keys - renamed):
            triggers = self._pgtrigger_new.get((app_label, model_name), [])
            self._pgtrigger_add(app_label, model_name, triggers, created=True)

    def generate_deleted_models(self) -> None:
        new = self.new_model_keys | self.new_unmanaged_keys  # type: ignore[attr-defined]
        old = self.old_model_keys | self.old_unmanaged_keys  # type: ignore[attr-defined]
        self._pgtrigger_deleted(old - new)
        super().generate_deleted_models()  # type: ignore[misc]

    def generate_deleted_proxies(self) -> None:
        self._pgtrigger_deleted(self.old_proxy_keys - self.new_proxy_keys)  # type: ignore[attr-defined]
        super().generate_deleted_proxies()  # type: ignore[misc]

    def _pgtrigger_deleted(self, keys: set[tuple[str, str]]) -> None:
        renamed_from = set(self.renamed_models.values())  # type: ignore[attr-defined]
        for app_label, model_name in sorted(keys):
            if model_name in {name for (label, name) in renamed_from if label == app_label}:
                continue
            for trigger in self._pgtrigger_old.get((app_label, model_name), []):
                self.add_operation(  # type: ignore[attr-defined]
                    app_label,
                    RemoveTrigger(
                        model_name=_op_model_name(
                            app_label, self.from_state.models[app_label, model_name].name
                        ),
                        name=trigger.name,
                    ),
                )

    def generate_removed_constraints(self) -> None:
        super().generate_removed_constraints()  # type: ignore[misc]
        self._pgtrigger_changes = self._pgtrigger_diff()
        for (app_label, model_name), diff in self._pgtrigger_changes.items():
            for trigger in diff["removed"]:
                self.add_operation(  # type: ignore[attr-defined]
                    app_label,
                    RemoveTrigger(
                        model_name=_op_model_name(
                            app_label, self.to_state.models[app_label, model_name].name
                        ),
                        name=trigger.name,
                    ),
                )

    def generate_added_constraints(self) -> None:
        super().generate_added_constraints()  # type: ignore[misc]
        for (app_label, model_name), diff in self._pgtrigger_changes.items():
            name = self.to_state.models[app_label, model_name].name
            for trigger in diff["altered"]:
                self.add_operation(  # type: ignore[attr-defined]
                    app_label, AlterTrigger(model_name=name, name=trigger.name, trigger=trigger)
                )
            self._pgtrigger_add(app_label, model_name, diff["added"], created=False)


_composed: dict[type, type] = {}


def compose_autodetector(base: type) -> type:
    """``base`` with trigger detection mixed in (``base`` itself if it already has it).

    The composed class is cached per base, so commands sharing an autodetector keep sharing one
    (Django 5.2's ``commands.E001`` check wants ``makemigrations`` and ``migrate`` to agree).
    """
    if issubclass(base, MigrationAutodetectorMixin):
        return base
    if base not in _composed:
        _composed[base] = type(
            base.__name__, (MigrationAutodetectorMixin, base), {"__module__": base.__module__}
        )
    return _composed[base]


def _active_command_classes(name: str) -> list[type]:
    """The ``Command`` class ``manage.py <name>`` runs (an app's override) and Django's own."""
    from django.core.management import get_commands, load_command_class

    classes = []
    app_name = get_commands().get(name)
    if app_name is not None:
        classes.append(type(load_command_class(app_name, name)))
    django_command = importlib.import_module(f"django.core.management.commands.{name}").Command
    if django_command not in classes:
        classes.append(django_command)
    return classes


def install_autodetector() -> None:
    """Mix trigger detection into the autodetector of ``makemigrations`` and ``migrate``.

    Composes with what is already there: the autodetector of the commands ``manage.py`` runs,
    including an app's own ``makemigrations``/``migrate`` command that sets Django 5.2's
    ``Command.autodetector`` to its customized class, is subclassed, not replaced. On Django
    before 5.2 the module-level ``MigrationAutodetector`` names the commands use are composed.
    """
    for name in ("makemigrations", "migrate"):
        for command in _active_command_classes(name):
            current = getattr(command, "autodetector", None)
            if current is not None:
                command.autodetector = compose_autodetector(current)  # type: ignore[attr-defined]
        module = importlib.import_module(f"django.core.management.commands.{name}")
        if hasattr(module, "MigrationAutodetector"):
            module.MigrationAutodetector = compose_autodetector(  # type: ignore[attr-defined]
                module.MigrationAutodetector
            )
