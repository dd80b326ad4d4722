"""Typed access to model options.

Django's options allow ``None`` where a trigger never sees it (the concrete model of a model,
the column of a concrete field); these helpers state that once.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.options import Options


def concrete_options(model: type[models.Model]) -> Options[Any]:
    """The options of the model whose table ``model`` uses (itself, or a proxy's concrete model)."""
    concrete = model._meta.concrete_model
    assert concrete is not None, f"{model} has no concrete model"
    return concrete._meta


def column(field: Any) -> str:
    """The column of a concrete field."""
    name = field.column
    assert name is not None, f"{field} has no column"
    return str(name)
