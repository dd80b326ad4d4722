"""Reading ``pgtrigger.context()`` values in a trigger's SQL."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

from pgtrigger import sql


def _text_sql(key: str) -> str:
    # NULLIF: once set in a session, the placeholder setting reads '' outside any block.
    return (
        f"(NULLIF(current_setting({sql.quote_literal(sql.CONTEXT_SETTING)}, true), '')::jsonb"
        f" ->> {sql.quote_literal(key)})"
    )


def _cast_type(field: models.Field[Any, Any], connection: Any) -> str | None:
    """The type to cast a text value to for ``field`` (None: text assigns as it is)."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    if isinstance(target, (models.CharField, models.TextField)):
        return None  # an explicit ::varchar(n) cast would silently truncate
    return str(field.cast_db_type(connection))


class ContextValue(models.Expression):
    """The value of ``key`` in the current ``pgtrigger.context()``, as SQL.

    A Django expression (for ``SyncField``, ``Composer`` or any expression-taking API) whose
    ``str()`` is the SQL itself, for ``Func`` templates and hand-written trigger bodies::

        (NULLIF(current_setting('pgtrigger.context', true), '')::jsonb ->> 'actor')

    The value is text (JSON ``null`` and a missing key are SQL ``NULL``), or cast to
    ``output_field``'s type when one is given.
    """

    def __init__(self, key: str, output_field: models.Field[Any, Any] | None = None) -> None:
        super().__init__(output_field=output_field or models.TextField())
        self.key = key
        self._cast = output_field is not None

    def __repr__(self) -> str:
        return f"pgtrigger.context_value({self.key!r})"

    def render(self, connection: Any = None) -> str:
        """The SQL (cast with ``connection``'s types; default: the default database's)."""
        value = _text_sql(self.key)
        if not self._cast:
            return value
        cast = _cast_type(self.output_field, connection or connections[DEFAULT_DB_ALIAS])
        return f"CAST({value} AS {cast})" if cast else value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        # '%' is a placeholder marker in compiled SQL; the rendered SQL contains none.
        return self.render(connection), ()

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def context_value(key: str, output_field: models.Field[Any, Any] | None = None) -> ContextValue:
    """The SQL expression reading ``key`` of ``pgtrigger.context()`` (see ``ContextValue``)."""
    return ContextValue(key, output_field)


def assign_sql(field: models.Field[Any, Any], key: str = "actor") -> str:
    """``key``'s value as SQL assignable to ``field``'s column (cast to its type)."""
    value = _text_sql(key)
    cast = _cast_type(field, connections[DEFAULT_DB_ALIAS])
    return f"CAST({value} AS {cast})" if cast else value
