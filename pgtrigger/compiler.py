"""Compiled triggers: the SQL a declaration installs, in the form migrations serialize.

A compiled trigger is pure data. Migration files keep the function body and the trigger
definition verbatim, so an old migration applies what it applied when it was written, whatever
the library version. ``UpsertTriggerSql`` reads migration files written by django-pgtrigger 4.x.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from pgtrigger import compat4x, sql
from pgtrigger import settings as pgtrigger_settings
from pgtrigger.primitives import Fires


class _Data:
    """Keyword-only value object that deconstructs for migration files."""

    _fields: tuple[str, ...] = ()

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, Any]]:
        kwargs = {name: getattr(self, name) for name in self._fields}
        return f"pgtrigger.compiler.{type(self).__name__}", (), kwargs

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash(repr(self.deconstruct()))

    def __repr__(self) -> str:
        kwargs = ", ".join(f"{k}={v!r}" for k, v in self.deconstruct()[2].items())
        return f"{type(self).__name__}({kwargs})"


# What the catalog says of an installed trigger that neither its hash nor the columns
# ``pgtrigger.installation`` compares cover, as PostgreSQL itself renders it: the WHEN clause of
# pg_get_triggerdef (from "FOR EACH" up to the last "EXECUTE FUNCTION", a span that names no
# schema, so the search path does not change it) and the function's configuration (proconfig).
# Two md5s, recorded in the trigger's comment when it is installed (``comments_sql``), compared
# with the live catalog by ``installation.status``. ``t`` is the pg_trigger row, ``p`` its pg_proc;
# ``FINGERPRINT_FROM`` joins what ``FINGERPRINT_SQL`` reads (OFFSET 0 keeps PostgreSQL from
# inlining it, which would render the definition once per use).
FINGERPRINT_FROM = (
    "CROSS JOIN LATERAL (SELECT pg_catalog.substr(d, pg_catalog.strpos(d, ' FOR EACH ')) AS tail "
    "FROM (SELECT pg_catalog.pg_get_triggerdef(t.oid) AS d OFFSET 0) def OFFSET 0) span"
)
FINGERPRINT_SQL = (
    "pg_catalog.md5(pg_catalog.left(span.tail, pg_catalog.length(span.tail) + 1 - 18 "
    "- pg_catalog.strpos(pg_catalog.reverse(span.tail), ' NOITCNUF ETUCEXE '))) || "
    "pg_catalog.md5(COALESCE(pg_catalog.array_to_string(p.proconfig, pg_catalog.chr(10)), ''))"
)


def _fingerprint_query(pgid: str, quoted_table: str) -> str:
    """SQL of the fingerprint of the installed trigger ``pgid`` on ``quoted_table``."""
    return (
        f"(SELECT {FINGERPRINT_SQL} "
        "FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid "
        f"{FINGERPRINT_FROM} "
        f"WHERE t.tgrelid = pg_catalog.to_regclass({sql.quote_literal(quoted_table)}) "
        f"AND t.tgname = {sql.quote_literal(pgid)})"
    )


def comments_sql(triggers: Iterable[tuple[str, str, str]]) -> str:
    """``COMMENT ON TRIGGER`` for each ``(pgid, table, hash)``: ``"{hash} {fingerprint}"``, the
    fingerprint read from the catalog, in one block.

    Run after the triggers and their functions are (re)created, in the same transaction: the
    fingerprint is PostgreSQL's rendering of what was just installed (``FINGERPRINT_SQL``).
    """
    values = _values((pgid, sql.quote_table(table), hash) for pgid, table, hash in triggers)
    return (
        "DO $pgtrigger$ DECLARE r record; BEGIN FOR r IN SELECT t.tgname, t.tgrelid, "
        f"v.hash || ' ' || {FINGERPRINT_SQL} AS comment "
        f"FROM (VALUES {values}) AS v(pgid, tbl, hash) JOIN pg_catalog.pg_trigger t "
        "ON t.tgname = v.pgid AND t.tgrelid = pg_catalog.to_regclass(v.tbl) "
        f"JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid {FINGERPRINT_FROM} "
        "LOOP EXECUTE pg_catalog.format('COMMENT ON TRIGGER %I ON %s IS %L', r.tgname, "
        "r.tgrelid::pg_catalog.regclass, r.comment); END LOOP; END $pgtrigger$"
    )


def drop_constraint_triggers_sql(triggers: Iterable[tuple[str, str]]) -> str:
    """Drop the constraint triggers named by ``(pgid, table)``, in one block: a plain trigger
    cannot replace a constraint trigger of the same name."""
    values = _values((pgid, sql.quote_table(table)) for pgid, table in triggers)
    return (
        "DO $pgtrigger$ DECLARE r record; BEGIN FOR r IN SELECT t.tgname, t.tgrelid "
        f"FROM pg_catalog.pg_trigger t JOIN (VALUES {values}) AS v(pgid, tbl) "
        "ON t.tgname = v.pgid AND t.tgrelid = pg_catalog.to_regclass(v.tbl) "
        "WHERE t.tgconstraint <> 0 LOOP EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', "
        "r.tgname, r.tgrelid::pg_catalog.regclass); END LOOP; END $pgtrigger$"
    )


def _values(rows: Iterable[Iterable[str]]) -> str:
    return ", ".join("(" + ", ".join(sql.quote_literal(v) for v in row) + ")" for row in rows)


def function_fingerprint_sql(pgid: str, table: str) -> str:
    """``COMMENT ON FUNCTION pgid()``: the fingerprint, for the 4.x layout.

    A trigger of 4.x's layout keeps 4.x's comment, its hash alone, so that 4.x's ``ls`` still
    calls it ``INSTALLED`` after a rollback; its fingerprint goes on its function instead.
    """
    prefix = f"COMMENT ON FUNCTION {sql.quote_ident(pgid)}() IS "
    query = _fingerprint_query(pgid, sql.quote_table(table))
    return (
        f"DO $pgtrigger$ BEGIN EXECUTE {sql.quote_literal(prefix)} || "
        f"pg_catalog.quote_literal({query}); END $pgtrigger$"
    )


class TriggerSql(_Data):
    """The SQL of one trigger and its function.

    ``function`` is the PL/pgSQL source (``DECLARE ... BEGIN ... END;``) of the function named
    ``pgid``; the trigger is ``CREATE TRIGGER pgid {event} ON table {body}``. ``fires`` is
    ``"ORIGIN"`` (what ``CREATE TRIGGER`` installs), ``"REPLICA"`` or ``"ALWAYS"``; it is left out
    of the migration file and of the hash when it is ``"ORIGIN"``, so the files and hashes of
    triggers that do not set it stay as they were.

    ``declaration`` is the fingerprint of the declaration the SQL was compiled from
    (:func:`pgtrigger.fingerprint.declaration`): it does not change when this package's SQL
    generator does, so a trigger whose migration holds older SQL of the same declaration is
    still current. Left out of the file (and of ``hash``) when absent, as in files written
    before it existed.
    """

    _fields: tuple[str, ...] = (
        "pgid",
        "table",
        "event",
        "body",
        "function",
        "constraint",
        "hash",
        "fires",
        "declaration",
    )

    def __init__(
        self,
        *,
        pgid: str,
        table: str,
        event: str,
        body: str,
        function: str,
        constraint: bool = False,
        hash: str | None = None,
        fires: str = "ORIGIN",
        declaration: str | None = None,
    ) -> None:
        self.pgid = pgid
        self.table = table
        self.event = event
        self.body = body
        self.function = function
        self.constraint = constraint
        self.fires = Fires.parse(fires).name
        self.declaration = declaration
        self.hash = hash or self.compute_hash()

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        if kwargs.get("fires") == "ORIGIN":
            del kwargs["fires"]
        if kwargs.get("declaration") is None:
            kwargs.pop("declaration", None)
        return path, args, kwargs

    @property
    def declaration_key(self) -> str | None:
        """The fingerprint of the declaration this SQL compiles (None when unknown)."""
        return self.declaration

    def same_sql(self, other: TriggerSql) -> bool:
        """Whether ``other`` is the same SQL, whatever the declaration fingerprints say."""
        mine, theirs = self.deconstruct(), other.deconstruct()
        mine[2].pop("declaration", None)
        theirs[2].pop("declaration", None)
        return type(other) is type(self) and mine == theirs

    def compute_hash(self) -> str:
        parts = [self.pgid, self.table, self.event, self.body, self.function, str(self.constraint)]
        if self.fires != "ORIGIN":
            parts.append(self.fires)
        return hashlib.sha1("\n".join(parts).encode()).hexdigest()

    def with_table(self, table: str) -> TriggerSql:
        """The same trigger on another table (a renamed model's)."""
        kwargs = self.deconstruct()[2]
        if table == self.table:
            return self
        kwargs.update(table=table, hash=None)
        return type(self)(**kwargs)

    # --- statements -----------------------------------------------------------------------------
    def function_sql(self) -> str:
        # Logical replication workers run with an empty search_path: a trigger that fires for
        # replicated rows keeps the installing session's, so the unqualified table names of
        # its body (and of the recipes') resolve as they do for local writes.
        pinned = " SET search_path FROM CURRENT" if self.fires != "ORIGIN" else ""
        return (
            f"CREATE OR REPLACE FUNCTION {sql.quote_ident(self.pgid)}() RETURNS TRIGGER AS "
            f"{sql.dollar_quote(self.function)} LANGUAGE plpgsql{pinned}"
        )

    def trigger_sql(self, *, replace: bool) -> str:
        create = (
            "CREATE CONSTRAINT TRIGGER"
            if self.constraint
            else ("CREATE OR REPLACE TRIGGER" if replace else "CREATE TRIGGER")
        )
        return (
            f"{create} {sql.quote_ident(self.pgid)} {self.event} "
            f"ON {sql.quote_table(self.table)} {self.body}"
        )

    def enable_sql(self, enabled: bool = True) -> str:
        """``ALTER TABLE ... ENABLE [REPLICA | ALWAYS] TRIGGER`` (``fires``) or ``DISABLE``."""
        keyword = Fires.parse(self.fires).keyword if enabled else ""
        action = " ".join(filter(None, ["ENABLE" if enabled else "DISABLE", keyword]))
        table, pgid = sql.quote_table(self.table), sql.quote_ident(self.pgid)
        return f"ALTER TABLE {table} {action} TRIGGER {pgid}"

    def drop_trigger_sql(self) -> str:
        return (
            f"DROP TRIGGER IF EXISTS {sql.quote_ident(self.pgid)} ON {sql.quote_table(self.table)}"
        )

    def comment_sql(self) -> str:
        """The comment that records the hash and the catalog's fingerprint (``comments_sql``)."""
        return comments_sql([(self.pgid, self.table, self.hash)])

    def prelude_sql(self) -> list[str]:
        return []

    def replaced_in_place(self, server_version: int) -> bool:
        """Whether ``CREATE OR REPLACE TRIGGER`` installs it (PostgreSQL 14+, not for
        constraint triggers), rather than a drop and a create."""
        return server_version >= 140000 and not self.constraint

    def create_sql(self, server_version: int) -> list[str]:
        """The function and the trigger, created or replaced."""
        replace = self.replaced_in_place(server_version)
        statements = [self.function_sql()]
        if not replace:
            statements.append(self.drop_trigger_sql())
        statements.append(self.trigger_sql(replace=replace))
        return statements

    def fires_sql(self) -> list[str]:
        """The declared ``fires`` mode, set once the trigger exists (``CREATE [OR REPLACE]
        TRIGGER`` always installs an ``ORIGIN`` trigger)."""
        return [self.enable_sql()] if self.fires != "ORIGIN" else []

    def install_sql(self, server_version: int = 140000) -> list[str]:
        """Statements that create or replace the trigger in place.

        On PostgreSQL 14+ a plain trigger is replaced with ``CREATE OR REPLACE TRIGGER`` so the
        table is never without it (a constraint trigger of the same name is dropped first).
        Constraint triggers cannot be replaced and are re-created; within the installing
        transaction no other session sees the gap.
        """
        return install_batch_sql([self], server_version)

    def uninstall_sql(self) -> list[str]:
        return [self.drop_trigger_sql(), f"DROP FUNCTION IF EXISTS {sql.quote_ident(self.pgid)}()"]


def install_batch_sql(triggers: Sequence[TriggerSql], server_version: int) -> list[str]:
    """The statements that install ``triggers``, sent as one batch.

    The catalog check (constraint triggers to drop) and the comments of this package's
    triggers are one ``DO`` block each for the whole batch, before and after the triggers are
    created: PL/pgSQL compiles an anonymous block each time it runs one, and two per trigger
    were most of an install's time. Triggers of 4.x's layout keep their own statements.
    """
    ours = [t for t in triggers if type(t) is TriggerSql]
    replaced = [(t.pgid, t.table) for t in ours if t.replaced_in_place(server_version)]
    statements = [drop_constraint_triggers_sql(replaced)] if replaced else []
    for trigger in triggers:
        if type(trigger) is TriggerSql:
            statements += trigger.create_sql(server_version)
        else:
            statements += trigger.install_sql(server_version)
    if ours:
        statements.append(comments_sql((t.pgid, t.table, t.hash) for t in ours))
    return statements + [stmt for t in ours for stmt in t.fires_sql()]


class Trigger(_Data):
    """A compiled trigger as stored in migration state: its name and its SQL."""

    _fields = ("name", "sql")

    def __init__(self, *, name: str, sql: TriggerSql) -> None:
        self.name = name
        self.sql = sql

    @property
    def pgid(self) -> str:
        return self.sql.pgid

    @property
    def table(self) -> str:
        return self.sql.table

    @property
    def hash(self) -> str:
        return self.sql.hash


# 4.x's shared ignore function, as its installation template writes it.
_LEGACY_IGNORE_FUNC = compat4x.ignore_function_template()


def _qualify(ignore_func_name: str) -> str:
    """The 4.x ignore function's name, in ``PGTRIGGER_SCHEMA`` unless the file names a schema.

    As in 4.x, one shared function serves every schema: tenants' search paths need not hold it.
    """
    if "." in ignore_func_name:
        return ignore_func_name
    schema = pgtrigger_settings.schema()
    return f"{sql.quote_ident(schema)}.{ignore_func_name}" if schema else ignore_func_name


class UpsertTriggerSql(TriggerSql):
    """A trigger as django-pgtrigger 4.x serialized it in migration files.

    Migration files written by 4.x keep importing and applying: the keyword arguments are the ones
    those files pass, and the installed SQL is the 4.x layout (an ignore check in the function
    body through a shared ``_pgtrigger_should_ignore`` function).
    """

    _fields = (
        "ignore_func_name",
        "pgid",
        "declare",
        "func",
        "hash",
        "operation",
        "table",
        "when",
        "condition",
        "level",
        "referencing",
        "timing",
        "constraint",
        "execute",
    )

    def __init__(
        self,
        *,
        ignore_func_name: str = "_pgtrigger_should_ignore",
        pgid: str,
        declare: str | None = None,
        func: str,
        hash: str | None = None,
        operation: str,
        table: str,
        when: str,
        condition: str | None = None,
        level: str | None = None,
        referencing: str | None = None,
        timing: str | None = None,
        constraint: str | None = None,
        execute: str | None = None,
    ) -> None:
        self._given = {
            key: value
            for key, value in locals().items()
            if key not in ("self", "__class__") and value is not None
        }
        if ignore_func_name == "_pgtrigger_should_ignore":
            self._given.pop("ignore_func_name")
        self.ignore_func_name = ignore_func_name
        qualified_ignore_func = _qualify(ignore_func_name)
        self.declare = declare or ""
        self.func = func
        self.operation = operation
        self.when = when
        self.condition = condition or ""
        self.level = level or "ROW"
        self.referencing = referencing or ""
        self.timing = timing or ""
        self.execute = execute or f"{pgid}()"
        is_constraint = bool(constraint and constraint.strip())
        body = " ".join(
            part
            for part in (
                self.timing,
                self.referencing,
                f"FOR EACH {self.level}",
                self.condition,
                f"EXECUTE PROCEDURE {self.execute}",
            )
            if part
        )
        # The function's source exactly as 4.x installs it: a trigger installed by 4.x and one
        # installed here from the same file are the same.
        function = compat4x.function_source(self.declare, qualified_ignore_func, func)
        super().__init__(
            pgid=pgid,
            table=table,
            event=f"{when} {operation}",
            body=body,
            function=function,
            constraint=is_constraint,
            hash=hash,
        )
        self.constraint = constraint  # type: ignore[assignment]

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, Any]]:
        # Exactly the keyword arguments given (a 4.x file's, or compat4x's rendering), so a
        # file written from them is what 4.x writes, and 4.x reads it back unchanged.
        path = f"pgtrigger.compiler.{type(self).__name__}"
        return path, (), {**self._given, "hash": self.hash}

    @property
    def declaration_key(self) -> str | None:
        # 4.x's hash covers its whole rendering of the declaration: it is the fingerprint of
        # every declaration 4.x could express (see pgtrigger.fingerprint).
        return self.hash

    def prelude_sql(self) -> list[str]:
        return [_LEGACY_IGNORE_FUNC.format(ignore_func_name=_qualify(self.ignore_func_name))]

    def install_sql(self, server_version: int = 140000) -> list[str]:
        # 4.x layout is always drop-and-create, as those migrations did.
        statements = [*self.prelude_sql(), self.function_sql(), self.drop_trigger_sql()]
        create = "CREATE CONSTRAINT TRIGGER" if self.constraint else "CREATE TRIGGER"
        statements.append(
            f"{create} {sql.quote_ident(self.pgid)} {self.event} "
            f"ON {sql.quote_table(self.table)} {self.body}"
        )
        # 4.x's comment (the hash alone, as 4.x's ls reads it); the fingerprint on the function.
        statements.append(
            f"COMMENT ON TRIGGER {sql.quote_ident(self.pgid)} ON {sql.quote_table(self.table)} "
            f"IS {sql.quote_literal(self.hash)}"
        )
        statements.append(function_fingerprint_sql(self.pgid, self.table))
        return statements

    def with_table(self, table: str) -> TriggerSql:
        if table == self.table:
            return self
        kwargs = self.deconstruct()[2]
        kwargs["table"] = table
        return UpsertTriggerSql(**kwargs)
