"""Test helpers: assert that a named trigger refused a write.

``with pgtrigger.testing.refused("app.Model:protect_deletes"): obj.delete()`` passes only if
the block raised a database error *from that trigger*: another trigger's refusal, a constraint
violation or no error at all fail the assertion. The message text is never compared, so a
reworded message does not break the test.

How the trigger is recognised: each trigger runs a PL/pgSQL function named after its ``pgid``
(``Trigger.get_pgid``), and PostgreSQL names the function that raised in the error's CONTEXT
field (``PL/pgSQL function pgtrigger_protect_deletes_1a2b3() line 3 at RAISE``), which both
psycopg 3 and psycopg2 expose as ``exc.__cause__.diag.context``. The innermost ``pgtrigger_*``
function of that context is the trigger that refused. When an error has no context, the
trigger's URI in its DETAIL or HINT is accepted instead.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Generator

from django.db import DatabaseError, connections, router, transaction

from pgtrigger import registry

# A frame of the CONTEXT field, the function schema-qualified when it is not on the search path.
# PostgreSQL quotes a name that is not a plain identifier (a trigger named "no-insert").
_FRAME = re.compile(
    r'PL/pgSQL function (?:(?:"(?:[^"]|"")+"|[\w$]+)\.)?'
    r'(?:"(pgtrigger_(?:[^"]|"")+)"|(pgtrigger_[\w$]+))\('
)


def refusing_trigger(exc: BaseException) -> str | None:
    """The pgid of the ``pgtrigger_*`` trigger function that raised ``exc``, if any.

    ``exc`` is a Django ``DatabaseError`` (whose ``__cause__`` is the driver's error) or the
    driver's error itself.
    """
    diag = _diag(exc)
    context = getattr(diag, "context", None) or ""
    frame = _FRAME.search(context)
    if frame is None:
        return None
    quoted, plain = frame.groups()
    return quoted.replace('""', '"') if quoted is not None else plain


def _diag(exc: BaseException) -> object | None:
    for error in (exc, exc.__cause__):
        diag = getattr(error, "diag", None)
        if diag is not None:
            return diag
    return None


def _names(exc: BaseException, uri: str, pgid: str) -> bool:
    """Whether ``exc`` comes from the trigger ``uri`` (function ``pgid``)."""
    found = refusing_trigger(exc)
    if found is not None:
        return found == pgid
    diag = _diag(exc)
    extra = [getattr(diag, "message_detail", None), getattr(diag, "message_hint", None)]
    return any(text and uri in text for text in extra)


@contextlib.contextmanager
def refused(uri: str, *, using: str | None = None) -> Generator[None, None, None]:
    """Assert that the block raises a database error from the trigger ``uri``.

    ``using`` is the database alias the write goes to (default: the router's database for
    writes to the trigger's model). Inside ``atomic()`` the block runs in a savepoint, so the
    transaction (a test's, for instance) goes on after the refusal; outside, in autocommit,
    the failed statement leaves nothing behind. Deferred triggers refuse at commit: close the
    transaction (or ``pgtrigger.constraints(pgtrigger.Immediate, uri)``) inside the block.
    """
    ((model, trigger),) = registry.registered(uri)
    pgid = trigger.get_pgid(model)
    alias = using or router.db_for_write(model)
    savepoint = (
        transaction.atomic(using=alias)
        if connections[alias].in_atomic_block
        else contextlib.nullcontext()
    )
    try:
        with savepoint:
            yield
    except DatabaseError as exc:
        if _names(exc, uri, pgid):
            return
        found = refusing_trigger(exc)
        by = f"trigger function {found}" if found else "something else"
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AssertionError(
            f"expected {uri} (function {pgid}) to refuse the write; it was refused by {by}: "
            f"{first_line}"
        ) from exc
    raise AssertionError(f"expected {uri} (function {pgid}) to refuse the write; it went through")
