"""Runtime control of triggers: ``ignore``, ``schema`` and ``constraints``.

``ignore`` and ``schema`` describe session settings (``pgtrigger.ignore``, ``search_path``)
that should hold while code runs in their block. The state lives in context variables, so it
follows the current thread or asyncio task (and ``sync_to_async`` calls) and never leaks into
another one. A connection execute wrapper applies it: before a query that runs while a block is
active, one separate ``SELECT set_config(...)`` statement sets the values, transaction-local
inside a transaction and session-wide in autocommit mode; the first query after the block, or
the block's exit, puts the previous values back.

Nothing is prepended to the user's SQL, so this works where a multi-statement query is refused
(psycopg 3 server-side binding, ``DECLARE`` of named cursors), inside ``transaction.atomic()``
after a caught error (the settings are restored by the rollback), and for raw SQL.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

from pgtrigger import registry, sql
from pgtrigger.primitives import Timing

F = TypeVar("F", bound=Callable[..., Any])

# (database alias or None for every database, pgid) pairs ignored in this context.
_ignored: contextvars.ContextVar[frozenset[tuple[str | None, str]]] = contextvars.ContextVar(
    "pgtrigger_ignored", default=frozenset()
)
# (database alias or None, search_path) for the innermost active schema() block.
_search_path: contextvars.ContextVar[tuple[tuple[str | None, str], ...]] = contextvars.ContextVar(
    "pgtrigger_search_path", default=()
)

_SAVED = "_pgtrigger_saved_settings"  # connection attribute: setting -> value to restore


def _desired(alias: str) -> dict[str, str]:
    """The settings the current context wants on the connection ``alias``."""
    desired = {}
    pgids = sorted({pgid for db, pgid in _ignored.get() if db in (None, alias)})
    if pgids:
        desired[sql.IGNORE_SETTING] = "{" + ",".join(f'"{pgid}"' for pgid in pgids) + "}"
    for db, path in reversed(_search_path.get()):
        if db in (None, alias):
            desired["search_path"] = path
            break
    return desired


def _in_transaction(connection: Any) -> bool:
    return connection.in_atomic_block or not connection.get_autocommit()


def _aborted(connection: Any) -> bool:
    """Whether the driver connection is in a failed transaction (only ROLLBACK can run)."""
    raw = connection.connection
    info = getattr(raw, "info", None)  # psycopg 3
    if info is not None:
        return int(info.transaction_status) == 3  # TransactionStatus.INERROR
    return raw.get_transaction_status() == 3  # psycopg2 TRANSACTION_STATUS_INERROR


def _sync(connection: Any, *, restore_only: bool = False) -> None:
    """Apply the context's settings to ``connection`` (or only restore previous values)."""
    saved: dict[str, str] = connection.__dict__.setdefault(_SAVED, {})
    desired = {} if restore_only else _desired(connection.alias)
    changes = dict(desired)
    for name, previous in saved.items():
        if name not in desired:
            changes[name] = previous
    if not changes:
        return
    local = _in_transaction(connection)
    names = list(changes)
    selects = ", ".join(
        "COALESCE(current_setting(%s, true), ''), set_config(%s, %s, %s)" for _ in names
    )
    params: list[Any] = []
    for name in names:
        params += [name, name, changes[name], local]
    # A plain cursor of the driver connection: never a named cursor, never Django's wrappers.
    with connection.connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}", params)
        row = cursor.fetchone()
    for i, name in enumerate(names):
        if name in desired:
            saved.setdefault(name, row[2 * i])
        else:
            saved.pop(name, None)


def _execute_wrapper(execute: Any, sql_text: Any, params: Any, many: bool, context: Any) -> Any:
    connection = context["connection"]
    if (connection.__dict__.get(_SAVED) or _ignored.get() or _search_path.get()) and not (
        _aborted(connection)  # e.g. the ROLLBACK TO SAVEPOINT after an error
    ):
        _sync(connection)
    return execute(sql_text, params, many, context)


def _install_wrapper(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return
    if _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _execute_wrapper)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    _install_wrapper(connection)
    connection.__dict__.pop(_SAVED, None)  # a new session starts with defaults


connection_created.connect(_on_connection_created, dispatch_uid="pgtrigger-runtime")


def _aliases(databases: Iterable[str] | None) -> list[str]:
    return list(databases) if databases else list(connections)


def _restore(aliases: Iterable[str]) -> None:
    """Put back session-wide settings after a block, on connections in autocommit mode.

    Inside a transaction the values were transaction-local: the next query restores them, and
    the transaction's end does in any case, even after an error.
    """
    for alias in aliases:
        connection = connections[alias]
        if (
            connection.connection is not None
            and connection.__dict__.get(_SAVED)
            and not _in_transaction(connection)
            and connection.is_usable()
        ):
            _sync(connection)


class _ContextDecorator:
    """A context manager that is also a decorator of sync and async functions."""

    def _enter(self) -> None:
        raise NotImplementedError

    def _exit(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._enter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exit()

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._copy():
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._copy():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _copy(self) -> _ContextDecorator:
        raise NotImplementedError


class ignore(_ContextDecorator):  # lower-case: the public API name from 4.x
    """Ignore triggers in a block: ``with pgtrigger.ignore("app.Model:name"):``.

    With no URI, every registered trigger is ignored. Also a decorator (sync or async
    functions); nestable; local to the thread or asyncio task. ``databases`` limits it to
    those database aliases (default: all).
    """

    def __init__(self, *uris: str, databases: Iterable[str] | None = None) -> None:
        self.uris = uris
        self.databases = list(databases) if databases else None
        self._tokens: list[contextvars.Token[Any]] = []

    def _copy(self) -> ignore:
        return ignore(*self.uris, databases=self.databases)

    def _enter(self) -> None:
        pgids = {trigger.get_pgid(model) for model, trigger in registry.registered(*self.uris)}
        dbs: list[str | None] = list(self.databases) if self.databases else [None]
        entries = {(db, pgid) for pgid in pgids for db in dbs}
        for alias in _aliases(self.databases):
            _install_wrapper(connections[alias])
        self._tokens.append(_ignored.set(_ignored.get() | entries))

    def _exit(self) -> None:
        _ignored.reset(self._tokens.pop())
        _restore(_aliases(self.databases))


def is_ignored(*uris: str) -> bool:
    """Whether every trigger in ``uris`` (any trigger, when none given) is ignored here."""
    active = {pgid for _, pgid in _ignored.get()}
    if not uris:
        return bool(active)
    return all(trigger.get_pgid(model) in active for model, trigger in registry.registered(*uris))


class schema(_ContextDecorator):  # lower-case: the public API name from 4.x
    """Run the block with ``search_path`` set to ``schemas`` (on ``databases``, default all).

    Installation, ``ls`` and queries in the block see the tables of those schemas.
    """

    def __init__(self, *schemas: str, databases: Iterable[str] | None = None) -> None:
        if not schemas:
            raise ValueError("pgtrigger.schema() needs at least one schema")
        self.schemas = schemas
        self.databases = list(databases) if databases else None
        self._tokens: list[contextvars.Token[Any]] = []

    def _copy(self) -> schema:
        return schema(*self.schemas, databases=self.databases)

    def _enter(self) -> None:
        path = ", ".join(sql.quote_ident(s) for s in self.schemas)
        dbs: list[str | None] = list(self.databases) if self.databases else [None]
        for alias in _aliases(self.databases):
            _install_wrapper(connections[alias])
        entries = tuple((db, path) for db in dbs)
        self._tokens.append(_search_path.set(_search_path.get() + entries))

    def _exit(self) -> None:
        _search_path.reset(self._tokens.pop())
        _restore(_aliases(self.databases))


def constraints(timing: Timing, *uris: str, databases: Iterable[str] | None = None) -> None:
    """``SET CONSTRAINTS <triggers> DEFERRED|IMMEDIATE`` for deferrable triggers.

    Applies to the deferrable triggers among ``uris`` (all when none given) until the end of
    the current transaction, on ``databases`` (default: ``default``). Must run in a transaction.
    """
    if not isinstance(timing, Timing):
        raise ValueError(f"{timing!r} is not pgtrigger.Immediate or pgtrigger.Deferred")
    selected = [(m, t) for m, t in registry.registered(*uris) if t.timing is not None]
    for alias in databases or [DEFAULT_DB_ALIAS]:
        connection = connections[alias]
        if not _in_transaction(connection):
            raise RuntimeError("pgtrigger.constraints() must be called inside a transaction")
        if not selected:
            continue
        names = ", ".join(sql.quote_ident(t.get_pgid(m)) for m, t in selected)
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} {timing}")
