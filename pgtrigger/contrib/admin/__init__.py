"""The Django admin for triggers and recipes: add ``"pgtrigger.contrib.admin"`` to
``INSTALLED_APPS`` (after ``django.contrib.admin``).

The app registers the trigger status page. The ``ModelAdmin`` mixins are imported from here:
``FSMAdminMixin``, ``SoftDeleteAdminMixin`` and ``HistoryAdminMixin`` (see docs/admin.md).
They are loaded on first use, so that ``INSTALLED_APPS`` can import this package before the
app registry is ready.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgtrigger.contrib.admin.fsm import FSMAdminMixin
    from pgtrigger.contrib.admin.history import HistoryAdminMixin
    from pgtrigger.contrib.admin.soft_delete import SoftDeleteAdminMixin

__all__ = ["FSMAdminMixin", "HistoryAdminMixin", "SoftDeleteAdminMixin"]

_MODULES = {
    "FSMAdminMixin": "fsm",
    "HistoryAdminMixin": "history",
    "SoftDeleteAdminMixin": "soft_delete",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
