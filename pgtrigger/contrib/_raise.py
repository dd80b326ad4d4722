"""The ``RAISE`` statement of a recipe's refusal: its SQLSTATE and URI (see pgtrigger.errors)."""

from __future__ import annotations

from collections.abc import Sequence

from pgtrigger import errors, sql


def check_message(name: object, message: object) -> str | None:
    """``message`` after validation: ``None`` or a non-empty string (ValueError otherwise)."""
    if message is None or (isinstance(message, str) and message):
        return message
    raise ValueError(f'Trigger "{name}": message must be a non-empty string, not {message!r}')


def raise_sql(
    *,
    sqlstate: str,
    uri: str,
    format: str,
    args: Sequence[str] = (),
    message: str | None = None,
    hint: str | None = None,
) -> str:
    """``RAISE EXCEPTION`` with ``sqlstate``, ``DETAIL 'trigger: <uri>'`` and ``hint``.

    The message is ``format`` with ``args`` (SQL expressions for its ``%``), or ``message``
    taken literally (no ``%`` substitution) when given.
    """
    using = [
        f"ERRCODE = {sql.quote_literal(sqlstate)}",
        f"DETAIL = {sql.quote_literal(errors.DETAIL_PREFIX + uri)}",
    ]
    if hint:
        using.append(f"HINT = {sql.quote_literal(hint)}")
    if message is not None:
        return f"RAISE EXCEPTION USING MESSAGE = {sql.quote_literal(message)}, {', '.join(using)};"
    head = ", ".join([sql.quote_literal(format), *args])
    return f"RAISE EXCEPTION {head} USING {', '.join(using)};"
