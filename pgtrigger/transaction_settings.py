"""Send settings transaction-locally, in the same request as the query they are for.

``pgtrigger.ignore()`` and ``pgtrigger.schema()`` need settings (``pgtrigger.ignore``,
``search_path``) to hold for the queries of their block and for nothing else. Every value is
sent with ``set_config(name, value, true)``: it ends with its transaction, so it cannot outlive
the query it is for or reach another client of a transaction-pooling PgBouncer, which may hand
the server connection to another client between transactions. ``set_config(..., false)`` and
plain ``SET`` are never sent.

The value has to be set in the query's own transaction, in the same round trip:

- in autocommit mode, every query is its own transaction and carries the values;
- inside a transaction, the values are sent with its first query, and again only when they
  change (a block is entered or left) or when a rolled-back savepoint may have undone them.
  Leaving a block puts back the value from before the transaction's first change, which a
  helper setting (``pgtrigger.outer_<name>``) keeps for the transaction.

How the ``SELECT set_config(...)`` travels with the query, by measurement (``make bench``):

- **prefix**: ``SELECT set_config(...); <query>`` in one request, where parameters are bound
  on the client (psycopg 3's default, psycopg2) or there are none. PostgreSQL runs a
  multi-statement request as one implicit transaction in autocommit mode. The cheapest option.
- **pipeline**: psycopg 3 server-side binding with parameters, and psycopg 3's ``executemany``,
  refuse multi-statement queries; both statements go in one psycopg pipeline with a single
  sync, which PostgreSQL also runs as one implicit transaction.
- **separate statement**: named cursors (``QuerySet.iterator()``), whose ``DECLARE`` takes a
  single statement and cannot be pipelined. Inside a transaction this costs one round trip per
  transaction; in autocommit mode the ``DECLARE`` is wrapped in ``BEGIN`` ... ``COMMIT`` (two
  extra round trips), its ``WITH HOLD`` cursor outliving the ``COMMIT`` as in autocommit.

Statements that PostgreSQL refuses inside a transaction block (``VACUUM``,
``CREATE INDEX CONCURRENTLY``, ...) and transaction control statements are sent unchanged
(:mod:`pgtrigger.statements` recognises them).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from typing import Any

try:  # psycopg 3 (psycopg2 has no pipeline, and binds parameters on the client)
    import psycopg
except ImportError:  # pragma: no cover - the psycopg2 CI leg
    psycopg = None  # type: ignore[assignment]

from pgtrigger import sql, statements

# (setting, value) pairs, sorted: what the current context wants on a connection.
Settings = tuple[tuple[str, str], ...]

_IDLE, _INTRANS = 0, 2  # libpq PQTRANS_* (psycopg 3's pgconn and psycopg2 alike)

_SAVEPOINT = re.compile(
    r"""\s*(?:(savepoint)|(release)(?:\s+savepoint)?
        |(rollback)(?:\s+(?:work|transaction))?\s+to(?:\s+savepoint)?)
        \s+("(?:[^"]|"")+"|[^\s;"]+)\s*;?\s*\Z""",
    re.IGNORECASE | re.VERBOSE,
)


def _outer(name: str) -> str:
    """The helper setting that keeps ``name``'s value from before the transaction's change."""
    return f"pgtrigger.outer_{name.replace('.', '_')}"


class _Setting:
    """One setting changed by our statements in the current transaction."""

    __slots__ = ("known", "set_at", "stashed", "value")

    def __init__(self, value: str | None, at: int) -> None:
        self.value = value  # ours, or None: the outer value was put back
        self.known = True  # False: a savepoint rollback may have changed it
        # When the outer value was kept in the helper setting: first when the transaction
        # first changed it, then again at each block entered after it was put back (the
        # queries in between may have changed it, with a SET of their own), oldest first.
        self.stashed = [at]
        self.set_at = at


class _Transaction:
    """What our statements have set in a connection's current transaction."""

    def __init__(self) -> None:
        self.settings: dict[str, _Setting] = {}
        self.savepoints: dict[str, int] = {}  # made while we tracked: name -> sequence number
        self.seq = 0
        self.synced: Settings | None = None  # the settings last sent, while nothing undid them

    def changes(self, desired: Settings) -> str | None:
        """The ``SELECT set_config(...)`` that brings the transaction to ``desired``, if any."""
        if self.synced is desired:
            return None
        self.seq += 1
        calls = []
        wanted = dict(desired)
        for name, value in desired:
            setting = self.settings.get(name)
            current = f"COALESCE(current_setting({sql.quote_literal(name)}, true), '')"
            if setting is None:
                calls.append(_set_config(_outer(name), current))
                self.settings[name] = setting = _Setting(None, self.seq)
            elif setting.value is None and setting.known:
                # Ours was put back: what the setting holds now is the outer value, maybe a
                # newer one (a SET run since), which leaving this block must put back.
                calls.append(_set_config(_outer(name), current))
                setting.stashed.append(self.seq)
            if setting.value != value or not setting.known:
                calls.append(_set_config(name, sql.quote_literal(value)))
                setting.value, setting.known, setting.set_at = value, True, self.seq
        for name, setting in self.settings.items():
            if name not in wanted and (setting.value is not None or not setting.known):
                outer = f"current_setting({sql.quote_literal(_outer(name))})"
                calls.append(_set_config(name, outer))
                setting.value, setting.known, setting.set_at = None, True, self.seq
        self.synced = desired
        # The target list runs left to right: a helper setting is filled before its change.
        return "SELECT " + ", ".join(calls) if calls else None

    def track(self, match: re.Match[str]) -> None:
        """Follow a savepoint statement: a rollback undoes what was set after the savepoint."""
        savepoint, release, _, name = match.groups()
        name = name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()
        if savepoint:
            self.seq += 1
            self.savepoints[name] = self.seq
            return
        at = self.savepoints.get(name)
        if release:
            if at is not None:  # it and the savepoints made after it are gone
                self.savepoints = {n: s for n, s in self.savepoints.items() if s < at}
            return
        # ROLLBACK TO: a savepoint we did not see being made may predate all our changes.
        at = at or 0
        self.savepoints = {n: s for n, s in self.savepoints.items() if s <= at}
        for name_, setting in list(self.settings.items()):
            setting.stashed = [stashed for stashed in setting.stashed if stashed <= at]
            if not setting.stashed:  # back to the outer value; the helper is undone too
                del self.settings[name_]
                self.synced = None
            elif setting.set_at > at:
                setting.known = False
                self.synced = None


def settle(connection: Any, desired: Settings) -> None:
    """Bring the open transaction of ``connection`` to ``desired`` now, if it differs.

    For where no query of ours follows to carry the change (the driver's commit). Sends
    nothing outside a transaction, in a failed one (where only a rollback runs) or when the
    transaction already holds ``desired``; never connects.
    """
    transaction: _Transaction | None = getattr(connection, _TRANSACTION, None)
    raw = connection.connection
    if transaction is None or raw is None or _status(raw) != _INTRANS:
        return
    statement = transaction.changes(desired)
    if statement is not None:
        _run(connection, statement)


def _set_config(name: str, value_sql: str) -> str:
    return f"set_config({sql.quote_literal(name)}, {value_sql}, true)"


@functools.lru_cache(maxsize=256)
def _statement(desired: Settings) -> str:
    """The ``SELECT set_config(...)`` for a query that is its own transaction."""
    return "SELECT " + ", ".join(_set_config(n, sql.quote_literal(v)) for n, v in desired)


# The attribute of a Django connection (a thread's) holding the transaction our statements
# changed, if any: an attribute rather than a weak dictionary, read before every query.
_TRANSACTION = "_pgtrigger_transaction"


def _unbundled(sql_text: Any) -> bool:
    """Whether ``sql_text`` is sent without settings (see :mod:`pgtrigger.statements`)."""
    return isinstance(sql_text, str) and statements.unbundled(sql_text)


def _status(raw: Any) -> int:
    """The driver connection's libpq transaction status."""
    pgconn = getattr(raw, "pgconn", None)  # psycopg 3
    if pgconn is not None:
        return int(pgconn.transaction_status)
    return int(raw.get_transaction_status())  # psycopg2


def execute_wrapper(current: Callable[[str], Settings]) -> Callable[..., Any]:
    """A Django execute wrapper giving each query the settings ``current(alias)`` wants."""

    def wrapper(execute: Any, sql_text: Any, params: Any, many: bool, context: Any) -> Any:
        connection = context["connection"]
        desired = current(connection.alias)
        transaction: _Transaction | None = getattr(connection, _TRANSACTION, None)
        if not desired and transaction is None:
            return execute(sql_text, params, many, context)
        status = _status(connection.connection)
        if status == _IDLE and transaction is not None:  # its transaction has ended
            transaction = None
            setattr(connection, _TRANSACTION, None)
            if not desired:
                return execute(sql_text, params, many, context)
        if _unbundled(sql_text):
            match = _SAVEPOINT.match(sql_text)
            if match and transaction is not None:
                transaction.track(match)
            return execute(sql_text, params, many, context)
        if status == _IDLE and connection.get_autocommit():  # the query is its own transaction
            statement: str | None = _statement(desired)
            own_transaction = True
        elif status in (_IDLE, _INTRANS):  # the query begins or continues a transaction
            if transaction is None:
                transaction = _Transaction()
                setattr(connection, _TRANSACTION, transaction)
            statement = transaction.changes(desired)
            own_transaction = False
        else:  # a failed transaction, where only a rollback runs
            return execute(sql_text, params, many, context)
        if statement is None:
            return execute(sql_text, params, many, context)
        return _send(statement, own_transaction, execute, sql_text, params, many, context)

    return wrapper


def _send(
    statement: str,
    own_transaction: bool,
    execute: Any,
    sql_text: Any,
    params: Any,
    many: bool,
    context: Any,
) -> Any:
    """Run ``statement`` and the query in the query's transaction, in one round trip if we can."""
    connection = context["connection"]
    cursor = context["cursor"].cursor  # the driver's
    psycopg3 = psycopg is not None and isinstance(cursor, psycopg.Cursor)
    named = getattr(cursor, "name", None)
    # One simple-protocol request: parameters are bound on the client, or there are none.
    simple = not psycopg3 or isinstance(cursor, psycopg.ClientCursor) or not params
    if simple and not named and isinstance(sql_text, str) and not (psycopg3 and many):
        result = execute(_prefix(statement, params is not None) + sql_text, params, many, context)
        if psycopg3:  # psycopg 3 shows the first result: move on to the query's
            cursor.nextset()
        return result
    if not named and psycopg3 and psycopg.Pipeline.is_supported():
        raw = connection.connection
        setting_cursor = raw.cursor()  # closed once the pipeline has fetched its results
        try:
            with connection.wrap_database_errors, raw.pipeline():
                setting_cursor.execute(statement, prepare=False)
                return execute(sql_text, params, many, context)
        finally:
            setting_cursor.close()
    if not own_transaction:
        _run(connection, statement)
        return execute(sql_text, params, many, context)
    try:
        _run(connection, "BEGIN; " + statement)
        result = execute(sql_text, params, many, context)
    except BaseException:
        with contextlib.suppress(Exception):
            _run(connection, "ROLLBACK")
        raise
    _run(connection, "COMMIT")
    return result


@functools.lru_cache(maxsize=256)
def _prefix(statement: str, placeholders: bool) -> str:
    """``statement`` as a prefix of a query, ``%`` doubled where the driver reads placeholders."""
    return (statement.replace("%", "%%") if placeholders else statement) + "; "


def _run(connection: Any, statement: str) -> None:
    """Run ``statement`` on a plain cursor of the driver (never a named one), with Django's
    exceptions."""
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(statement)
