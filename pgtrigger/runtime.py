"""Runtime control of triggers: ``ignore``, ``schema`` and ``constraints``."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

from pgtrigger import registry, sql
from pgtrigger.primitives import Timing

# Frozen set of pgids ignored in the current context (thread or asyncio task).
_ignored: contextvars.ContextVar[frozenset[tuple[str | None, str]]] = contextvars.ContextVar(
    "pgtrigger_ignored", default=frozenset()
)
_search_path: contextvars.ContextVar[tuple[str | None, tuple[str, ...]] | None] = (
    contextvars.ContextVar("pgtrigger_search_path", default=None)
)


def _ignore_value(alias: str) -> str:
    pgids = sorted({pgid for db, pgid in _ignored.get() if db is None or db == alias})
    if not pgids:
        return ""
    return "{" + ",".join(f'"{pgid}"' for pgid in pgids) + "}"


def _in_transaction(connection: Any) -> bool:
    return not connection.get_autocommit() or connection.in_atomic_block


def _set_ignore(execute: Any, sql_text: str, params: Any, many: bool, context: dict) -> Any:
    connection = context["connection"]
    value = _ignore_value(connection.alias)
    state = getattr(connection, "_pgtrigger_session_ignore", "")
    if value or state:
        local = _in_transaction(connection)
        with connection.connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, %s)", [sql.IGNORE_SETTING, value, local])
        connection._pgtrigger_session_ignore = "" if local else value
    return execute(sql_text, params, many, context)


def _install_wrapper(connection: Any) -> None:
    if not getattr(connection, "_pgtrigger_wrapped", False) and connection.vendor == "postgresql":
        connection.execute_wrappers.insert(0, _set_ignore)
        connection._pgtrigger_wrapped = True


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    _install_wrapper(connection)


connection_created.connect(_on_connection_created)


def _resolve(uris: tuple[str, ...]) -> set[str]:
    return {trigger.get_pgid(model) for model, trigger in registry.registered(*uris)}


@contextlib.contextmanager
def ignore(*uris: str, databases: list[str] | None = None) -> Iterator[None]:
    """Ignore triggers (all registered triggers when no URI is given) inside the block.

    Usable as a context manager or a decorator; nestable; local to the thread or asyncio task.
    """
    pgids = _resolve(uris)
    entries = {(db, pgid) for pgid in pgids for db in (databases or [None])}
    for alias in databases or list(connections):
        with contextlib.suppress(Exception):
            _install_wrapper(connections[alias])
    token = _ignored.set(_ignored.get() | entries)
    try:
        yield
    finally:
        _ignored.reset(token)


def is_ignored(*uris: str) -> bool:
    """True when every trigger named (at least one) is ignored in the current context."""
    pgids = _resolve(uris)
    active = {pgid for _, pgid in _ignored.get()}
    return bool(pgids) and pgids <= active


@contextlib.contextmanager
def schema(*schemas: str, databases: list[str] | None = None) -> Iterator[None]:
    """Set the ``search_path`` to ``schemas`` for the block (restored afterwards)."""
    aliases = databases or [DEFAULT_DB_ALIAS]
    saved = []
    for alias in aliases:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT current_setting('search_path')")
            saved.append((alias, cursor.fetchone()[0]))
            path = ", ".join(sql.quote_ident(s) for s in schemas)
            cursor.execute(f"SET search_path = {path}")
    try:
        yield
    finally:
        for alias, path in saved:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT set_config('search_path', %s, false)", [path])


def constraints(timing: Timing, *uris: str, databases: list[str] | None = None) -> None:
    """``SET CONSTRAINTS ... DEFERRED|IMMEDIATE`` for deferrable triggers (all when no URI).

    Must run inside a transaction; lasts until its end.
    """
    if not isinstance(timing, Timing):
        raise ValueError(f"{timing!r} is not pgtrigger.Immediate or pgtrigger.Deferred")
    for alias in databases or [DEFAULT_DB_ALIAS]:
        connection = connections[alias]
        if not connection.in_atomic_block:
            raise RuntimeError("pgtrigger.constraints() must be called in a transaction")
        selected = [(m, t) for m, t in registry.registered(*uris) if t.timing is not None]
        if not selected:
            continue
        names = ", ".join(sql.quote_ident(t.get_pgid(m)) for m, t in selected)
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} {timing}")
