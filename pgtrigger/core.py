"""django-pgtrigger 4.x's ``pgtrigger.core`` module, for code that imports from it.

django-pghistory, among others, runs ``import pgtrigger.core`` and tests
``isinstance(condition, pgtrigger.core._Change)``. The names live in the modules listed here.
"""

from pgtrigger.conditions import (
    AllChange,
    AllDontChange,
    AnyChange,
    AnyDontChange,
    Condition,
    F,
    IsDistinctFrom,
    IsNotDistinctFrom,
    Q,
)
from pgtrigger.conditions import _Changes as _Change
from pgtrigger.func import Func
from pgtrigger.installation import Status
from pgtrigger.primitives import (
    After,
    Before,
    Deferred,
    Delete,
    Immediate,
    Insert,
    InsteadOf,
    Level,
    Operation,
    Operations,
    Referencing,
    Row,
    Statement,
    Timing,
    Truncate,
    Update,
    UpdateOf,
    When,
)
from pgtrigger.trigger import MAX_NAME_LENGTH, Trigger

# Installation states, as strings (``Status`` members compare equal to them).
INSTALLED: str = Status.INSTALLED.value
UNINSTALLED: str = Status.UNINSTALLED.value
OUTDATED: str = Status.OUTDATED.value
PRUNE: str = Status.PRUNE.value
UNALLOWED: str = Status.UNALLOWED.value

__all__ = [
    "INSTALLED",
    "MAX_NAME_LENGTH",
    "OUTDATED",
    "PRUNE",
    "UNALLOWED",
    "UNINSTALLED",
    "After",
    "AllChange",
    "AllDontChange",
    "AnyChange",
    "AnyDontChange",
    "Before",
    "Condition",
    "Deferred",
    "Delete",
    "F",
    "Func",
    "Immediate",
    "Insert",
    "InsteadOf",
    "IsDistinctFrom",
    "IsNotDistinctFrom",
    "Level",
    "Operation",
    "Operations",
    "Q",
    "Referencing",
    "Row",
    "Statement",
    "Timing",
    "Trigger",
    "Truncate",
    "Update",
    "UpdateOf",
    "When",
    "_Change",
]
