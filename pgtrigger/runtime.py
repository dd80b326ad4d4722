"""Runtime control of triggers: ``ignore``, ``schema`` and ``constraints``.

``ignore`` and ``schema`` describe settings (``pgtrigger.ignore``, ``search_path``) that should
hold for the queries run in their block. The state lives in context variables, so it follows
the current thread or asyncio task (and ``sync_to_async`` calls) and never leaks into another
one. A connection execute wrapper (:mod:`pgtrigger.transaction_settings`) gives each query
those settings transaction-locally, in the same round trip as the query: nothing is ever set
for the database session, so nothing outlives the query's transaction or reaches another client
of a transaction-pooling PgBouncer, and leaving a block sends nothing.

Non-PostgreSQL connections are skipped.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import json
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.backends.signals import connection_created

from pgtrigger import registry, sql, transaction_settings
from pgtrigger.primitives import Timing

F = TypeVar("F", bound=Callable[..., Any])

# (database alias or None for every database, pgid) pairs ignored in this context.
_ignored: contextvars.ContextVar[frozenset[tuple[str | None, str]]] = contextvars.ContextVar(
    "pgtrigger_ignored", default=frozenset()
)
# (database alias or None, schema as written in search_path) for the active schema() blocks,
# outermost first.
_search_path: contextvars.ContextVar[tuple[tuple[str | None, str], ...]] = contextvars.ContextVar(
    "pgtrigger_search_path", default=()
)
# The merged values of the active context() blocks and their JSON object (None: no block).
_context: contextvars.ContextVar[tuple[dict[str, Any], str] | None] = contextvars.ContextVar(
    "pgtrigger_context", default=None
)
# The blocks entered in this context, innermost last, with the token that undoes each. Kept
# per context rather than on the block object, so one ignore() instance can be entered by
# several threads or tasks at once, or nested in itself.
_entered: contextvars.ContextVar[tuple[tuple[object, contextvars.Token[Any]], ...]] = (
    contextvars.ContextVar("pgtrigger_entered", default=())
)
# The ids of the deferrable triggers ignore() blocks have selected: leaving a block that
# ignored one puts the setting back at once (see ``ignore._pop``).
_deferrable_pgids: set[str] = set()


@functools.lru_cache(maxsize=256)
def _settings_for(
    alias: str,
    ignored: frozenset[tuple[str | None, str]],
    search_path: tuple[tuple[str | None, str], ...],
    context_json: str | None = None,
) -> transaction_settings.Settings:
    """The settings wanted on ``alias`` (cached: the same object for the same state)."""
    desired = []
    pgids = sorted({pgid for db, pgid in ignored if db in (None, alias)})
    if pgids:
        desired.append((sql.IGNORE_SETTING, "{" + ",".join(f'"{pgid}"' for pgid in pgids) + "}"))
    # Nested blocks append their schemas, each schema once, as in 4.x.
    schemas = dict.fromkeys(schema for db, schema in search_path if db in (None, alias))
    if schemas:
        desired.append(("search_path", ", ".join(schemas)))
    if context_json is not None:
        desired.append((sql.CONTEXT_SETTING, context_json))
    return tuple(sorted(desired))


def _desired(alias: str) -> transaction_settings.Settings:
    """The settings the current context wants on the connection ``alias``."""
    ignored, search_path, values = _ignored.get(), _search_path.get(), _context.get()
    if not ignored and not search_path and values is None:
        return ()
    return _settings_for(alias, ignored, search_path, values[1] if values else None)


_execute_wrapper = transaction_settings.execute_wrapper(_desired)


def _in_transaction(connection: Any) -> bool:
    return connection.in_atomic_block or not connection.get_autocommit()


def _install_wrapper(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return
    if _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _execute_wrapper)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    _install_wrapper(connection)


connection_created.connect(_on_connection_created, dispatch_uid="pgtrigger-runtime")


def _aliases(databases: Iterable[str] | None) -> list[str]:
    """The PostgreSQL aliases among ``databases`` (default: all)."""
    aliases = list(databases) if databases else list(connections)
    return [alias for alias in aliases if connections[alias].vendor == "postgresql"]


@contextlib.contextmanager
def _session(databases: Iterable[str] | None = None) -> Iterator[None]:
    """4.x's ``ignore.session()`` / ``schema.session()``: kept so 4.x code runs unchanged.

    In 4.x, leaving the outermost ``ignore()`` or ``schema()`` block inside a transaction sent
    a statement to put the setting back, which fails in a transaction aborted by a caught
    error; wrapping the transaction in ``session()`` put that statement off until after it.
    Here, leaving a block sends nothing (the next query of the transaction carries the value
    from before the block), so there is nothing to put off: ``session()`` changes nothing,
    and never sets anything for the database session. A context manager and a decorator.
    """
    yield


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
                with self:
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class ignore(_ContextDecorator):  # lower-case: the public API name from 4.x
    """Ignore triggers in a block: ``with pgtrigger.ignore("app.Model:name"):``.

    Triggers are selected by URI, URI glob (``"shop.*:soft_delete"``), trigger class
    (``pgtrigger.SoftDelete``), model class or ``tags`` (see ``registry.select``), when the
    block is entered; with no selector, every registered trigger is ignored. Also a decorator
    (sync or async functions); nestable; local to the thread or asyncio task. ``databases``
    limits it to those database aliases (default: all).
    """

    session = staticmethod(_session)

    def __init__(
        self,
        *uris: registry.Selector,
        tags: Iterable[str] = (),
        databases: Iterable[str] | None = None,
    ) -> None:
        registry.check_selectors(uris)
        if isinstance(tags, str):
            raise TypeError(f"tags takes a list of strings, not {tags!r}")
        self.uris = uris
        self.tags = tuple(tags)
        self.databases = list(databases) if databases else None

    def __repr__(self) -> str:
        tags = f", tags={list(self.tags)!r}" if self.tags else ""
        return f"pgtrigger.ignore{self.uris!r}{tags}"

    def _push(self) -> contextvars.Token[Any]:
        selected = registry.select(*self.uris, tags=self.tags)
        pgids = {trigger.get_pgid(model) for model, trigger in selected}
        _deferrable_pgids.update(
            trigger.get_pgid(model) for model, trigger in selected if trigger.timing is not None
        )
        dbs: list[str | None] = list(self.databases) if self.databases else [None]
        entries = {(db, pgid) for pgid in pgids for db in dbs}
        for alias in self._aliases():
            _install_wrapper(connections[alias])
        return _ignored.set(_ignored.get() | entries)

    def _pop(self, token: contextvars.Token[Any]) -> None:
        left = _ignored.get()
        _ignored.reset(token)
        # A deferrable trigger checks the setting when it fires, at commit when deferred: as
        # in 4.x, a block left before the commit must not reach it. The commit is the driver's
        # (Django sends no statement for it), so the value is put back now.
        if any(pgid in _deferrable_pgids for _, pgid in left - _ignored.get()):
            for alias in self._aliases():
                connection = connections[alias]
                transaction_settings.settle(connection, _desired(alias))


def is_ignored(*uris: registry.Selector, tags: Iterable[str] = ()) -> bool:
    """Return whether every trigger that ``uris`` and ``tags`` select is ignored here (any
    trigger, when neither is given). They select as in ``ignore``; a selection of no trigger
    gives ``False``.
    """
    active = {pgid for _, pgid in _ignored.get()}
    if not uris and not tags:
        return bool(active)
    selected = registry.select(*uris, tags=tags)
    return bool(selected) and all(trigger.get_pgid(model) in active for model, trigger in selected)


class schema(_ContextDecorator):  # lower-case: the public API name from 4.x
    """Run the block with ``search_path`` set to ``schemas`` (on ``databases``, default all).

    Installation, ``ls`` and queries in the block see the tables of those schemas. A nested
    block appends its schemas to the enclosing blocks' (those not already there), as in 4.x.
    """

    session = staticmethod(_session)

    def __init__(self, *schemas: str, databases: Iterable[str] | None = None) -> None:
        if not schemas:
            raise ValueError("pgtrigger.schema() needs at least one schema")
        self.schemas = schemas
        self.databases = list(databases) if databases else None

    def __repr__(self) -> str:
        return f"pgtrigger.schema{self.schemas!r}"

    def _push(self) -> contextvars.Token[Any]:
        dbs: list[str | None] = list(self.databases) if self.databases else [None]
        for alias in self._aliases():
            _install_wrapper(connections[alias])
        # Written as 4.x wrote them: bare (PostgreSQL folds an unquoted name to lower case,
        # so "TenantX" finds a schema created as tenantx), only "$user" quoted.
        entries = tuple(
            (db, f'"{s}"' if s.startswith("$") else s) for s in self.schemas for db in dbs
        )
        return _search_path.set(_search_path.get() + entries)

    def _pop(self, token: contextvars.Token[Any]) -> None:
        _search_path.reset(token)


class context(_ContextDecorator):  # lower-case, like ignore() and schema()
    """Make ``actor`` and other values readable by triggers for the queries of a block.

    ``with pgtrigger.context(actor=request.user.pk, reason="import"):`` gives every query of
    the block, on every PostgreSQL database, the setting ``pgtrigger.context``: a JSON object
    of the values, which triggers read with :func:`pgtrigger.context_value`. The setting is
    sent transaction-locally with the queries, like ``ignore()``'s: it never outlives the
    query's transaction nor reaches another client of a transaction-pooling PgBouncer.

    Values are encoded as Django's ``DjangoJSONEncoder`` does: JSON types, plus UUIDs,
    ``Decimal``, dates, times and durations as strings (a user model's UUID primary key, for
    instance). Anything else raises ``TypeError``; NaN, infinities and strings holding a NUL
    character (which PostgreSQL's ``jsonb`` cannot hold) raise ``ValueError``, where the block
    is created. Nested blocks merge their values, the inner block's winning; ``actor=None`` is
    a value like any other (JSON ``null``). Also a decorator (sync or async functions); local
    to the thread or asyncio task, and followed by ``sync_to_async`` / ``async_to_sync``.
    """

    def __init__(self, **values: Any) -> None:
        # Encoded now: an unserializable value fails where it is given, not at a later query.
        _encode(values)
        self.values = values

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.values.items())
        return f"pgtrigger.context({args})"

    def _push(self) -> contextvars.Token[Any]:
        for alias in self._aliases():
            _install_wrapper(connections[alias])
        outer = _context.get()
        merged = {**outer[0], **self.values} if outer else dict(self.values)
        return _context.set((merged, _encode(merged)))

    def _pop(self, token: contextvars.Token[Any]) -> None:
        _context.reset(token)


def _encode(values: dict[str, Any]) -> str:
    """``values`` as the JSON text of the ``pgtrigger.context`` setting.

    Raises ``TypeError`` for a value ``DjangoJSONEncoder`` cannot encode, ``ValueError`` for
    what ``jsonb`` would refuse at every query of the block: NaN and infinities (not JSON),
    and NUL characters (``\\u0000``: PostgreSQL's text cannot hold them).
    """
    encoded = json.dumps(
        values, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    if "\\u0000" in encoded and _holds_nul(json.loads(encoded)):
        raise ValueError(
            "pgtrigger.context() values cannot contain a NUL character (\\x00): PostgreSQL "
            "text cannot hold it"
        )
    return encoded


def _holds_nul(value: Any) -> bool:
    """Whether a decoded JSON value has a NUL character in a string (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def current_context() -> dict[str, Any]:
    """The values of the active ``pgtrigger.context()`` blocks, merged (a copy; ``{}``)."""
    values = _context.get()
    return dict(values[0]) if values else {}


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


def actor(request: Any) -> Any:
    """The primary key of ``request.user`` when authenticated, else None (an integer, a
    string or a UUID: ``pgtrigger.context()`` encodes it as ``DjangoJSONEncoder`` does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.pk
