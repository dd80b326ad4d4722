"""``ReadOnly``: fields (or whole rows) that updates may not change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models

from pgtrigger import errors
from pgtrigger.conditions import AnyChange, Condition
from pgtrigger.contrib import _columns
from pgtrigger.contrib.protect import Protect
from pgtrigger.primitives import Level, Update


class ReadOnly(Protect):
    """Refuse updates that change read-only fields.

    ``ReadOnly(name="frozen")`` freezes every field; ``fields=["created_at"]`` freezes only
    those, ``exclude=["notes"]`` freezes all but those. Updates that leave the fields as they
    are go through. The error names the table, the trigger and the read-only fields. At
    ``level=pgtrigger.Statement`` it checks the statement's transition tables once, after it.
    ``message=`` replaces the error's text; SQLSTATE ``PGT02`` (``pgtrigger.errors``).
    """

    sqlstate = errors.READ_ONLY

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

    def check(self, model: type[models.Model]) -> list[checks.CheckMessage]:
        """E107 for ``fields``/``exclude`` names that are not fields of ``model``."""
        unknown = []
        for name in [*self.fields, *self.exclude]:
            try:
                AnyChange(name).get_fields(model)
            except (FieldDoesNotExist, FieldError):
                unknown.append(name)
        if not unknown:
            return []
        argument = "fields" if set(unknown) & set(self.fields) else "exclude"
        valid = _columns.field_names(model)
        listed = ", ".join(f'"{name}"' for name in unknown)
        noun = "is not a field" if len(unknown) == 1 else "are not fields"
        return [
            checks.Error(
                f'Trigger "{self.name}" on {model._meta.label}: ReadOnly {argument} {listed} '
                f"{noun} of the model.",
                hint=f"Name fields of {model._meta.label}: {valid}.",
                obj=model,
                id="pgtrigger.E107",
            )
        ]
