"""Recognise the refusals raised by pgtrigger's recipes and turn them into ``ValidationError``.

Every recipe that refuses a write raises with its own SQLSTATE (``PGT01``...) and puts the
trigger's URI in the error's ``DETAIL`` as ``trigger: app_label.ModelName:trigger_name``.
The codes are in class ``PG``, which PostgreSQL does not use. The drivers map them to the
exception class 4.x's generic ``P0001`` gave: ``ProgrammingError`` with psycopg 3,
``InternalError`` with psycopg2 (both ``django.db.DatabaseError``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import DatabaseError

PROTECT = "PGT01"
"""``Protect``: the operation is refused."""
READ_ONLY = "PGT02"
"""``ReadOnly``: an update changes a read-only field."""
FSM_TRANSITION = "PGT03"
"""``FSM``: an update makes a transition that is not declared."""
FSM_INITIAL = "PGT04"
"""``FSM`` with ``initial``: a row is inserted in a state that is not an initial state."""
OFFICIAL_INTERFACE = "PGT05"
"""``OfficialInterface``: the operation ran outside the official code path."""
VERSIONING = "PGT06"
"""``Versioning``: an update sets the version field by hand (or from a stale object)."""
SOFT_DELETED_PARENT = "PGT07"
"""``SoftDelete`` of a child: an insert or update makes a row alive under a soft-deleted parent
that cascades to it."""

RECIPES: dict[str, str] = {
    PROTECT: "Protect",
    READ_ONLY: "ReadOnly",
    FSM_TRANSITION: "FSM",
    FSM_INITIAL: "FSM",
    OFFICIAL_INTERFACE: "OfficialInterface",
    VERSIONING: "Versioning",
    SOFT_DELETED_PARENT: "SoftDelete",
}
"""The recipe that raises each SQLSTATE."""

DETAIL_PREFIX = "trigger: "
"""The ``DETAIL`` of a refusal is this prefix followed by the trigger's URI."""


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A write refused by a recipe's trigger, read from the database error."""

    uri: str
    """The trigger's URI, ``"app_label.ModelName:trigger_name"``."""
    sqlstate: str
    """The SQLSTATE the recipe raises (one of this module's constants)."""
    message: str
    """The primary message: the recipe's text or the trigger's ``message=``, without the
    ``DETAIL``/``HINT``/``CONTEXT`` lines the driver adds to ``str(error)``."""
    hint: str | None = None
    """The error's ``HINT`` (``OfficialInterface(hint=...)``), if any."""

    @property
    def recipe(self) -> str:
        """The recipe's class name (``"Protect"``, ``"FSM"``...)."""
        return RECIPES[self.sqlstate]


def _driver_error(exc: BaseException) -> Any:
    """The psycopg 3 / psycopg2 exception behind ``exc`` (Django puts it in ``__cause__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "diag", None) is not None:
            return current
        # __cause__ only: an error raised while handling a refusal is not that refusal.
        current = current.__cause__
    return None


def refusal(exc: BaseException) -> Refusal | None:
    """The recipe refusal ``exc`` reports, or ``None`` for any other error.

    ``exc`` is a Django ``DatabaseError`` (or the driver's own exception): works with
    psycopg 3 and psycopg2. A ``RAISE`` in your own trigger is not a refusal, unless it uses
    one of these SQLSTATEs and a ``DETAIL`` of the form ``trigger: <uri>``.
    """
    error = _driver_error(exc)
    if error is None:
        return None
    # psycopg 3: .sqlstate; psycopg2: .pgcode. Both have .diag.
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if sqlstate not in RECIPES:
        return None
    diag = error.diag
    detail = (diag.message_detail or "").split("\n", 1)[0]
    if not detail.startswith(DETAIL_PREFIX):
        return None
    return Refusal(
        uri=detail[len(DETAIL_PREFIX) :],
        sqlstate=sqlstate,
        message=diag.message_primary or "",
        hint=diag.message_hint or None,
    )


def refused_by(exc: BaseException) -> str | None:
    """The URI of the trigger that refused the write ``exc`` reports, or ``None``."""
    found = refusal(exc)
    return found.uri if found else None


class as_validation_error(contextlib.ContextDecorator):
    """Turn a recipe's refusal into a Django ``ValidationError`` carrying its message.

    Use it as a context manager or a decorator::

        with pgtrigger.errors.as_validation_error():
            obj.save()

        @pgtrigger.errors.as_validation_error(field="status")
        def perform_update(self, serializer): ...

    ``uris`` limits it to those triggers; ``field`` makes the error ``{field: [message]}``
    (``form.add_error`` and DRF put it on that field). The error's ``code`` is the SQLSTATE
    and its ``params`` hold ``uri`` and ``recipe``. Other database errors propagate as they are.

    ``error_class`` raises another exception instead, called as ``error_class(detail,
    code=sqlstate)`` with ``detail`` the list of messages, or ``{field: [message]}``: for
    example ``error_class=rest_framework.exceptions.ValidationError``, which a DRF view
    answers with a 400 response (DRF answers Django's ``ValidationError`` raised in a view
    with a 500).

    A refused statement aborts the transaction it runs in. Wrap the whole ``atomic()`` block,
    or open a savepoint inside it (``with as_validation_error(), transaction.atomic():``), so
    that the transaction can go on after the ``ValidationError``.
    """

    def __init__(
        self,
        *uris: str,
        field: str | None = None,
        error_class: Callable[..., BaseException] | None = None,
    ) -> None:
        self.uris = set(uris)
        self.field = field
        self.error_class = error_class

    def __enter__(self) -> as_validation_error:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        if not isinstance(exc, DatabaseError):
            return False
        found = refusal(exc)
        if found is None or (self.uris and found.uri not in self.uris):
            return False
        if self.error_class is not None:
            detail: Any = [found.message]
            if self.field is not None:
                detail = {self.field: detail}
            raise self.error_class(detail, code=found.sqlstate) from exc
        error = ValidationError(
            found.message.replace("%", "%%"),  # Django formats messages with params
            code=found.sqlstate,
            params={"uri": found.uri, "recipe": found.recipe},
        )
        if self.field is not None:
            error = ValidationError({self.field: [error]})
        raise error from exc
