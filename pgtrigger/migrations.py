"""Triggers in migrations: ``AddTrigger``, ``RemoveTrigger``, ``AlterTrigger`` and detection.

Compiled triggers live in each model state's ``options["triggers"]``, the way Django keeps
``constraints``. The autodetector integration is a mixin (``MigrationAutodetectorMixin``) that
:func:`install_autodetector` composes into whatever autodetector class the ``makemigrations`` and
``migrate`` commands use, so another app's customized autodetector keeps working beside ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.db import models
from django.db.migrations.operations.base import Operation

from pgtrigger import compiler, registry
from pgtrigger import settings as pgtrigger_settings

OPTION = "triggers"

try:  # Django 5.1+: the symbol makemigrations prints before each operation
    from django.db.migrations.operations.base import OperationCategory

    _ADD, _REMOVE, _ALTER = (
        OperationCategory.ADDITION,
        OperationCategory.REMOVAL,
        OperationCategory.ALTERATION,
    )
except ImportError:  # pragma: no cover - Django < 5.1
    _ADD = _REMOVE = _ALTER = None


def _server_version(schema_editor: Any) -> int:
    return int(getattr(schema_editor.connection, "pg_version", 140000))


def _execute(schema_editor: Any, statements: Iterable[str]) -> None:
    for statement in statements:
        # params=None: the SQL is final and may contain literal "%" characters.
        schema_editor.execute(statement, params=None)


def _state_triggers(state: Any, app_label: str, model_name: str) -> list[compiler.Trigger]:
    return list(state.models[app_label, model_name.lower()].options.get(OPTION, []))


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
        # A proxy's trigger lives on its concrete table (Django never migrates proxies).
        return schema_editor.connection.vendor == "postgresql" and self.allow_migrate_model(
            schema_editor.connection.alias, model._meta.concrete_model
        )

    def _install(
        self, schema_editor: Any, state: Any, app_label: str, trigger: compiler.Trigger
    ) -> None:
        model = self._model(state, app_label)
        if self._allowed(schema_editor, model):
            trigger_sql = trigger.sql.with_table(model._meta.db_table)
            _execute(schema_editor, trigger_sql.install_sql(_server_version(schema_editor)))

    def _uninstall(
        self, schema_editor: Any, state: Any, app_label: str, trigger: compiler.Trigger
    ) -> None:
        model = self._model(state, app_label)
        if self._allowed(schema_editor, model):
            _execute(schema_editor, trigger.sql.with_table(model._meta.db_table).uninstall_sql())

    def _set_triggers(self, state: Any, app_label: str, triggers: list[compiler.Trigger]) -> None:
        state.models[app_label, self.model_name_lower].options[OPTION] = triggers
        state.reload_model(app_label, self.model_name_lower, delay=True)

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.model_name_lower


class AddTrigger(_TriggerOperation):
    """Install a trigger on a model."""

    category = _ADD

    def __init__(self, model_name: str, trigger: compiler.Trigger) -> None:
        self.model_name = model_name
        self.trigger = trigger

    def state_forwards(self, app_label: str, state: Any) -> None:
        triggers = [
            t
            for t in _state_triggers(state, app_label, self.model_name)
            if t.name != self.trigger.name
        ]
        self._set_triggers(state, app_label, [*triggers, self.trigger])

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._install(schema_editor, to_state, app_label, self.trigger)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._uninstall(schema_editor, from_state, app_label, self.trigger)

    def describe(self) -> str:
        return f"Create trigger {self.trigger.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.trigger.name.lower()}".replace("-", "_")

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

    def state_forwards(self, app_label: str, state: Any) -> None:
        triggers = _state_triggers(state, app_label, self.model_name)
        self._set_triggers(
            state, app_label, [self.trigger if t.name == self.name else t for t in triggers]
        )

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        old = _find(_state_triggers(from_state, app_label, self.model_name), self.name)
        if old.pgid != self.trigger.pgid:
            self._uninstall(schema_editor, from_state, app_label, old)
        self._install(schema_editor, to_state, app_label, self.trigger)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        old = _find(_state_triggers(to_state, app_label, self.model_name), self.name)
        if old.pgid != self.trigger.pgid:
            self._uninstall(schema_editor, from_state, app_label, self.trigger)
        self._install(schema_editor, to_state, app_label, old)

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
                    model_name=self.to_state.models[app_label, model_name].name, trigger=trigger
                ),
                dependencies=dependencies,
            )

    def _pgtrigger_diff(self) -> dict[tuple[str, str], dict[str, list[Any]]]:
        diff = {}
        kept = set(self.kept_model_keys) | set(self.kept_proxy_keys)  # type: ignore[attr-defined]
        for app_label, model_name in sorted(kept):
            old_name = self.renamed_models.get((app_label, model_name), model_name)  # type: ignore[attr-defined]
            old = {t.name: t for t in self._pgtrigger_old.get((app_label, old_name), [])}
            new = {t.name: t for t in self._pgtrigger_new.get((app_label, model_name), [])}
            changed = [n for n in new if n in old and new[n] != old[n]]
            diff[app_label, model_name] = {
                "added": [new[n] for n in new if n not in old]
                + [new[n] for n in changed if new[n].pgid != old[n].pgid],
                "removed": [old[n] for n in old if n not in new]
                + [old[n] for n in changed if new[n].pgid != old[n].pgid],
                "altered": [new[n] for n in changed if new[n].pgid == old[n].pgid],
            }
        return diff

    def generate_created_models(self) -> None:
        super().generate_created_models()  # type: ignore[misc]
        self._pgtrigger_created(self.new_model_keys - self.old_model_keys)  # type: ignore[attr-defined]

    def generate_created_proxies(self) -> None:
        super().generate_created_proxies()  # type: ignore[misc]
        self._pgtrigger_created(self.new_proxy_keys - self.old_proxy_keys)  # type: ignore[attr-defined]

    def _pgtrigger_created(self, keys: set[tuple[str, str]]) -> None:
        renamed = set(self.renamed_models)  # type: ignore[attr-defined]
        for app_label, model_name in sorted(keys - renamed):
            triggers = self._pgtrigger_new.get((app_label, model_name), [])
            self._pgtrigger_add(app_label, model_name, triggers, created=True)

    def generate_deleted_models(self) -> None:
        self._pgtrigger_deleted(self.old_model_keys - self.new_model_keys)  # type: ignore[attr-defined]
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
                        model_name=self.from_state.models[app_label, model_name].name,
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
                        model_name=self.to_state.models[app_label, model_name].name,
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


def compose_autodetector(base: type) -> type:
    """``base`` with trigger detection mixed in (``base`` itself if it already has it)."""
    if issubclass(base, MigrationAutodetectorMixin):
        return base
    return type(base.__name__, (MigrationAutodetectorMixin, base), {"__module__": __name__})


def install_autodetector() -> None:
    """Mix trigger detection into the autodetector of ``makemigrations`` and ``migrate``.

    Composes with what is already there: a custom autodetector set by another app (Django 5.2's
    ``Command.autodetector``, or an earlier patch of the command modules) is subclassed, not
    replaced.
    """
    from django.core.management.commands import makemigrations, migrate

    # Django 5.2+ checks that both commands share one autodetector class.
    current = getattr(makemigrations.Command, "autodetector", None)
    if current is not None:
        composed = compose_autodetector(current)
        makemigrations.Command.autodetector = composed
        migrate.Command.autodetector = (
            composed
            if migrate.Command.autodetector is current
            else compose_autodetector(migrate.Command.autodetector)
        )
    for module in (makemigrations, migrate):
        if hasattr(module, "MigrationAutodetector"):
            module.MigrationAutodetector = compose_autodetector(module.MigrationAutodetector)
