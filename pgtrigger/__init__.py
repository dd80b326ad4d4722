"""Declare PostgreSQL triggers on Django models."""

from pgtrigger import meta as _meta
from pgtrigger import settings as _settings

try:
    if _settings.model_meta():
        _meta.allow_meta_triggers()
except Exception:  # settings not configured yet: apps.py enables it at start-up
    pass

from pgtrigger import errors as errors
from pgtrigger import testing as testing
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
from pgtrigger.context_sql import context_value
from pgtrigger.contrib.change_tracking import TrackChanges
from pgtrigger.contrib.composer import Composer
from pgtrigger.contrib.fsm import FSM, TransitionNotAllowed
from pgtrigger.contrib.hard_delete import hard_delete
from pgtrigger.contrib.official_interface import OfficialInterface
from pgtrigger.contrib.protect import Protect
from pgtrigger.contrib.read_only import ReadOnly
from pgtrigger.contrib.search_vector import UpdateSearchVector
from pgtrigger.contrib.soft_delete import SoftDelete
from pgtrigger.contrib.soft_delete_manager import SoftDeleteManager, SoftDeleteQuerySet
from pgtrigger.contrib.sync import SyncAggregate, SyncField
from pgtrigger.contrib.versioning import Versioning
from pgtrigger.func import Func
from pgtrigger.installation import (
    disable,
    enable,
    install,
    prunable,
    prune,
    uninstall,
)
from pgtrigger.primitives import (
    After,
    Always,
    Before,
    Deferred,
    Delete,
    Fires,
    Immediate,
    Insert,
    InsteadOf,
    Level,
    Operation,
    Operations,
    Origin,
    Referencing,
    Replica,
    Row,
    Statement,
    Timing,
    Truncate,
    Update,
    UpdateOf,
    When,
)
from pgtrigger.registry import register, registered
from pgtrigger.runtime import constraints, context, current_context, ignore, is_ignored, schema
from pgtrigger.trigger import Trigger
from pgtrigger.version import __version__

__all__ = [
    "FSM",
    "After",
    "AllChange",
    "AllDontChange",
    "Always",
    "AnyChange",
    "AnyDontChange",
    "Before",
    "Composer",
    "Condition",
    "Deferred",
    "Delete",
    "F",
    "Fires",
    "Func",
    "Immediate",
    "Insert",
    "InsteadOf",
    "IsDistinctFrom",
    "IsNotDistinctFrom",
    "Level",
    "OfficialInterface",
    "Operation",
    "Operations",
    "Origin",
    "Protect",
    "Q",
    "ReadOnly",
    "Referencing",
    "Replica",
    "Row",
    "SoftDelete",
    "SoftDeleteManager",
    "SoftDeleteQuerySet",
    "Statement",
    "SyncAggregate",
    "SyncField",
    "Timing",
    "TrackChanges",
    "TransitionNotAllowed",
    "Trigger",
    "Truncate",
    "Update",
    "UpdateOf",
    "UpdateSearchVector",
    "Versioning",
    "When",
    "__version__",
    "constraints",
    "context",
    "context_value",
    "current_context",
    "disable",
    "enable",
    "hard_delete",
    "ignore",
    "install",
    "is_ignored",
    "prunable",
    "prune",
    "register",
    "registered",
    "schema",
    "uninstall",
]
