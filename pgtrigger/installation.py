"""Install, uninstall, enable, disable and prune triggers, and read what is installed.

Every call runs a constant number of queries: statements for all triggers are sent as one batch,
and the catalog is read once for all triggers.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from pgtrigger import compiler, memo, options, registry, sql
from pgtrigger import settings as pgtrigger_settings
from pgtrigger.drift import NOT_OUTDATED, Drift, drift
from pgtrigger.primitives import Before, Deferred, Fires, InsteadOf, Row, UpdateOf

if TYPE_CHECKING:
    from django.db import models

    from pgtrigger.compiler import Trigger as CompiledTrigger
    from pgtrigger.compiler import TriggerSql
    from pgtrigger.trigger import Trigger


class Status(str, enum.Enum):
    INSTALLED = "INSTALLED"
    OUTDATED = "OUTDATED"
    UNINSTALLED = "UNINSTALLED"
    PRUNE = "PRUNE"
    UNALLOWED = "UNALLOWED"


@dataclasses.dataclass(frozen=True)
class InstalledTrigger:
    """A ``pgtrigger_*`` trigger found in the catalog."""

    table_oid: int
    schema: str
    table: str
    pgid: str
    enabled: bool
    hash: str | None
    function_source: str | None
    function_schema: str
    # What PostgreSQL records of the definition: pg_trigger.tgtype, tgdeferrable,
    # tginitdeferred, tgoldtable, tgnewtable and the UPDATE OF column names.
    shape: tuple[Any, ...] = ()
    # pg_trigger.tgenabled: "O" (origin), "R" (replica), "A" (always) or "D" (disabled).
    tgenabled: str = "O"
    # The fingerprint recorded in the comment at install (None: installed without one, by 4.x
    # or an older release) and the one the catalog gives now (``compiler.FINGERPRINT_SQL``).
    fingerprint: str | None = None
    current_fingerprint: str = ""
    # Whether the trigger has a WHEN clause, is a constraint trigger; its function's language,
    # SECURITY DEFINER flag and configuration (pg_proc.proconfig: "name=value" settings).
    has_when: bool = False
    constraint: bool = False
    language: str = "plpgsql"
    security_definer: bool = False
    config: tuple[str, ...] = ()
    # The table as PostgreSQL's regclass prints it: schema-qualified only outside the search
    # path, quoted where needed (what 4.x printed and returned from prunable()).
    regclass: str = ""

    @property
    def qualified_table(self) -> str:
        return f"{sql.quote_ident(self.schema)}.{sql.quote_ident(self.table)}"


@dataclasses.dataclass(frozen=True)
class TriggerStatus:
    """The state of a registered trigger (or of an installed one to prune) in a database."""

    uri: str
    status: Status
    enabled: bool | None
    model: type[models.Model] | None = None
    trigger: Trigger | None = None
    installed: InstalledTrigger | None = None
    # Whether the model's table exists (False for an UNINSTALLED trigger whose table is missing).
    table_exists: bool = True
    # How the installed trigger differs from its declaration (``pgtrigger.drift``).
    drift: tuple[Drift, ...] = ()

    @property
    def is_enabled(self) -> bool | None:
        """Enabled or not; None when there is no installed trigger to ask (or not allowed)."""
        return None if self.status in (Status.UNINSTALLED, Status.UNALLOWED) else self.enabled

    @property
    def enabled_label(self) -> str:
        """``ls``'s second column: ``ENABLED`` (``REPLICA``/``ALWAYS`` for an enabled trigger
        that fires for replicated changes), ``DISABLED`` or ``N/A``."""
        enabled = self.is_enabled
        if enabled is None:
            return "N/A"
        if not enabled:
            return "DISABLED"
        firing = self.installed.tgenabled if self.installed is not None else "O"
        return {"R": "REPLICA", "A": "ALWAYS"}.get(firing, "ENABLED")


def _alias(database: str | None) -> str:
    return database or DEFAULT_DB_ALIAS


def is_postgres(database: str | None) -> bool:
    """Whether the alias is a PostgreSQL database: the only vendor with triggers to manage.

    As in 4.x, every function here leaves other aliases (a SQLite cache next to PostgreSQL, for
    instance) alone: statements are not sent, and ``status`` reports ``UNALLOWED``.
    """
    return bool(connections[_alias(database)].vendor == "postgresql")


def _server_version(database: str) -> int:
    connection = connections[database]
    connection.ensure_connection()
    return int(getattr(connection, "pg_version", 140000))


# Every batch of DDL takes this transaction-level advisory lock first (two int4 keys: "pgtr", 1),
# so installs racing on the same database (app servers deploying at once) run one after the
# other: concurrent ``CREATE OR REPLACE FUNCTION``s of one function fail with "tuple
# concurrently updated". Advisory locks are per database; the lock ends with the transaction.
_LOCK_SQL = "SELECT pg_catalog.pg_advisory_xact_lock(1885828210, 1)"


def execute(statements: Iterable[str], database: str | None = None) -> None:
    """Run ``statements`` in one round trip, atomically, under the install lock."""
    batch = ";\n".join(statements)
    alias = _alias(database)
    if not batch or not is_postgres(alias):
        return
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(_LOCK_SQL)
        cursor.execute(batch)


def _allowed(model: type[models.Model], database: str) -> bool:
    """Whether the router lets ``model``'s table live in ``database``.

    Asked for the concrete model without Django's ``can_migrate`` test, so triggers on proxies
    and unmanaged models (views, third-party tables) can be installed.
    """
    if not is_postgres(database):
        return False
    opts = options.concrete_options(model)
    return router.allow_migrate(
        database, opts.app_label, model_name=opts.model_name, model=opts.model
    )


def _selected(uris: tuple[str, ...], database: str) -> list[tuple[type[models.Model], Trigger]]:
    return [(m, t) for m, t in registry.registered(*uris) if _allowed(m, database)]


def install_compiled(compiled: Iterable[CompiledTrigger], database: str | None = None) -> None:
    alias = _alias(database)
    version = _server_version(alias)
    execute([stmt for trigger in compiled for stmt in trigger.sql.install_sql(version)], alias)


def uninstall_compiled(compiled: Iterable[CompiledTrigger], database: str | None = None) -> None:
    execute([stmt for trigger in compiled for stmt in trigger.sql.uninstall_sql()], database)


def set_enabled(
    compiled: Iterable[CompiledTrigger], enabled: bool, database: str | None = None
) -> None:
    execute(_enable_sql(compiled, enabled), database)


def _enable_sql(
    compiled: Iterable[CompiledTrigger], enabled: bool, fires: Fires | str | None = None
) -> list[str]:
    """``ALTER TABLE ... ENABLE`` in each trigger's declared ``fires`` mode (or in ``fires``)."""
    statements = []
    for trigger in compiled:
        trigger_sql = trigger.sql
        if fires is not None:
            trigger_sql = copy.copy(trigger_sql)
            trigger_sql.fires = Fires.parse(fires).name
        statements.append(trigger_sql.enable_sql(enabled))
    return statements


def install(*uris: str, database: str | None = None) -> None:
    """Install the registered triggers that are missing or outdated (all when no URI is given).

    Triggers already installed as declared get no statement (disabled ones are enabled).

    With ``PGTRIGGER_PRUNE_ON_INSTALL`` (the default) a full install also drops installed
    triggers that are no longer registered.
    """
    alias = _alias(database)
    _install(uris, alias, prune=not uris and pgtrigger_settings.prune_on_install())


def install_present(database: str | None = None) -> None:
    """Install the registered triggers whose tables exist, as a full ``install`` would.

    ``PGTRIGGER_INSTALL_ON_MIGRATE`` runs this after ``migrate``: a partial migrate (one app,
    or an app back to ``zero``) leaves models without a table, whose triggers wait for the
    migrate that creates it.
    """
    alias = _alias(database)
    if not is_postgres(alias):
        return
    _install((), alias, prune=pgtrigger_settings.prune_on_install(), present_only=True)


def _install(
    uris: tuple[str, ...], database: str, *, prune: bool, present_only: bool = False
) -> None:
    """Send DDL only for what differs from the declarations: nothing when nothing changed.

    ``CREATE OR REPLACE TRIGGER`` and ``ALTER TABLE`` take a SHARE ROW EXCLUSIVE lock on the
    table, which blocks its writers: a trigger that is already ``INSTALLED`` gets no statement,
    so a no-op install reads the catalog and takes no table lock. Installed but disabled
    triggers are enabled, as re-creating them (4.x) did.
    """
    if not is_postgres(database):
        return
    with memo.one_pass():
        _install_changes(uris, database, prune=prune, present_only=present_only)


def _install_changes(
    uris: tuple[str, ...], database: str, *, prune: bool, present_only: bool
) -> None:
    registry.refuse_collisions(_selected(uris, database))
    version = _server_version(database)
    if not _install_sql(uris, database, version, prune=prune, present_only=present_only):
        return
    # Something differs: wait for concurrent installs, then read the catalog again, as another
    # process may have installed the same triggers meanwhile (it then sends nothing).
    with transaction.atomic(using=database), connections[database].cursor() as cursor:
        cursor.execute(_LOCK_SQL)
        statements = _install_sql(uris, database, version, prune=prune, present_only=present_only)
        if statements:
            cursor.execute(";\n".join(statements))


def _install_sql(
    uris: tuple[str, ...], database: str, version: int, *, prune: bool, present_only: bool
) -> list[str]:
    """The statements ``_install`` sends (in one batch) for the catalog as it is now."""
    # Pruning goes first, as before: a pruned trigger's function may bear an installed one's name.
    pruned: list[str] = []
    installs: list[TriggerSql] = []
    enables: list[str] = []
    for state in status(*uris, database=database):
        if state.status == Status.PRUNE and prune and state.installed is not None:
            pruned += _prune_sql([state.installed])
        elif state.model is None or state.trigger is None:
            continue
        elif state.status == Status.OUTDATED or (
            state.status == Status.UNINSTALLED and not (present_only and not state.table_exists)
        ):
            installs.append(state.trigger.compile(state.model).sql)
        elif state.status == Status.INSTALLED and state.enabled is False:
            enables += _enable_sql([state.trigger.compile(state.model)], True)
    return pruned + compiler.install_batch_sql(installs, version) + enables


def uninstall(*uris: str, database: str | None = None) -> None:
    """Drop the registered triggers and their functions (all when no URI is given)."""
    alias = _alias(database)
    uninstall_compiled([t.compile(m) for m, t in _selected(uris, alias)], alias)


def enable(*uris: str, database: str | None = None, fires: Fires | str | None = None) -> None:
    """Enable installed triggers (``ALTER TABLE ... ENABLE [REPLICA | ALWAYS] TRIGGER``).

    Each trigger is enabled in its declared ``fires`` mode, unless ``fires`` (keyword-only)
    names another one for this database: ``status`` then reports the trigger ``OUTDATED``
    until an ``install`` puts the declared mode back.
    """
    alias = _alias(database)
    if fires is not None:
        fires = Fires.parse(fires)
    selection = _installed_selection(uris, alias)
    execute(_enable_sql([t.compile(m) for m, t in selection], True, fires), alias)


def disable(*uris: str, database: str | None = None) -> None:
    """Disable installed triggers (``ALTER TABLE ... DISABLE TRIGGER``)."""
    alias = _alias(database)
    set_enabled([t.compile(m) for m, t in _installed_selection(uris, alias)], False, alias)


def _installed_selection(
    uris: tuple[str, ...], database: str
) -> list[tuple[type[models.Model], Trigger]]:
    installed = {
        s.uri
        for s in status(*uris, database=database)
        if s.status in (Status.INSTALLED, Status.OUTDATED)
    }
    return [(m, t) for m, t in _selected(uris, database) if t.get_uri(m) in installed]


def _prune_sql(triggers: Iterable[InstalledTrigger]) -> list[str]:
    statements = []
    for trigger in triggers:
        pgid = sql.quote_ident(trigger.pgid)
        statements.append(f"DROP TRIGGER IF EXISTS {pgid} ON {trigger.qualified_table}")
        statements.append(
            f"DROP FUNCTION IF EXISTS {sql.quote_ident(trigger.function_schema)}.{pgid}()"
        )
    return statements


class PrunableTrigger(tuple[str, str, bool, str]):
    """A trigger to prune: 4.x's ``(table, pgid, enabled, database)`` tuple.

    ``table`` is the regclass text (as 4.x returned it), ``enabled`` whether it is enabled and
    ``database`` the alias. Attributes other than the tuple's come from the catalog's record,
    ``installed`` (an ``InstalledTrigger``): ``.pgid``, ``.schema``, ``.table`` (the bare
    table name), ``.qualified_table``, ...
    """

    installed: InstalledTrigger

    def __new__(cls, installed: InstalledTrigger, database: str) -> PrunableTrigger:
        self = super().__new__(
            cls, (installed.regclass, installed.pgid, installed.enabled, database)
        )
        self.installed = installed
        return self

    def __getattr__(self, name: str) -> Any:
        if name == "installed":  # not set yet (unpickling, copying)
            raise AttributeError(name)
        return getattr(self.installed, name)


def prunable(database: str | None = None) -> list[PrunableTrigger]:
    """Installed ``pgtrigger_*`` triggers that no registered trigger claims, as 4.x's tuples.

    Triggers of the search path's tables and of registered models' tables elsewhere.
    """
    if not is_postgres(database):
        return []
    return [
        PrunableTrigger(s.installed, _alias(database))
        for s in status(database=database)
        if s.status == Status.PRUNE and s.installed is not None
    ]


def prune(database: str | None = None) -> None:
    """Drop installed triggers that are no longer registered."""
    execute(_prune_sql(t.installed for t in prunable(database=database)), database)


_FINGERPRINT = re.compile(r"[0-9a-f]{64}")

_CATALOG_SQL = f"""
SELECT c.oid, n.nspname, c.relname, t.tgname, t.tgenabled <> 'D', t.tgenabled::text,
       obj_description(t.oid, 'pg_trigger'), p.prosrc, pn.nspname,
       ARRAY[t.tgtype::int, t.tgdeferrable::int, t.tginitdeferred::int]::text[]
         || ARRAY[t.tgoldtable::text, t.tgnewtable::text]
         || ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr::int2[])
                  ORDER BY a.attname),
       {compiler.FINGERPRINT_SQL.replace("%", "%%")},
       t.tgqual IS NOT NULL, t.tgconstraint <> 0, l.lanname, p.prosecdef,
       COALESCE(p.proconfig, '{{}}'), c.oid::regclass::text, obj_description(p.oid, 'pg_proc')
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
{compiler.FINGERPRINT_FROM}
WHERE t.tgname LIKE 'pgtrigger\\_%%' AND NOT t.tgisinternal AND t.tgparentid = 0
  AND (n.nspname = ANY(current_schemas(false)) OR c.oid IN (SELECT oid FROM resolved))
"""

# One round trip per database: the oids of the registered tables (to_regclass; NULL where a
# table is missing) and the catalog rows, as JSON text (decoded here, whatever the driver).
_READ_SQL = f"""
WITH resolved AS (
    SELECT r.tbl, to_regclass(r.tbl)::oid AS oid FROM unnest(%s::text[]) AS r(tbl)
), found AS ({_CATALOG_SQL})
SELECT (SELECT COALESCE(json_agg(json_build_array(tbl, oid)), '[]') FROM resolved)::text,
       (SELECT COALESCE(json_agg(found), '[]') FROM found)::text
"""


def _installed_trigger(row: Any) -> InstalledTrigger:
    """An ``InstalledTrigger`` from a row of ``_CATALOG_SQL``."""
    oid, schema, table, pgid, enabled, tgenabled, comment, source, function_schema, shape = row[:10]
    current_fingerprint, has_when, constraint, language, security_definer, config, rel = row[10:17]
    # The comment is "{hash} {fingerprint}" (``compiler.comments_sql``), or the hash alone: 4.x's,
    # whose fingerprint, when this package installed it, is the function's comment
    # (``compiler.function_fingerprint_sql``; a built-in's description is no fingerprint).
    hash, _, fingerprint = (comment or "").partition(" ")
    function_comment = row[17] or ""
    if not fingerprint and _FINGERPRINT.fullmatch(function_comment):
        fingerprint = function_comment
    return InstalledTrigger(
        oid,
        schema,
        table,
        pgid,
        enabled,
        hash or None,
        source,
        function_schema,
        tuple(shape),
        tgenabled,
        fingerprint=fingerprint or None,
        current_fingerprint=current_fingerprint or "",
        has_when=has_when,
        constraint=constraint,
        language=language,
        security_definer=security_definer,
        config=tuple(config),
        regclass=rel,
    )


def installed(tables: Iterable[str] = (), database: str | None = None) -> list[InstalledTrigger]:
    """Read every ``pgtrigger_*`` trigger of the search path (and of ``tables``) in one query."""
    if not is_postgres(database):
        return []
    return list(_read_catalog(tables, _alias(database))[1])


def _read_catalog(
    tables: Iterable[str], database: str
) -> tuple[dict[str, int | None], list[InstalledTrigger]]:
    with connections[database].cursor() as cursor:
        cursor.execute(_READ_SQL, [sorted({sql.quote_table(table) for table in tables})])
        resolved, found = cursor.fetchone()
    oids = {tbl: oid for tbl, oid in json.loads(resolved)}
    # json_agg writes each row as an object of its columns, in order; several share a name
    # (json keeps them all), so the values are read as pairs, by position.
    values = json.loads(found, object_pairs_hook=lambda pairs: [value for _, value in pairs])
    rows = [_installed_trigger(row) for row in values]
    return oids, rows


def status(*uris: str, database: str | None = None) -> list[TriggerStatus]:
    """The status of registered triggers (all when no URI is given) and of triggers to prune."""
    with memo.one_pass():
        return _status(uris, _alias(database))


def _status(uris: tuple[str, ...], alias: str) -> list[TriggerStatus]:
    selected = registry.registered(*uris)
    if not is_postgres(alias):
        return [TriggerStatus(t.get_uri(m), Status.UNALLOWED, None, m, t) for m, t in selected]
    oids, rows = _read_catalog((t.get_table(m) for m, t in selected), alias)
    by_key = {(row.table_oid, row.pgid): row for row in rows}
    claimed: set[tuple[int, str]] = set()
    result = []
    for model, trigger in registry.registered():
        table_oid = oids.get(sql.quote_table(trigger.get_table(model)))
        if table_oid is not None:
            claimed.add((table_oid, trigger.get_pgid(model)))
    migrated = MigratedTriggers(alias)
    for model, trigger in selected:
        result.append(_status_of(model, trigger, alias, oids, by_key, migrated))
    if not uris:
        for row in rows:
            if (row.table_oid, row.pgid) not in claimed:
                uri = f"{row.regclass}:{row.pgid}"  # the table as 4.x printed it
                result.append(TriggerStatus(uri, Status.PRUNE, row.enabled, installed=row))
    return result


def _status_of(
    model: type[models.Model],
    trigger: Trigger,
    database: str,
    oids: dict[str, int | None],
    by_key: dict[tuple[int, str], InstalledTrigger],
    migrated: MigratedTriggers | None = None,
) -> TriggerStatus:
    uri = trigger.get_uri(model)
    if not _allowed(model, database):
        return TriggerStatus(uri, Status.UNALLOWED, None, model, trigger)
    table_oid = oids.get(sql.quote_table(trigger.get_table(model)))
    row = by_key.get((table_oid, trigger.get_pgid(model))) if table_oid else None
    if row is None:
        return TriggerStatus(
            uri, Status.UNINSTALLED, None, model, trigger, table_exists=bool(table_oid)
        )
    migrated = migrated or MigratedTriggers(database)
    # The drift reported for an outdated trigger is against what the declaration compiles to.
    reported: tuple[Drift, ...] | None = None
    for expected in expected_sql(model, trigger, migrated):
        found = tuple(installed_drift(expected, row, model, trigger))
        if not set(found) - NOT_OUTDATED:
            # A disabled trigger is INSTALLED (4.x's status) with enabled False: install
            # enables it.
            return TriggerStatus(
                uri, Status.INSTALLED, row.enabled, model, trigger, row, drift=found
            )
        reported = found if reported is None else reported
    return TriggerStatus(
        uri, Status.OUTDATED, row.enabled, model, trigger, row, drift=reported or ()
    )


def expected_sql(
    model: type[models.Model], trigger: Trigger, migrated: MigratedTriggers
) -> Iterator[TriggerSql]:
    """The SQL an installed trigger may have and still be current: its declaration's.

    A trigger is current when its declaration is unchanged, whichever compiler wrote its
    migration. In order (each computed only if the ones before do not match): the SQL the
    declaration compiles to now; 4.x's compiled form of the same declaration (installed by 4.x,
    or by a migration file 4.x wrote); the SQL of the migration files (the latest migration
    state) when it was compiled from the same declaration (by an older SQL generator of this
    package, or by 4.x). How the catalog is compared with each is :func:`installed_matches`.
    """
    compiled = trigger.compile(model).sql
    yield compiled
    legacy = trigger.compile_4x(model)
    if legacy is not None:
        yield legacy.sql
    state = migrated.get(model, str(trigger.name))
    if state is not None and state.declaration_key in (
        compiled.declaration,
        legacy.sql.hash if legacy is not None else None,
    ):
        yield state


def installed_drift(
    expected: TriggerSql, row: InstalledTrigger, model: type[models.Model], trigger: Trigger
) -> list[Drift]:
    """How the installed trigger ``row`` differs from ``expected`` (any ``TriggerSql``)."""
    from pgtrigger.compiler import UpsertTriggerSql

    shape = (
        _upsert_shape(expected)
        if isinstance(expected, UpsertTriggerSql)
        else _expected_shape(model, trigger)
    )
    return drift(expected, row, shape)


class MigratedTriggers:
    """The compiled triggers of the latest migration state, read once and only when asked."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._state: Any = None

    def get(self, model: type[models.Model], name: str) -> TriggerSql | None:
        if self._state is None:
            # Once per pass: install reads the status again under its lock.
            self._state = memo.cached("migration state", self.database, None, self._load)
        model_state = self._state.models.get((model._meta.app_label, model._meta.model_name))
        for compiled in (model_state.options.get("triggers") or []) if model_state else []:
            if getattr(compiled, "name", None) == name and hasattr(compiled, "sql"):
                return compiled.sql
        return None

    def _load(self) -> Any:
        from django.db.migrations.loader import MigrationLoader
        from django.db.migrations.state import ProjectState

        try:
            loader = MigrationLoader(connections[self.database], ignore_no_migrations=True)
            return loader.project_state()
        except Exception:  # no readable migrations: nothing to compare with
            return ProjectState()


def trigger_status(
    model: type[models.Model], trigger: Trigger, database: str | None = None
) -> TriggerStatus:
    """The status of ``trigger`` on ``model``, registered or not (one catalog query)."""
    alias = _alias(database)
    oids, rows = _read_catalog([trigger.get_table(model)], alias)
    by_key = {(row.table_oid, row.pgid): row for row in rows}
    return _status_of(model, trigger, alias, oids, by_key)


def expected_tgenabled(fires: Fires | str) -> str:
    """The ``pg_trigger.tgenabled`` code of a trigger enabled in ``fires`` mode."""
    return Fires.parse(fires).tgenabled


_EVENT_BITS = {"INSERT": 4, "DELETE": 8, "UPDATE": 16, "TRUNCATE": 32}


def _upsert_shape(expected: Any) -> tuple[Any, ...]:
    """``InstalledTrigger.shape`` of a trigger in 4.x's compiled form (``UpsertTriggerSql``)."""
    tgtype = 1 if expected.level == "ROW" else 0
    tgtype |= 2 if expected.when == "BEFORE" else 64 if expected.when == "INSTEAD OF" else 0
    columns: list[str] = []
    for operation in expected.operation.split(" OR "):
        name, _, of = operation.partition(" OF ")
        tgtype |= _EVENT_BITS[name.strip()]
        columns += [column.strip().strip('"') for column in of.split(",") if column.strip()]
    words = expected.referencing.split()
    old = words[words.index("OLD") + 3] if "OLD" in words else None
    new = words[words.index("NEW") + 3] if "NEW" in words else None
    return (
        str(tgtype),
        str(int("DEFERRABLE" in expected.timing)),
        str(int("INITIALLY DEFERRED" in expected.timing)),
        old,
        new,
        *sorted(set(columns)),
    )


def _expected_shape(model: type[models.Model], trigger: Trigger) -> tuple[Any, ...]:
    """``InstalledTrigger.shape`` as the declaration implies it.

    The hash in the comment and the function source do not change when the trigger itself is
    replaced by hand (``CREATE OR REPLACE TRIGGER`` with other events, level or timing).
    """
    operations = trigger.get_operation(model).operations
    tgtype = 1 if trigger.level == Row else 0
    tgtype |= 2 if trigger.when == Before else 64 if trigger.when == InsteadOf else 0
    columns: list[str] = []
    for operation in operations:
        tgtype |= _EVENT_BITS["UPDATE" if isinstance(operation, UpdateOf) else operation.name]
        if isinstance(operation, UpdateOf):
            columns += operation.columns(model)
    referencing = trigger.get_referencing(model)
    return (
        str(tgtype),
        str(int(trigger.timing is not None)),
        str(int(trigger.timing == Deferred)),
        referencing.old_table if referencing else None,
        referencing.new_table if referencing else None,
        *sorted(set(columns)),
    )
