"""Statements that act on the tables of the schema the trigger fired in, whatever ``search_path``.

A recipe that names a table by its bare name (``UPDATE "t" ...``) would resolve it through the
``search_path`` of the session that fires the trigger: with the same table in two schemas (one
schema per tenant), ``DELETE FROM a.t`` run while ``search_path`` is ``b`` would update
``b.t``. Here every unqualified table a statement names is taken from the schema of the table
the trigger fired for (``TG_TABLE_SCHEMA``).

The statement stays static SQL, whose plan PL/pgSQL caches, whenever the bare names already
resolve to those tables (the usual case: the writing session's ``search_path`` finds the
table). Otherwise the same statement runs through ``EXECUTE format(...)`` with the schema
substituted, and row values passed as parameters.
"""

from __future__ import annotations

from collections.abc import Callable

from pgtrigger import sql

_TOKEN = "\x00{}\x00"


class Refs:
    """Renders table and value references for one form (static or dynamic) of a statement."""

    def __init__(self, dynamic: bool) -> None:
        self.dynamic = dynamic
        self.tables: list[str] = []  # unqualified table names, in order of first use
        self.params: list[str] = []  # PL/pgSQL expressions passed with USING

    def table(self, db_table: str) -> str:
        """A reference to the Django ``db_table``."""
        schema, name = sql.split_table(db_table)
        if schema is not None:
            quoted = sql.quote_table(db_table)
            return quoted.replace("%", "%%") if self.dynamic else quoted
        if name not in self.tables:
            self.tables.append(name)
        return _TOKEN.format(self.tables.index(name)) if self.dynamic else sql.quote_ident(name)

    def value(self, expression: str) -> str:
        """A PL/pgSQL value (``OLD."id"``): inline when static, a ``$n`` parameter when dynamic."""
        if not self.dynamic:
            return expression
        if expression not in self.params:
            self.params.append(expression)
        return f"${self.params.index(expression) + 1}"


# Every bare name resolves to the table wanted when the fired table's schema is the first of
# the search path and the session has no temporary schema to look in before it (pg_catalog,
# searched first too, holds only pg_* names; names like that skip this check): two cheap
# calls, where the to_regclass() lookups cost a tenth of a SoftDelete's time per row.
_FIRED_SCHEMA_FIRST = "(pg_my_temp_schema() = 0 AND TG_TABLE_SCHEMA = current_schema())"


def _in_fired_schema(name: str) -> str:
    """The oid of table ``name`` in the fired table's schema (NULL when there is none)."""
    suffix = sql.quote_literal("." + sql.quote_ident(name))
    return f"to_regclass(quote_ident(TG_TABLE_SCHEMA) || {suffix})"


def _by_search_path(name: str) -> str:
    return f"to_regclass({sql.quote_literal(sql.quote_ident(name))})"


def _wanted(name: str) -> str:
    """The table ``name`` should denote: the fired schema's, else the search path's."""
    return f"coalesce({_in_fired_schema(name)}, {_by_search_path(name)})"


def statement(
    own_table: str, render: Callable[[Refs], str], indent: str = "    ", perform: bool = False
) -> str:
    """PL/pgSQL running the SQL ``render(refs)`` builds on the fired schema's tables.

    ``own_table`` is the ``db_table`` the trigger is declared on; ``render`` names tables with
    ``refs.table(db_table)`` and row values with ``refs.value(expression)``, and is called once
    per form. ``perform=True`` runs a ``SELECT`` for its effect (locks, ``ROW_COUNT``): the
    static form becomes ``PERFORM``. Schema-qualified tables are left as they are. An
    unqualified table is the one of the fired table's schema; a table that schema lacks (a
    shared table in ``public`` referenced from a tenant's schema) is looked up through
    ``search_path``.
    """
    static_refs, dynamic_refs = Refs(dynamic=False), Refs(dynamic=True)
    static = render(static_refs)
    if perform:
        static = "PERFORM " + static.removeprefix("SELECT ")
    if not static_refs.tables:
        return f"{static};"
    dynamic = render(dynamic_refs).replace("%", "%%")
    for index in range(len(dynamic_refs.tables)):
        dynamic = dynamic.replace(_TOKEN.format(index), f"%{index + 1}$s")
    checks = []
    own_schema, own_name = sql.split_table(own_table)
    # The fired table first: its check is the cheap one.
    for name in sorted(static_refs.tables, key=lambda name: name != own_name):
        resolved = f"{_by_search_path(name)} IS NOT DISTINCT FROM {_wanted(name)}"
        if own_schema is None and name == own_name:
            # TG_RELID costs nothing: the usual case (the name resolves to the fired table)
            # skips the schema lookup. A partition fires with its own oid and takes the second.
            resolved = f"(TG_RELID = {_by_search_path(name)} OR {resolved})"
        checks.append(resolved)
    if not any(name.startswith("pg_") for name in static_refs.tables):
        checks = [f"({_FIRED_SCHEMA_FIRST} OR {' AND '.join(checks)})"]
    tables = "".join(f", {_wanted(name)}::text" for name in dynamic_refs.tables)
    using = f" USING {', '.join(dynamic_refs.params)}" if dynamic_refs.params else ""
    return (
        f"IF {' AND '.join(checks)} THEN\n"
        f"{indent}    {static};\n"
        f"{indent}ELSE\n"
        f"{indent}    EXECUTE format({sql.quote_literal(dynamic)}{tables}){using};\n"
        f"{indent}END IF;"
    )
