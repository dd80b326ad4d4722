"""Runtime control of triggers: ``ignore``, ``schema`` and ``constraints``.

``ignore`` and ``schema`` describe session settings (``pgtrigger.ignore``, ``search_path``)
that should hold while code runs in their block. The state lives in context variables, so it
follows the current thread or asyncio task (and ``sync_to_async`` calls) and never leaks into
another one. A connection execute wrapper applies it: before a query that runs while a block is
active, one separate ``SELECT set_config(...)`` statement sets the values, transaction-local
inside a transaction and session-wide in autocommit mode; the first query after the block, or
the block's exit, puts the previous values back.

Nothing is prepended to the user's SQL, so this works where a multi-statement query is refused
(psycopg 3 server-side binding, ``DECLARE`` of named cursors, ``executemany``), inside
``transaction.atomic()`` after a caught error (the settings are restored by the rollback), and
for raw SQL.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import weakref
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created

from pgtrigger import registry, sql
from pgtrigger.primitives import Timing

F = TypeVar("F", bound=Callable[..., Any])

# (database alias or None for every database, pgid) pairs ignored in this context.
_ignored: contextvars.ContextVar[frozenset[tuple[str | None, str]]] = contextvars.ContextVar(
    "pgtrigger_ignored", default=frozenset()
)
# (database alias or None, search_path) for the active schema() blocks, innermost last.
_search_path: contextvars.ContextVar[tuple[tuple[str | None, str], ...]] = contextvars.ContextVar(
    "pgtrigger_search_path", default=()
)
# The blocks entered in this context, innermost last, with the token that undoes each. Kept
# per context rather than on the block object, so one ignore() instance can be entered by
# several threads or tasks at once, or nested in itself.
_entered: contextvars.ContextVar[tuple[tuple[object, contextvars.Token[Any]], ...]] = (
    contextvars.ContextVar("pgtrigger_entered", default=())
)

# What each database session must get back once no block wants its settings: setting ->
# (previous value, whether a value was set session-wide). Keyed by the driver connection, not
# Django's connection object: a pooled session moves between Django connections (threads),
# and its pending restores move with it.
_saved_settings: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, bool]]] = (
    weakref.WeakKeyDictionary()
)
_INERROR = 3  # libpq PQTRANS_INERROR: a failed transaction, only ROLLBACK can run


def _desired(alias: str) -> dict[str, str]:
    """Return the settings the current context wants on the connection ``alias``."""
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
    """Return whether the driver connection is in a failed transaction."""
    raw = connection.connection
    info = getattr(raw, "info", None)  # psycopg 3
    if info is not None:
        return int(info.transaction_status) == _INERROR
    return raw.get_transaction_status() == _INERROR  # psycopg2


def _saved(connection: Any) -> dict[str, tuple[str, bool]]:
    """The pending restores of ``connection``'s session (empty when it has none)."""
    raw = connection.connection
    return _saved_settings.get(raw, {}) if raw is not None else {}


def _sync(connection: Any) -> None:
    """Apply the context's settings to ``connection``, restoring those no longer wanted.

    The wanted values are sent before every query, not only when they change: a rolled-back
    savepoint or a finished transaction may have undone an earlier ``set_config``. A value set
    session-wide is restored session-wide, even from inside a transaction.
    """
    saved = _saved_settings.setdefault(connection.connection, {})
    desired = _desired(connection.alias)
    local = _in_transaction(connection)
    changes = {name: (value, local) for name, value in desired.items()}
    for name, (previous, session) in saved.items():
        if name not in desired:
            changes[name] = (previous, local and not session)
    if not changes:
        return
    names = list(changes)
    selects = ", ".join(
        "COALESCE(current_setting(%s, true), ''), set_config(%s, %s, %s)" for _ in names
    )
    params: list[Any] = []
    for name in names:
        value, is_local = changes[name]
        params += [name, name, value, is_local]
    # A plain cursor of the driver connection: never a named cursor, never Django's wrappers;
    # errors still reach the caller as Django's exceptions.
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}", params)
        row = cursor.fetchone()
    for i, name in enumerate(names):
        if name in desired:
            previous, session = saved.get(name, (row[2 * i], False))
            saved[name] = (previous, session or not local)
        elif local and saved[name][1] and connection.in_atomic_block:
            # A session-wide restore inside a transaction is undone if it rolls back: keep
            # it pending (sent again before each query) until the transaction commits.
            connection.on_commit(functools.partial(_forget, saved, name, saved[name]))
        else:
            saved.pop(name, None)


def _forget(saved: dict[str, tuple[str, bool]], name: str, entry: tuple[str, bool]) -> None:
    """Drop a pending restore, unless a later block has replaced it meanwhile."""
    if saved.get(name) is entry:
        del saved[name]


def _execute_wrapper(execute: Any, sql_text: Any, params: Any, many: bool, context: Any) -> Any:
    connection = context["connection"]
    if (_saved(connection) or _ignored.get() or _search_path.get()) and not (
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


connection_created.connect(_on_connection_created, dispatch_uid="pgtrigger-runtime")


def _aliases(databases: Iterable[str] | None) -> list[str]:
    return list(databases) if databases else list(connections)


def _restore(aliases: Iterable[str]) -> None:
    """Put back session-wide settings after a block, on connections in autocommit mode.

    Inside a transaction the values were transaction-local: the next query restores them, and
    the transaction's end does in any case, even after an error. A connection on which the
    restore fails is closed, so that its session cannot carry the settings into later queries.
    """
    for alias in aliases:
        connection = connections[alias]
        if connection.connection is None or not _saved(connection) or _in_transaction(connection):
            continue
        try:
            _sync(connection)
        except DatabaseError:
            connection.close()


class _ContextDecorator:
    """A context manager that is also a decorator of sync and async functions."""

    databases: list[str] | None = None  # the aliases the block applies to; None: all

    def _push(self) -> contextvars.Token[Any]:
        """Enter the block; return the token that undoes it."""
        raise NotImplementedError

    def _pop(self, token: contextvars.Token[Any]) -> None:
        """Leave the block entered with ``token``."""
        raise NotImplementedError

    def _aliases(self) -> list[str]:
        """The database aliases the block applies to."""
        return _aliases(self.databases)

    def __enter__(self) -> None:
        token = self._push()
        _entered.set((*_entered.get(), (self, token)))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        *outer, (block, token) = _entered.get()
        if block is not self:
            raise RuntimeError(f"{self!r} exited out of order")
        _entered.set(tuple(outer))
        self._pop(token)

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    with self:
                        return await func(*args, **kwargs)
                finally:
                    # The async ORM ran the queries in sync_to_async's thread, whose
                    # connection the exit above cannot reach: restore it from that thread.
                    await sync_to_async(_restore)(self._aliases())

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class ignore(_ContextDecorator):  # lower-case: the public API name from 4.x
    """Ignore triggers in a block: ``with pgtrigger.ignore("app.Model:name"):``.

    With no URI, every registered trigger is ignored. Also a decorator (sync or async
    functions); nestable; local to the thread or asyncio task. ``databases`` limits it to
    those database aliases (default: all).
    """

    def __init__(self, *uris: str, databases: Iterable[str] | None = None) -> None:
        self.uris = uris
        self.databases = list(databases) if databases else None

    def __repr__(self) -> str:
        return f"pgtrigger.ignore{self.uris!r}"

    def _push(self) -> contextvars.Token[Any]:
        pgids = {trigger.get_pgid(model) for model, trigger in registry.registered(*self.uris)}
        dbs: list[str | None] = list(self.databases) if self.databases else [None]
        entries = {(db, pgid) for pgid in pgids for db in dbs}
        for alias in self._aliases():
            _install_wrapper(connections[alias])
        return _ignored.set(_ignored.get() | entries)

    def _pop(self, token: contextvars.Token[Any]) -> None:
        _ignored.reset(token)
        _restore(self._aliases())


def is_ignored(*uris: str) -> bool:
    """Return whether every trigger in ``uris`` (any trigger, when none given) is ignored here."""
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

    def __repr__(self) -> str:
        return f"pgtrigger.schema{self.schemas!r}"

    def _push(self) -> contextvars.Token[Any]:
        path = ", ".join(sql.quote_ident(s) for s in self.schemas)
        dbs: list[str | None] = list(self.databases) if self.databases else [None]
        for alias in self._aliases():
            _install_wrapper(connections[alias])
        entries = tuple((db, path) for db in dbs)
        return _search_path.set(_search_path.get() + entries)

    def _pop(self, token: contextvars.Token[Any]) -> None:
        _search_path.reset(token)
        _restore(self._aliases())


def constraints(timing: Timing, *uris: str, databases: Iterable[str] | None = None) -> None:
    """Run ``SET CONSTRAINTS <triggers> DEFERRED|IMMEDIATE`` for deferrable triggers.

    The timing holds until the end of the current transaction. ``uris`` name deferrable
    triggers (``ValueError`` for one that is not); none means every deferrable trigger.
    ``databases`` are the aliases to set it on, each of which must be in a transaction
    (``RuntimeError`` otherwise); by default, every PostgreSQL database with a transaction
    open in this thread, and there must be at least one.
    """
    if not isinstance(timing, Timing):
        raise ValueError(f"{timing!r} is not pgtrigger.Immediate or pgtrigger.Deferred")
    selected = registry.registered(*uris)
    if uris:
        for model, trigger in selected:
            if trigger.timing is None:
                raise ValueError(f"{trigger.get_uri(model)} is not a deferrable trigger")
    else:
        selected = [(m, t) for m, t in selected if t.timing is not None]
    if databases:
        aliases = list(databases)
        for alias in aliases:
            if not _in_transaction(connections[alias]):
                raise RuntimeError(f'pgtrigger.constraints(): "{alias}" is not in a transaction')
    else:
        aliases = [
            connection.alias
            for connection in connections.all(initialized_only=True)
            if connection.vendor == "postgresql"
            and connection.connection is not None  # never connect just to ask
            and _in_transaction(connection)
        ]
        if not aliases:
            raise RuntimeError("pgtrigger.constraints() must be called inside a transaction")
    if not selected:
        return
    names = ", ".join(sql.quote_ident(trigger.get_pgid(model)) for model, trigger in selected)
    for alias in aliases:
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} {timing}")
