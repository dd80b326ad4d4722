"""Library settings, read from Django settings at call time so tests can override them."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "PGTRIGGER_MIGRATIONS": True,
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
