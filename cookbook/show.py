"""Small helpers the cookbook demos use to show (and check) what a trigger does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, transaction


def refused(action: Callable[[], Any], expected: str) -> str:
    """Run ``action`` and return the database's error, which must contain ``expected``.

    The action runs in a savepoint, so the demo's transaction goes on after the error.
    """
    try:
        with transaction.atomic():
            action()
    except DatabaseError as exc:
        message = str(exc).splitlines()[0]
        if expected not in message:
            raise AssertionError(f"expected an error with {expected!r}, got {message!r}") from exc
        return f"refused: {message}"
    raise AssertionError(f"expected the database to refuse it ({expected!r})")


def check(condition: bool, description: str) -> str:
    """Return ``description`` as a line of the outcome; fail the demo if it does not hold."""
    if not condition:
        raise AssertionError(f"not as expected: {description}")
    return description
