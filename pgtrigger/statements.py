"""Which statements the runtime blocks send unchanged, read as PostgreSQL reads them.

``ignore()``, ``schema()`` and ``context()`` send their settings in the query's transaction
(:mod:`pgtrigger.transaction_settings`). Two kinds of statement must go without them:

- those PostgreSQL refuses inside a transaction block (SQLSTATE 25001: ``VACUUM``,
  ``CREATE INDEX CONCURRENTLY``, ``REINDEX SCHEMA``, ``CLUSTER`` without a table, ...), which
  a ``SELECT set_config(...)`` sent with them would put in one;
- transaction control (``BEGIN``, ``SAVEPOINT``, ``COMMIT``, ...), followed rather than
  given settings.

Both are recognised by their first words, after whitespace and comments (``--`` to the end of
the line, ``/* */`` nested), as PostgreSQL's scanner skips them. The test suite compares
:func:`refused_in_transaction_block` with the server's own refusal over a generated corpus.
"""

from __future__ import annotations

import re

_SPACE = " \t\n\r\f\v"
_WORD = re.compile(r"[^\W\d][\w$]*")  # an unquoted identifier or keyword
_TRUE = ("true", "on", "yes", "1", "t", "y")

# The first three letters of the statements sent unchanged: other queries skip the scan.
STARTS = frozenset(
    {"beg", "sta", "com", "end", "rol", "abo", "sav", "rel", "pre", "set", "vac", "dis"}
    | {"che", "alt", "cre", "dro", "rei", "clu"}
)


def tokens(text: str, limit: int = 16) -> list[str]:
    """The first ``limit`` tokens of ``text``, comments and whitespace skipped.

    Words come lower-cased; a quoted identifier as written (never a keyword); a parenthesized
    group as one token, lower-cased with its parentheses; any other character alone.
    """
    found: list[str] = []
    i, n = 0, len(text)
    while i < n and len(found) < limit:
        c = text[i]
        if c in _SPACE:
            i += 1
        elif text.startswith("--", i):
            ends = [j for j in (text.find("\n", i), text.find("\r", i)) if j >= 0]
            i = min(ends) + 1 if ends else n
        elif text.startswith("/*", i):
            depth = 0
            while i < n:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        break
                else:
                    i += 1
        elif c == '"':
            j = i + 1
            while j < n and (text[j] != '"' or text.startswith('""', j)):
                j += 2 if text.startswith('""', j) else 1
            found.append(text[i : j + 1])
            i = j + 1
        elif c == "(":
            depth, j = 0, i
            while j < n:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            found.append(text[i:j].lower())
            i = j
        else:
            match = _WORD.match(text, i)
            if match:
                found.append(match.group().lower())
                i = match.end()
            else:
                found.append(c)
                i += 1
    return found


def _option_on(group: str, name: str) -> bool:
    """Whether the parenthesized option list ``group`` turns option ``name`` on."""
    for option in group.strip("()").split(","):
        words = option.split()
        if words and words[0] == name:
            return len(words) == 1 or words[1].strip("'") in _TRUE
    return False


def _after_name(words: list[str], start: int) -> int:
    """The index after a possibly qualified name starting at ``start``."""
    i = start + 1
    while i + 1 < len(words) and words[i] == ".":
        i += 2
    return i


def refused_in_transaction_block(text: str) -> bool:
    """Whether PostgreSQL refuses ``text`` inside a transaction block (SQLSTATE 25001).

    Every form is read from the statement's words, not from the objects it names: a
    ``REINDEX TABLE`` of a partitioned table, which the server refuses once it has looked the
    table up, is not recognised. Subscription commands, which the server refuses or not
    depending on their options, always count as refused: sent unchanged, they lose nothing.
    """
    words = tokens(text)
    if not words:
        return False
    first, rest = words[0], [*words[1:], "", "", ""]
    if first == "vacuum":
        return True
    if first == "cluster":  # without a table: every clustered table of the database
        i = 1 if rest[0].startswith("(") else 0
        i += rest[i] == "verbose"
        return rest[i] in ("", ";")
    if first == "reindex":
        i = 0
        if rest[0].startswith("("):
            if _option_on(rest[0], "concurrently"):
                return True
            i = 1
        return rest[i] in ("system", "database", "schema") or rest[i + 1] == "concurrently"
    if first in ("create", "drop"):
        i = 1 if first == "create" and rest[0] == "unique" else 0
        if rest[i] in ("database", "tablespace", "subscription"):
            return True
        return rest[i] == "index" and rest[i + 1] == "concurrently"
    if first == "alter":
        if rest[0] in ("system", "subscription"):
            return True
        if rest[0] == "database":
            i = _after_name(rest, 1)
            return rest[i : i + 2] == ["set", "tablespace"]
        if rest[0] == "table":
            for i in range(1, len(rest) - 2):
                if rest[i : i + 2] == ["detach", "partition"]:
                    return rest[_after_name(rest, i + 2)] == "concurrently"
    return False


def transaction_control(text: str) -> bool:
    """Whether ``text`` is a transaction control statement (``BEGIN``, ``SAVEPOINT``, ...),
    ``DISCARD`` or ``CHECKPOINT``."""
    words = [*tokens(text, 3), "", "", ""]
    first, second = words[0], words[1]
    if first in ("begin", "start", "commit", "end", "rollback", "abort", "savepoint"):
        return True
    if first in ("release", "discard", "checkpoint"):
        return True
    if first == "prepare":
        return second == "transaction"
    if first == "set":
        return second == "transaction" or words[1:3] == ["session", "characteristics"]
    return False


def unbundled(text: str) -> bool:
    """Whether ``text`` is sent without settings: refused in a block, or transaction control.

    Cheap for most queries: only those whose first letters could start such a statement, or
    which start with a comment or much whitespace, are scanned.
    """
    head = text[:16].lstrip(_SPACE)
    start = head[:3].lower()
    if start not in STARTS and head[:2] not in ("--", "/*") and head:
        return False
    return transaction_control(text) or refused_in_transaction_block(text)
