"""Quoting helpers: every identifier and literal that reaches generated SQL goes through here."""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

IGNORE_SETTING = "pgtrigger.ignore"
CONTEXT_SETTING = "pgtrigger.context"


def quote_ident(name: str) -> str:
    """Quote an identifier, doubling embedded quotes.

    A name already wrapped in double quotes is taken as quoted, which is Django's own convention
    for schema-qualified tables (``db_table = '"schema"."table"'``).
    """
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a text literal for PostgreSQL (standard-conforming strings)."""
    if "\\" in value:
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + value.replace("'", "''") + "'"


def split_table(db_table: str) -> tuple[str | None, str]:
    """Split a Django ``db_table`` into ``(schema or None, table)``.

    Handles Django's pre-quoted ``'"schema"."table"'`` form as well as plain names.
    """
    match = re.fullmatch(r'"((?:[^"]|"")+)"\."((?:[^"]|"")+)"', db_table)
    if match:
        return match.group(1).replace('""', '"'), match.group(2).replace('""', '"')
    if len(db_table) >= 2 and db_table.startswith('"') and db_table.endswith('"'):
        return None, db_table[1:-1].replace('""', '"')
    return None, db_table


def quote_table(db_table: str) -> str:
    """Quote a Django ``db_table`` (optionally schema-qualified) as SQL."""
    schema, table = split_table(db_table)
    if schema is None:
        return quote_ident(table)
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def literal(value: Any) -> str:
    """Render a Python value as a SQL literal.

    Common types are rendered here, identically whichever driver is installed, so migration
    files and installed triggers do not change with the driver (psycopg2, without a connection,
    would also escape backslashes as if ``standard_conforming_strings`` were off). Other values
    go to the driver's adapters.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            special = str(value).replace("inf", "Infinity").replace("nan", "NaN")
            return f"{quote_literal(special)}::float8"
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else f"{quote_literal(str(value))}::numeric"
    if isinstance(value, str):
        return quote_literal(value)
    if isinstance(value, datetime.datetime):
        kind = "timestamptz" if value.tzinfo is not None else "timestamp"
        return f"{quote_literal(value.isoformat())}::{kind}"
    if isinstance(value, datetime.date):
        return f"{quote_literal(value.isoformat())}::date"
    if isinstance(value, datetime.time):
        return f"{quote_literal(value.isoformat())}::time"
    if isinstance(value, datetime.timedelta):
        return f"{quote_literal(f'{value.total_seconds()} seconds')}::interval"
    if isinstance(value, uuid.UUID):
        return f"{quote_literal(str(value))}::uuid"
    if isinstance(value, (list, tuple)) and value:
        return "ARRAY[" + ", ".join(literal(item) for item in value) + "]"
    json_text = _json_text(value)
    if json_text is not None:
        return f"{quote_literal(json_text)}::jsonb"
    return _driver_literal(value)


def _json_text(value: Any) -> str | None:
    """The JSON text of a driver's JSON wrapper (what Django's ``JSONField`` passes)."""
    dumps = getattr(value, "dumps", None)
    if hasattr(value, "obj") and callable(dumps):  # psycopg 3 Json/Jsonb
        return str(dumps(value.obj))
    if hasattr(value, "adapted") and callable(dumps):  # psycopg2 Json
        return str(dumps(value.adapted))
    return None


def _driver_literal(value: Any) -> str:
    try:
        from psycopg import sql as psycopg_sql
    except ImportError:  # pragma: no cover - psycopg2 installs
        import psycopg2.extensions

        quoted = psycopg2.extensions.adapt(value).getquoted()
        return quoted.decode() if isinstance(quoted, bytes) else str(quoted)
    return psycopg_sql.Literal(value).as_string(None).strip()


def interpolate(sql: str, params: Sequence[Any]) -> str:
    """Inline ``params`` into a ``%s``-style query as escaped literals.

    Trigger definitions cannot carry bind parameters, so conditions compiled by Django's query
    compiler are rendered with each parameter adapted by the database driver.
    """
    return sql % tuple(literal(param) for param in params)


def dollar_quote(body: str, tag: str = "pgtrigger") -> str:
    """Wrap ``body`` in dollar quotes with a tag that does not occur in it."""
    candidate, n = tag, 0
    while f"${candidate}$" in body:
        n += 1
        candidate = f"{tag}{n}"
    return f"${candidate}${body}${candidate}$"


def join_idents(names: Iterable[str]) -> str:
    return ", ".join(quote_ident(name) for name in names)
