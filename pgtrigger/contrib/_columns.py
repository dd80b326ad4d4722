"""Column helpers shared by the recipes."""

from __future__ import annotations

from typing import Any

from django.db import models

from pgtrigger import options, sql


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The concrete field called ``name`` (or with that attname) on ``model``."""
    opts = options.concrete_options(model)
    for field in opts.concrete_fields:
        if name in (field.name, field.attname):
            return field
    raise LookupError(f'{opts.label} has no column field "{name}"')


def field_names(model: type[models.Model]) -> str:
    """The model's concrete fields, comma-separated: the hint of a check naming a bad field."""
    return ", ".join(f.name for f in options.concrete_options(model).concrete_fields)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of field ``name``."""
    return sql.quote_ident(options.column(concrete_field(model, name)))


def pk_columns(model: type[models.Model]) -> list[str]:
    """Quoted primary key column(s); several for a ``CompositePrimaryKey``."""
    pk = options.concrete_options(model).pk
    assert pk is not None
    fields = getattr(pk, "fields", None)
    if isinstance(fields, (list, tuple)) and fields:  # CompositePrimaryKey (Django 5.2+)
        resolved = [f if isinstance(f, models.Field) else concrete_field(model, f) for f in fields]
        return [sql.quote_ident(options.column(f)) for f in resolved]
    return [sql.quote_ident(options.column(pk))]


def pk_match(model: type[models.Model], left: str, right: str) -> str:
    """SQL matching rows ``left`` and ``right`` (aliases) on the primary key."""
    return " AND ".join(f"{left}.{col} = {right}.{col}" for col in pk_columns(model))


def db_literal(field: models.Field[Any, Any], value: Any) -> str:
    """``value`` prepared by ``field`` as a SQL literal.

    No cast: an untyped literal takes the column's type where it is compared or assigned
    (an explicit ``::varchar(n)`` cast would silently truncate).
    """
    from django.db import connection

    if value is None:
        return "NULL"
    return sql.literal(field.get_db_prep_value(value, connection, prepared=False))
