"""How an installed trigger differs from the SQL expected for its declaration.

``drift(expected, installed, shape)`` compares the catalog (``pg_trigger``, ``pg_proc`` and
PostgreSQL's own rendering of the trigger) with one compiled ``TriggerSql``, whatever layout
produced it (this release's, an older one's, or django-pgtrigger 4.x's ``UpsertTriggerSql``):
which SQL counts as expected is the caller's choice.

What the comment's hash does not cover is checked in the catalog: a hand edit
(``ALTER TABLE ... DISABLE TRIGGER``, ``CREATE OR REPLACE TRIGGER ... WHEN (false)``,
``ALTER FUNCTION ... SET``) keeps the comment but not the rest.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Any

from pgtrigger.primitives import Fires

if TYPE_CHECKING:
    from pgtrigger.compiler import TriggerSql
    from pgtrigger.installation import InstalledTrigger


class Drift(str, enum.Enum):
    """One way an installed trigger differs from its declaration."""

    # Disabled (``ALTER TABLE ... DISABLE TRIGGER``): ``status`` keeps 4.x's INSTALLED, with
    # ``enabled`` False; ``ls --check`` fails on it unless ``--allow-disabled``.
    DISABLED = "disabled"
    # Enabled in another mode than the declared ``fires`` (ORIGIN, REPLICA, ALWAYS).
    FIRES = "fires"
    # The comment's hash is another declaration's (or missing).
    HASH = "hash"
    # The function's source, language or security (SECURITY DEFINER) differ.
    FUNCTION = "function"
    # The function's configuration (``SET`` options, ``proconfig``) differs.
    CONFIG = "config"
    # Timing, events, ``UPDATE OF`` columns, level, transition tables, deferrability or the
    # constraint flag differ.
    DEFINITION = "definition"
    # The ``WHEN`` clause differs from the one installed.
    WHEN = "when"
    # Installed without a fingerprint (by 4.x itself, before the switch) while its ``WHEN``
    # clause or configuration can only be compared through one: everything else is compared.
    UNVERIFIED = "unverified"


# Drift that leaves the trigger INSTALLED: 4.x's status for a disabled trigger; and a trigger
# 4.x installed, current by everything the catalog can vouch for without a fingerprint (a
# switching team's database must not be OUTDATED on day one: issue 20). The next migration
# that installs it records the fingerprint.
NOT_OUTDATED = frozenset({Drift.DISABLED, Drift.UNVERIFIED})

_WHEN_CLAUSE = re.compile(r"\bWHEN\s*\(", re.IGNORECASE)
# ``function_sql`` pins the installing session's search path for non-ORIGIN triggers.
_PINNED_PATH = "SET search_path FROM CURRENT"


def expected_config(expected: TriggerSql) -> tuple[str, ...]:
    """The names of the settings the expected function's ``CREATE FUNCTION`` sets."""
    return ("search_path",) if _PINNED_PATH in expected.function_sql() else ()


def drift(expected: TriggerSql, installed: InstalledTrigger, shape: tuple[Any, ...]) -> list[Drift]:
    """Every way ``installed`` differs from ``expected`` (none: it is installed as expected).

    ``shape`` is ``InstalledTrigger.shape`` as the declaration implies it (timing, events,
    level, ``UPDATE OF`` columns, transition tables, deferrability), the same for every layout.
    The ``WHEN`` clause and the function's configuration are compared through the fingerprint
    that install recorded in the comment: PostgreSQL's own rendering of what it installed
    (``compiler.FINGERPRINT_SQL``), so its formatting (casts, parentheses, case) never counts.
    """
    found: list[Drift] = []
    if installed.tgenabled == "D":
        found.append(Drift.DISABLED)
    elif installed.tgenabled != Fires.parse(expected.fires).tgenabled:
        found.append(Drift.FIRES)
    if installed.hash != expected.hash:
        found.append(Drift.HASH)
    # A 4.x trigger may execute another function than its own (UpdateSearchVector's
    # tsvector_update_trigger): that built-in is not the expected function.
    own_function = getattr(expected, "execute", None) in (None, f"{expected.pgid}()")
    if own_function and (
        installed.function_source != expected.function
        or installed.language != "plpgsql"
        or installed.security_definer
    ):
        found.append(Drift.FUNCTION)
    config = tuple(setting.split("=", 1)[0] for setting in installed.config)
    if config != expected_config(expected):
        found.append(Drift.CONFIG)
    if installed.shape != shape or installed.constraint != bool(expected.constraint):
        found.append(Drift.DEFINITION)
    has_when = bool(_WHEN_CLAUSE.search(expected.body))
    if installed.has_when != has_when:
        found.append(Drift.WHEN)
    elif installed.fingerprint is not None:
        recorded, current = installed.fingerprint, installed.current_fingerprint
        if recorded[:32] != current[:32]:
            found.append(Drift.WHEN)
        if recorded[32:] != current[32:] and Drift.CONFIG not in found:
            found.append(Drift.CONFIG)
    elif has_when or config:
        found.append(Drift.UNVERIFIED)
    return found
