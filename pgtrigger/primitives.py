"""The building blocks of a trigger declaration: level, when, operation, timing, referencing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pgtrigger import options, sql

if TYPE_CHECKING:
    from django.db import models


class _Primitive:
    """A keyword of the CREATE TRIGGER statement, compared and hashed by its SQL text."""

    values: tuple[str, ...] = ()

    def __init__(self, name: str) -> None:
        if name not in self.values:
            raise ValueError(
                f"{name!r} is not a valid {type(self).__name__}: use one of {self.values}"
            )
        self.name = name

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"pgtrigger.{type(self).__name__}({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash((type(self).__name__, str(self)))


class Level(_Primitive):
    """Whether a trigger fires once per row or once per statement."""

    values = ("ROW", "STATEMENT")


Row = Level("ROW")
"""Fire once for each affected row."""

Statement = Level("STATEMENT")
"""Fire once per statement, however many rows it touches."""


class When(_Primitive):
    """When a trigger fires relative to the operation."""

    values = ("BEFORE", "AFTER", "INSTEAD OF")


Before = When("BEFORE")
After = When("AFTER")
InsteadOf = When("INSTEAD OF")


class Timing(_Primitive):
    """Initial timing of a deferrable (constraint) trigger."""

    values = ("IMMEDIATE", "DEFERRED")


Immediate = Timing("IMMEDIATE")
"""A deferrable trigger that fires at the end of each statement unless deferred."""

Deferred = Timing("DEFERRED")
"""A deferrable trigger that fires at commit unless set immediate."""


class Fires(_Primitive):
    """When a trigger fires with respect to replication (``session_replication_role``).

    ``ALTER TABLE ... ENABLE [REPLICA | ALWAYS] TRIGGER`` sets it; the logical replication apply
    worker runs as ``replica``, so only ``Replica`` and ``Always`` triggers fire for the changes it
    applies on a subscriber.
    """

    values = ("ORIGIN", "REPLICA", "ALWAYS")

    @classmethod
    def parse(cls, value: Fires | str) -> Fires:
        """``value`` as a ``Fires``: a ``Fires`` or one of its names, in any case."""
        if isinstance(value, Fires):
            return value
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a valid Fires: use one of {cls.values}")
        return cls(value.upper())

    @property
    def keyword(self) -> str:
        """The ``ENABLE ... TRIGGER`` keyword: empty for ``Origin``."""
        return "" if self.name == "ORIGIN" else self.name

    @property
    def tgenabled(self) -> str:
        """The ``pg_trigger.tgenabled`` code of an enabled trigger in this mode."""
        return self.name[0]


Origin = Fires("ORIGIN")
"""Fire for local changes only (``session_replication_role`` ``origin`` or ``local``): the
default, as ``CREATE TRIGGER`` installs it."""

Replica = Fires("REPLICA")
"""Fire only in ``replica`` sessions, such as the logical replication apply worker's."""

Always = Fires("ALWAYS")
"""Fire whatever the session's replication role: for local and replicated changes."""


class Operation(_Primitive):
    """An event that fires a trigger. Combine operations with ``|``."""

    values = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")

    def __or__(self, other: Operation) -> Operations:
        return Operations(self, other)

    @property
    def operations(self) -> tuple[Operation, ...]:
        return (self,)

    def render(self, model: type[models.Model] | None = None) -> str:
        return self.name


class Operations(Operation):
    """Several operations, rendered as ``INSERT OR UPDATE ...``."""

    def __init__(self, *operations: Operation) -> None:
        flat: list[Operation] = []
        for operation in operations:
            if not isinstance(operation, Operation):
                raise ValueError(f"{operation!r} is not a pgtrigger operation")
            flat.extend(operation.operations)
        self._operations = tuple(flat)
        self.name = " OR ".join(op.name for op in flat)

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self._operations

    def render(self, model: type[models.Model] | None = None) -> str:
        return " OR ".join(op.render(model) for op in self._operations)

    def __repr__(self) -> str:
        return " | ".join(repr(op) for op in self._operations)


class UpdateOf(Operation):
    """An update of specific fields (or columns): ``UPDATE OF "col1", "col2"``."""

    def __init__(self, *fields: str) -> None:
        if not fields:  # as 4.x: an UPDATE OF without columns is not SQL
            raise ValueError("UpdateOf() needs at least one field: UpdateOf('field')")
        self.fields = tuple(fields)
        self.name = "UPDATE OF " + ", ".join(self.fields)

    def columns(self, model: type[models.Model]) -> list[str]:
        """Resolve field (or column) names to columns; an unknown name raises ``LookupError``."""
        by_name = {f.name: options.column(f) for f in model._meta.concrete_fields}
        by_attname = {f.attname: options.column(f) for f in model._meta.concrete_fields}
        columns = set(by_name.values())
        resolved = []
        for name in self.fields:
            if name in by_name:
                resolved.append(by_name[name])
            elif name in by_attname:
                resolved.append(by_attname[name])
            elif name in columns:
                resolved.append(name)
            else:
                raise LookupError(name)
        return resolved

    def render(self, model: type[models.Model] | None = None) -> str:
        columns = list(self.fields) if model is None else self.columns(model)
        return "UPDATE OF " + sql.join_idents(columns)

    def __repr__(self) -> str:
        return f"pgtrigger.UpdateOf({', '.join(map(repr, self.fields))})"


Insert = Operation("INSERT")
Update = Operation("UPDATE")
Delete = Operation("DELETE")
Truncate = Operation("TRUNCATE")


# An identifier PostgreSQL reads unquoted, and the case folding it applies to one (ASCII only).
_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class Referencing:
    """Transition tables for statement-level triggers: ``REFERENCING OLD TABLE AS old ...``."""

    def __init__(self, *, old: str | None = None, new: str | None = None) -> None:
        if not old and not new:
            raise ValueError('Referencing needs "old", "new" or both')
        self.old = old
        self.new = new

    @staticmethod
    def table_name(name: str) -> str:
        """The name PostgreSQL gives a transition table declared as ``name``.

        4.x wrote the names unquoted, so PostgreSQL folded them to lower case, and function
        bodies written for 4.x read ``OldRows`` unquoted (``oldrows``): a plain identifier is
        folded the same way here. Any other name (spaces, quotes) keeps its spelling.
        """
        return name.translate(_ASCII_LOWER) if _PLAIN_IDENTIFIER.fullmatch(name) else name

    @property
    def old_table(self) -> str | None:
        """``old``'s transition table as PostgreSQL names it (see ``table_name``)."""
        return self.table_name(self.old) if self.old else None

    @property
    def new_table(self) -> str | None:
        """``new``'s transition table as PostgreSQL names it (see ``table_name``)."""
        return self.table_name(self.new) if self.new else None

    def __str__(self) -> str:
        parts = ["REFERENCING"]
        if self.old_table:
            parts.append(f"OLD TABLE AS {sql.quote_ident(self.old_table)}")
        if self.new_table:
            parts.append(f"NEW TABLE AS {sql.quote_ident(self.new_table)}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"pgtrigger.Referencing(old={self.old!r}, new={self.new!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Referencing) and (self.old, self.new) == (other.old, other.new)

    def __hash__(self) -> int:
        return hash((self.old, self.new))
