"""Trigger conditions: the SQL of a trigger's ``WHEN`` clause.

``Q`` and ``F`` conditions are compiled by Django's own query compiler against the pseudo rows
``OLD`` and ``NEW``, so lookups, transforms and value adaptation behave as in a queryset, and every
value is inlined as an escaped literal.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.expressions import Col
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedLookupMixin
from django.db.models.lookups import Lookup
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, OR, WhereNode

from pgtrigger import options, sql

if TYPE_CHECKING:
    from django.db.models import Field

PSEUDO_ROWS = {"old": "OLD", "new": "NEW"}

# How OLD and NEW are spelled in compiled SQL: statement-level recipes compile the same
# conditions against transition tables instead (see ``row_aliases``).
_aliases: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar(
    "pgtrigger_row_aliases", default=("OLD", "NEW")
)


@contextlib.contextmanager
def row_aliases(*, old: str, new: str) -> Iterator[None]:
    """Compile conditions in the block against ``old``/``new`` instead of ``OLD``/``NEW``."""
    token = _aliases.set((old, new))
    try:
        yield
    finally:
        _aliases.reset(token)


# ``OLD.`` / ``NEW.`` in raw SQL, not as the tail of another name (``x.old.``, ``"old".``).
_PSEUDO_ROW_REF = re.compile(r'(?<![\w."$])(OLD|NEW)\.', re.IGNORECASE)


def _alias(row: str) -> str:
    old, new = _aliases.get()
    return old if row == "OLD" else new


class Condition:
    """A raw SQL condition, e.g. ``Condition('OLD."price" IS DISTINCT FROM NEW."price"')``.

    Conditions combine with ``&``, ``|`` and ``~`` into new conditions.
    """

    conditional = True  # lets Django's Q accept a Condition as a child
    sql: str | None = None

    def __init__(self, sql: str | None = None) -> None:
        self.sql = sql or self.sql
        if not self.sql:
            raise ValueError("Condition needs SQL")

    def resolve(self, model: type[models.Model]) -> str:
        """Return the SQL of the condition for ``model``.

        Compiled against transition tables (``row_aliases``), ``OLD.``/``NEW.`` references are
        rewritten to the tables' names, as 4.x does for statement-level ``Composer`` triggers.
        """
        assert self.sql is not None
        if _aliases.get() == ("OLD", "NEW"):
            return self.sql
        return _PSEUDO_ROW_REF.sub(lambda m: f"{_alias(m.group(1).upper())}.", self.sql)

    def references(self, model: type[models.Model]) -> set[str]:
        """The pseudo rows (``"OLD"``, ``"NEW"``) the condition refers to, as far as known."""
        text = self.resolve(model).upper()
        return {row for row in PSEUDO_ROWS.values() if f"{row}." in text}

    def __and__(self, other: Condition) -> Condition:
        return _Combined("AND", self, other)

    def __or__(self, other: Condition) -> Condition:
        return _Combined("OR", self, other)

    def __invert__(self) -> Condition:
        return _Negated(self)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"pgtrigger.Condition({self.sql!r})"


class _Combined(Condition):
    def __init__(self, connector: str, *conditions: Condition) -> None:
        self.connector = connector
        self.conditions = conditions

    def resolve(self, model: type[models.Model]) -> str:
        return f" {self.connector} ".join(f"({c.resolve(model)})" for c in self.conditions)

    def references(self, model: type[models.Model]) -> set[str]:
        return set().union(*(c.references(model) for c in self.conditions))

    def __repr__(self) -> str:
        return f" {self.connector.lower()} ".join(f"({c!r})" for c in self.conditions)


class _Negated(Condition):
    def __init__(self, condition: Condition) -> None:
        self.condition = condition

    def resolve(self, model: type[models.Model]) -> str:
        return f"NOT ({self.condition.resolve(model)})"

    def references(self, model: type[models.Model]) -> set[str]:
        return self.condition.references(model)

    def __repr__(self) -> str:
        return f"~({self.condition!r})"


class _DistinctLookup(Lookup):
    operator: str
    can_use_none_as_rhs = True  # NULL is a value to compare, not "no filter"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}", (*lhs_params, *rhs_params)


class IsDistinctFrom(_DistinctLookup):
    """``field__df=value``: ``IS DISTINCT FROM``, the null-safe ``!=``."""

    lookup_name = "df"
    operator = "IS DISTINCT FROM"


class IsNotDistinctFrom(_DistinctLookup):
    """``field__ndf=value``: ``IS NOT DISTINCT FROM``, the null-safe ``=``."""

    lookup_name = "ndf"
    operator = "IS NOT DISTINCT FROM"


models.Field.register_lookup(IsDistinctFrom)
models.Field.register_lookup(IsNotDistinctFrom)


class _RelatedIsDistinctFrom(RelatedLookupMixin, IsDistinctFrom):
    """``fk__df``: Django looks a relation's lookups up only as far as ``ForeignObject``."""


class _RelatedIsNotDistinctFrom(RelatedLookupMixin, IsNotDistinctFrom):
    """``fk__ndf`` (a model instance compares by its primary key, as in a queryset)."""


ForeignObject.register_lookup(_RelatedIsDistinctFrom)
ForeignObject.register_lookup(_RelatedIsNotDistinctFrom)


def _split_ref(model: type[models.Model], name: str) -> tuple[str, Field, list[str]]:
    """Split ``old__field__lookups`` into ``("OLD", field, ["lookups"])``."""
    prefix, _, rest = name.partition("__")
    if prefix not in PSEUDO_ROWS or not rest:
        raise FieldDoesNotExist(
            f'"{name}" must start with "old__" or "new__" followed by a field name'
        )
    field_name, *lookups = rest.split("__")
    opts = options.concrete_options(model)
    field: Any
    try:
        field = opts.get_field(field_name)
    except FieldDoesNotExist:
        field = next((f for f in opts.concrete_fields if f.attname == field_name), None)
        if field is None:
            raise
    if not getattr(field, "concrete", False) or field.many_to_many:
        raise FieldDoesNotExist(f'"{field_name}" is not a column of {opts.label}')
    return PSEUDO_ROWS[prefix], field, lookups


class _PseudoCol(Col):
    """A column of ``OLD``/``NEW`` (or a transition table), its name escaped by us.

    Django's ``quote_name`` does not double embedded quotes; ``sql.quote_ident`` does.
    """

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return f"{self.alias}.{sql.quote_ident(options.column(self.target))}", ()


class _PseudoRowQuery(Query):
    """A query whose ``old__``/``new__`` references resolve to columns of ``OLD`` and ``NEW``."""

    model: type[models.Model]

    def resolve_ref(
        self, name: str, allow_joins: bool = True, reuse: Any = None, summarize: bool = False
    ) -> Any:
        alias, field, transforms = _split_ref(self.model, name)
        expression: Any = _PseudoCol(_alias(alias), field)
        for transform in transforms:
            expression = self.try_transform(expression, transform)
        return expression


class Q(models.Q, Condition):
    """A condition written like a queryset filter over ``old__<field>`` and ``new__<field>``.

    ``pgtrigger.Q(old__status="draft", new__status="published")``
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        models.Q.__init__(self, *args, **kwargs)

    def resolve(self, model: type[models.Model]) -> str:
        connection = connections[DEFAULT_DB_ALIAS]
        query = _PseudoRowQuery(model)
        compiler = query.get_compiler(connection=connection)
        for alias in PSEUDO_ROWS.values():
            compiler.quote_cache[_alias(alias)] = _alias(alias)
        where = _build_where(query, self)
        text, params = compiler.compile(where)
        return sql.interpolate(text, params)

    def references(self, model: type[models.Model]) -> set[str]:
        found: set[str] = set()
        for child in _flatten(self):
            if isinstance(child, Condition) and not isinstance(child, models.Q):
                found |= child.references(model)
                continue
            key, value = child
            found.add(_split_ref(model, key)[0])
            found |= _expression_refs(model, value)
        return found

    if TYPE_CHECKING:  # Django's operators build instances of this class

        def __and__(self, other: Any) -> Q: ...
        def __or__(self, other: Any) -> Q: ...
        def __invert__(self) -> Q: ...
    else:
        __and__ = models.Q.__and__
        __or__ = models.Q.__or__
        __invert__ = models.Q.__invert__
    __eq__ = models.Q.__eq__
    __hash__ = models.Q.__hash__
    __repr__ = models.Q.__repr__


class F(models.F):
    """A reference to ``old__<field>`` or ``new__<field>`` inside a condition."""


def _flatten(node: models.Q) -> Iterable[Any]:
    for child in node.children:
        if isinstance(child, models.Q):
            yield from _flatten(child)
        else:
            yield child


def _expression_refs(model: type[models.Model], value: Any) -> set[str]:
    if isinstance(value, models.F):
        return {_split_ref(model, value.name)[0]}  # type: ignore[attr-defined]
    found: set[str] = set()
    for source in getattr(value, "get_source_expressions", list)():
        found |= _expression_refs(model, source)
    return found


def _build_where(query: _PseudoRowQuery, node: models.Q) -> WhereNode:
    children: list[Any] = []
    for child in node.children:
        if isinstance(child, models.Q):
            children.append(_build_where(query, child))
        elif isinstance(child, Condition):
            children.append(_RawCondition(child.resolve(query.model)))
        else:
            key, value = cast(tuple[str, Any], child)
            alias, field, lookups = _split_ref(query.model, key)
            if hasattr(value, "resolve_expression"):
                value = value.resolve_expression(query)
            lhs = _PseudoCol(_alias(alias), field)
            children.append(query.build_lookup(lookups or ["exact"], lhs, value))
    return WhereNode(
        children, connector=OR if node.connector == models.Q.OR else AND, negated=node.negated
    )


class _RawCondition:
    """A compiled ``Condition`` nested in a ``Q``."""

    contains_aggregate = False
    contains_over_clause = False

    def __init__(self, text: str) -> None:
        self.text = text

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return f"({self.text.replace('%', '%%')})", []


class _Changes(Condition):
    """Compare ``OLD`` and ``NEW`` over a set of fields."""

    operator = "IS DISTINCT FROM"
    connector = "OR"

    def __init__(
        self,
        *fields: str,
        exclude: Iterable[str] | None = None,
        exclude_auto: bool | None = None,
    ) -> None:
        # Lists, as in 4.x: django-pghistory assigns ``.fields`` after construction.
        self.fields: list[str] = list(fields)
        self.exclude: list[str] = list(exclude or ())
        self.exclude_auto = bool(exclude_auto)

    def get_fields(self, model: type[models.Model]) -> list[Field]:
        opts = options.concrete_options(model)
        if self.fields:
            fields = [_split_ref(model, f"new__{name}")[1] for name in self.fields]
        else:
            fields = list(opts.local_concrete_fields)
        excluded = {_split_ref(model, f"new__{name}")[1] for name in self.exclude}
        return [
            f
            for f in fields
            if f not in excluded
            and not (
                self.exclude_auto
                and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
            )
        ]

    def resolve(self, model: type[models.Model]) -> str:
        fields = self.get_fields(model)
        if not fields:
            raise ValueError(
                f"{type(self).__name__} has no fields to compare on {model._meta.label}"
            )
        connector = f" {self.connector} "
        old, new = _alias("OLD"), _alias("NEW")
        return connector.join(
            f"{old}.{sql.quote_ident(options.column(f))} {self.operator} "
            f"{new}.{sql.quote_ident(options.column(f))}"
            for f in fields
        )

    def references(self, model: type[models.Model]) -> set[str]:
        return {"OLD", "NEW"}

    def __repr__(self) -> str:
        args = [repr(f) for f in self.fields]
        if self.exclude:
            args.append(f"exclude={list(self.exclude)!r}")
        if self.exclude_auto:
            args.append("exclude_auto=True")
        return f"pgtrigger.{type(self).__name__}({', '.join(args)})"


class AnyChange(_Changes):
    """True when any of the fields (default: all) changed."""


class AllChange(_Changes):
    """True when every one of the fields (default: all) changed."""

    connector = "AND"


class AnyDontChange(_Changes):
    """True when any of the fields (default: all) kept its value."""

    operator = "IS NOT DISTINCT FROM"


class AllDontChange(_Changes):
    """True when none of the fields (default: all) changed."""

    operator = "IS NOT DISTINCT FROM"
    connector = "AND"
