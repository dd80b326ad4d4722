"""``ReadOnly``: fields (or whole rows) that updates may not change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from pgtrigger.conditions import AnyChange, Condition
from pgtrigger.contrib.protect import Protect
from pgtrigger.primitives import Level, Update


class ReadOnly(Protect):
    """Refuse updates that change read-only fields.

    ``ReadOnly(name="frozen")`` freezes every field; ``fields=["created_at"]`` freezes only
    those, ``exclude=["notes"]`` freezes all but those. Updates that leave the fields as they
    are go through. The error names the table, the trigger and the read-only fields. At
    ``level=pgtrigger.Statement`` it checks the statement's transition tables once, after it.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        fields: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        level: Level | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("condition") is not None:
            raise ValueError(f'ReadOnly trigger "{name}" takes no condition: use fields/exclude')
        if fields and exclude:
            raise ValueError(f'ReadOnly trigger "{name}": pass fields or exclude, not both')
        self.fields = list(fields or [])
        self.exclude = list(exclude or [])
        kwargs.pop("operation", None)
        super().__init__(name=name, operation=Update, level=level, **kwargs)

    def _has_condition(self) -> bool:
        return True  # the fields' change, known per model

    def get_condition(self, model: type[models.Model]) -> Condition:
        return AnyChange(*self.fields, exclude=self.exclude)

    def error_detail(self, model: type[models.Model]) -> str:
        names = ", ".join(
            f.name for f in AnyChange(*self.fields, exclude=self.exclude).get_fields(model)
        )
        return f'trigger "{self.name}"; read-only fields: {names}'
