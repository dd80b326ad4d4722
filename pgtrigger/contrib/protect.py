"""``Protect``: refuse an operation on a table."""

from __future__ import annotations

from typing import Any

from django.db import models

from pgtrigger import sql
from pgtrigger.conditions import Condition
from pgtrigger.contrib.composer import Composer
from pgtrigger.func import Func
from pgtrigger.primitives import After, Before, Delete, Insert, Level, Operation, Row, Statement


class Protect(Composer):
    """Raise an error when the operation is attempted.

    ``Protect(name="protect_deletes", operation=pgtrigger.Delete)`` makes every delete fail
    with ``pgtrigger: Cannot delete rows from <table> table (trigger "protect_deletes")``.
    Narrow it with a ``condition``; use ``level=pgtrigger.Statement`` to check once per
    statement (a bulk delete of a million rows costs one check), or to protect ``Truncate``.

    At statement level a condition cannot read rows in a ``WHEN`` clause; as in 4.x the trigger
    then runs ``AFTER`` the statement and raises if any row of its transition tables meets the
    condition (so it takes one ``Insert``, ``Update`` or ``Delete`` operation).
    """

    when = Before

    def __init__(
        self,
        *,
        name: str | None = None,
        operation: Operation | None = None,
        condition: Condition | None = None,
        level: Level | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name=name, operation=operation, condition=condition, level=level or Row, **kwargs
        )
        if self.level == Statement and self.when == Before and self._has_condition():
            # Transition tables exist only for AFTER triggers; raising there still aborts
            # the statement.
            self.when = After

    def _reads_rows(self, model: type[models.Model]) -> bool:
        """Whether the condition is applied to the transition tables (see the class doc)."""
        return self.level == Statement and self.get_condition(model) is not None

    def _has_condition(self) -> bool:
        return self.condition is not None

    def error_detail(self, model: type[models.Model]) -> str:
        """Text appended to the error message (subclasses say more)."""
        return f'trigger "{self.name}"'

    def get_func(self, model: type[models.Model]) -> str | Func:
        detail = sql.quote_literal(self.error_detail(model))
        raise_sql = (
            "RAISE EXCEPTION 'pgtrigger: Cannot % rows from % table (%)', "
            f"lower(TG_OP), TG_TABLE_NAME, {detail};"
        )
        if not self._reads_rows(model):
            return raise_sql
        operations = self.operation.operations if self.operation else ()
        if Delete in operations:
            rows = "cond_old_values"
        elif Insert in operations or "new" in self._condition_rows(model):
            rows = "cond_new_values"
        else:
            rows = "cond_old_values"
        escaped = raise_sql.replace("{", "{{").replace("}", "}}")
        return Func(
            f"IF EXISTS (SELECT 1 FROM {{{rows}}} AS _pgtrigger_rows) THEN {escaped} END IF; "
            "RETURN NULL;"
        )
