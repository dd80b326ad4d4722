"""Schema editor integration: deferred trigger installs and column type changes.

PostgreSQL refuses ``ALTER COLUMN ... TYPE`` on a column that a trigger's ``WHEN`` condition or
``UPDATE OF`` list depends on. ``TriggerSchemaEditorMixin`` drops the dependent ``pgtrigger_*``
triggers just before the alteration and re-creates them, from their catalog definition, just
after it, in the same transaction. Functions are left in place.

Like the autodetector integration, the mixin is composed into the schema editor class that the
PostgreSQL backends already use (:func:`install_schema_editor`), so a schema editor customized
by another app or backend keeps its behaviour. ``create_model`` installs the triggers of the
table it creates (``migrate --run-syncdb``, unapplying a ``DeleteModel``), as 4.x does.
``PGTRIGGER_SCHEMA_EDITOR = False`` turns both off; deferred installs (see
``pgtrigger.migrations.DeferredInstall``) always run verbatim.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.utils import load_backend

from pgtrigger import compiler, options, registry, sql
from pgtrigger import settings as pgtrigger_settings
from pgtrigger.migrations import DeferredInstall

# Triggers of the table that depend on the column (WHEN condition or UPDATE OF), with what it
# takes to re-create them exactly: definition, comment (the hash and fingerprint), enabled
# state, and the fingerprint the catalog gives before the change.
_DEPENDENT_TRIGGERS_SQL = f"""
SELECT DISTINCT t.tgname, pg_catalog.pg_get_triggerdef(t.oid),
       pg_catalog.obj_description(t.oid, 'pg_trigger'), t.tgenabled,
       {compiler.FINGERPRINT_SQL.replace("%", "%%")},
       pg_catalog.obj_description(p.oid, 'pg_proc')
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
{compiler.FINGERPRINT_FROM}
JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_trigger'::regclass AND d.objid = t.oid
JOIN pg_catalog.pg_attribute a
  ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refobjid = to_regclass(%s) AND a.attname = %s
  AND t.tgname LIKE 'pgtrigger\\_%%' AND NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY t.tgname
"""


class TriggerSchemaEditorMixin:
    """Runs deferred trigger installs verbatim, and lets ``AlterField`` change the type of a
    column that ``pgtrigger`` triggers depend on."""

    connection: Any
    deferred_sql: list[Any]

    def execute(self, sql: Any, params: Any = ()) -> Any:
        if isinstance(sql, DeferredInstall):
            # Final SQL that may hold literal "%": some Django releases (4.2) run deferred SQL
            # with params=(), which would merge parameters into it.
            params = None
        return super().execute(sql, params)  # type: ignore[misc]

    def create_model(self, model: Any) -> None:
        """Create the table, then install its triggers, as 4.x does.

        - A model of the project's app registry (``migrate --run-syncdb`` creates the tables
          of apps without migrations): the triggers registered on it and on its proxies.
        - Any other model (a historical model of migration state, a private ``Apps()``): the
          triggers it carries in ``Meta.triggers``. A migration's ``CreateModel`` runs before
          its ``AddTrigger`` operations put triggers in the state, so these are triggers
          removed with the table: unapplying a ``DeleteModel`` recreates the table with them.
          They are installed with the migration's deferred SQL, as ``AddTrigger`` does.
        """
        super().create_model(model)  # type: ignore[misc]
        if not pgtrigger_settings.schema_editor():
            return
        if not registry.in_global_apps(model):
            self._pgtrigger_install_carried(model)
            return
        selected = [
            (m, t) for m, t in registry.registered() if options.concrete_options(m).model is model
        ]
        registry.refuse_collisions(selected)
        version = int(getattr(self.connection, "pg_version", 140000))
        for m, t in selected:
            for statement in t.compile(m).sql.install_sql(version):
                self.execute(statement, params=None)

    def _pgtrigger_install_carried(self, model: Any) -> None:
        version = int(getattr(self.connection, "pg_version", 140000))
        for trigger in getattr(model._meta, "triggers", None) or []:
            trigger_sql = (
                trigger.sql
                if isinstance(trigger, compiler.Trigger)
                else trigger.compile(model).sql  # a declaration (3.x-style files, Apps())
            )
            self.deferred_sql.append(DeferredInstall(trigger_sql, model._meta.db_table, version))

    def _alter_field(
        self,
        model: Any,
        old_field: Any,
        new_field: Any,
        old_type: str,
        new_type: str,
        old_db_params: dict[str, Any],
        new_db_params: dict[str, Any],
        strict: bool = False,
    ) -> None:
        dependent = []
        if (
            pgtrigger_settings.schema_editor()
            and old_field.column is not None
            and (old_type != new_type or old_db_params != new_db_params)
        ):
            dependent = self._pgtrigger_dependent(model._meta.db_table, old_field.column)
        for name, *_ in dependent:
            self.execute(
                f"DROP TRIGGER {sql.quote_ident(name)} ON {sql.quote_table(model._meta.db_table)}",
                params=None,
            )
        super()._alter_field(  # type: ignore[misc]
            model,
            old_field,
            new_field,
            old_type,
            new_type,
            old_db_params,
            new_db_params,
            strict,
        )
        for name, definition, comment, enabled, fingerprint, function_comment in dependent:
            # The table's name is the one in the definition: a type change never renames it.
            self.execute(definition, params=None)
            table = sql.quote_table(model._meta.db_table)
            hash, _, recorded = (comment or "").partition(" ")
            if recorded and recorded == fingerprint:
                # The WHEN clause was as installed; the new column type may change how
                # PostgreSQL renders it (casts): record the fingerprint of the new rendering.
                self.execute(
                    compiler.comments_sql([(name, model._meta.db_table, hash)]), params=None
                )
            elif comment is not None:
                # Kept verbatim: a WHEN edited by hand (or unverified) stays reported as drift.
                self.execute(
                    f"COMMENT ON TRIGGER {sql.quote_ident(name)} ON {table} "
                    f"IS {sql.quote_literal(comment)}",
                    params=None,
                )
            if not recorded and function_comment == fingerprint:
                # 4.x's layout (its comment is the hash alone): the fingerprint is the
                # function's comment, which the trigger's re-creation does not touch.
                self.execute(
                    compiler.function_fingerprint_sql(name, model._meta.db_table), params=None
                )
            if enabled == "D":
                self.execute(
                    f"ALTER TABLE {table} DISABLE TRIGGER {sql.quote_ident(name)}", params=None
                )

    def _pgtrigger_dependent(
        self, table: str, column: str
    ) -> list[tuple[str, str, str | None, str, str, str | None]]:
        with self.connection.cursor() as cursor:
            cursor.execute(_DEPENDENT_TRIGGERS_SQL, [sql.quote_table(table), column])
            return list(cursor.fetchall())


def compose_schema_editor(base: type) -> type:
    """``base`` with the trigger integration mixed in (``base`` itself if it already has it)."""
    if issubclass(base, TriggerSchemaEditorMixin):
        return base
    return type(base.__name__, (TriggerSchemaEditorMixin, base), {"__module__": __name__})


def install_schema_editor() -> None:
    """Mix the integration into the schema editor of every PostgreSQL database's backend.

    The backend's ``DatabaseWrapper.SchemaEditorClass`` is subclassed where it is, so a custom
    backend's (or another app's) schema editor keeps working beside ours.
    """
    for alias in connections:
        # Resolved as Django resolves it, legacy names included (dj-database-url < 1.0 gives
        # "django.db.backends.postgresql_psycopg2").
        wrapper = load_backend(connections.settings[alias]["ENGINE"]).DatabaseWrapper
        if wrapper.vendor != "postgresql":
            continue
        wrapper.SchemaEditorClass = compose_schema_editor(wrapper.SchemaEditorClass)
