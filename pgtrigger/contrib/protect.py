"""``Protect``: refuse an operation on a table."""

from __future__ import annotations

from typing import Any

from django.db import models

from pgtrigger import sql
from pgtrigger.conditions import Condition
from pgtrigger.primitives import Before, Level, Operation, Row
from pgtrigger.trigger import Trigger


class Protect(Trigger):
    """Raise an error when the operation is attempted.

    ``Protect(name="protect_deletes", operation=pgtrigger.Delete)`` makes every delete fail
    with ``pgtrigger: Cannot delete rows from <table> table (trigger "protect_deletes")``.
    Narrow it with a ``condition``; use ``level=pgtrigger.Statement`` to check once per
    statement (a bulk delete of a million rows costs one check), or to protect ``Truncate``.
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

    def error_detail(self, model: type[models.Model]) -> str:
        """Text appended to the error message (subclasses say more)."""
        return f'trigger "{self.name}"'

    def get_func(self, model: type[models.Model]) -> str:
        detail = sql.quote_literal(self.error_detail(model))
        return (
            "RAISE EXCEPTION 'pgtrigger: Cannot % rows from % table (%)', "
            f"lower(TG_OP), TG_TABLE_NAME, {detail};"
        )
