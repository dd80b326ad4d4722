"""Library settings, read from Django settings at call time so tests can override them."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "PGTRIGGER_MIGRATIONS": True,
    "PGTRIGGER_MIGRATIONS_4X": False,
    "PGTRIGGER_INSTALL_ON_MIGRATE": False,
    "PGTRIGGER_MODEL_META": True,
    "PGTRIGGER_PRUNE_ON_INSTALL": True,
    "PGTRIGGER_SCHEMA": "public",
    "PGTRIGGER_SCHEMA_EDITOR": True,
}


def get(name: str) -> Any:
    """Return the setting ``name``, falling back to the library default."""
    return getattr(settings, name, DEFAULTS[name])


def migrations() -> bool:
    """Triggers in migrations; they need ``Meta.triggers`` in model state, so MODEL_META too."""
    return bool(get("PGTRIGGER_MIGRATIONS")) and model_meta()


def migrations_4x() -> bool:
    """``makemigrations`` writes files that 4.x reads too (``AddTrigger``/``RemoveTrigger``
    of 4.x's compiled SQL), for library authors who support both major versions."""
    return bool(get("PGTRIGGER_MIGRATIONS_4X"))


def install_on_migrate() -> bool:
    return bool(get("PGTRIGGER_INSTALL_ON_MIGRATE"))


def model_meta() -> bool:
    return bool(get("PGTRIGGER_MODEL_META"))


def prune_on_install() -> bool:
    return bool(get("PGTRIGGER_PRUNE_ON_INSTALL"))


def schema() -> str:
    return str(get("PGTRIGGER_SCHEMA"))


def schema_editor() -> bool:
    return bool(get("PGTRIGGER_SCHEMA_EDITOR"))
