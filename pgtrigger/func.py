"""``Func``: a trigger function body templated on the model it is installed for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pgtrigger import options

if TYPE_CHECKING:
    from django.db import models
    from django.db.models import Field


class _Fields:
    """``{fields.name}``: the model field called ``name``."""

    def __init__(self, model: type[models.Model]) -> None:
        self._model = model

    def __getattr__(self, name: str) -> Field:
        return self._model._meta.get_field(name)  # type: ignore[return-value]


class _Columns(_Fields):
    """``{columns.name}``: the bare column name of the field called ``name``, as in 4.x.

    Bare, not quoted: 4.x templates write ``NEW."{columns.name}"`` and compare it in string
    literals (``'{columns.name}'``). A template quotes it itself where it is an identifier.
    """

    def __getattr__(self, name: str) -> str:  # type: ignore[override]
        return options.column(super().__getattr__(name))


class Func:
    """A trigger function body rendered with ``str.format`` for each model it is installed on.

    The template sees ``meta`` (the model's ``_meta``), ``fields`` (``{fields.name}`` is the field
    object) and ``columns`` (``{columns.name}`` is the column's name, unquoted as in 4.x: write
    ``NEW."{columns.name}"``). Double braces, ``{{`` and ``}}``, stand for literal braces.
    """

    def __init__(self, func: str) -> None:
        self.func = func

    def render(self, model: type[models.Model], **kwargs: Any) -> str:
        """Render the template for ``model``; extra keyword arguments become template variables."""
        context = {"meta": model._meta, "fields": _Fields(model), "columns": _Columns(model)}
        context.update(kwargs)
        return self.func.format(**context)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Func) and other.func == self.func

    def __hash__(self) -> int:
        return hash(self.func)

    def __repr__(self) -> str:
        return f"pgtrigger.Func({self.func!r})"
