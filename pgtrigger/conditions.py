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
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.expressions import Col
from django.db.models.fields.related_lookups import RelatedLookupMixin
from django.db.models.lookups import Lookup
from django.db.models.sql.datastructures import BaseTable
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, WhereNode

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


class _RelatedIsDistinctFrom(RelatedLookupMixin, IsDistinctFrom):
    """``fk__df=value``: a model instance or a key, normalized as Django's related lookups do."""


class _RelatedIsNotDistinctFrom(RelatedLookupMixin, IsNotDistinctFrom):
    """``fk__ndf=value``, as ``_RelatedIsDistinctFrom``."""


models.Field.register_lookup(IsDistinctFrom)
models.Field.register_lookup(IsNotDistinctFrom)
# Related fields take only their own lookups, not Field's.
models.ForeignObject.register_lookup(_RelatedIsDistinctFrom)
models.ForeignObject.register_lookup(_RelatedIsNotDistinctFrom)


class NotAColumn(FieldDoesNotExist, ValueError):
    """A condition names a field without a column of its own (many-to-many, reverse relation).

    A ``ValueError`` as 4.x raises for a many-to-many field, and a ``FieldDoesNotExist`` as
    for an unknown field.
    """


def _split_row(name: str) -> tuple[str, str]:
    """Split ``old__rest`` into ``("OLD", "rest")``."""
    prefix, _, rest = name.partition("__")
    if prefix not in PSEUDO_ROWS or not rest:
        raise FieldDoesNotExist(
            f'"{name}" must start with "old__" or "new__" followed by a field name'
        )
    return PSEUDO_ROWS[prefix], rest


def _split_ref(model: type[models.Model], name: str) -> tuple[str, Field, list[str]]:
    """Split ``old__field__lookups`` into ``("OLD", field, ["lookups"])``."""
    row, rest = _split_row(name)
    field_name, *lookups = rest.split("__")
    opts = options.concrete_options(model)
    field: Any
    try:
        field = opts.pk if field_name == "pk" else opts.get_field(field_name)
    except FieldDoesNotExist:
        field = next((f for f in opts.concrete_fields if f.attname == field_name), None)
        if field is None:
            raise
    if not getattr(field, "concrete", False) or field.many_to_many:
        raise NotAColumn(f'"{field_name}" is not a column of {opts.label}')
    return row, field, lookups


class _PseudoCol(Col):
    """A column of ``OLD``/``NEW`` (or a transition table), its name escaped by us.

    Django's ``quote_name`` does not double embedded quotes; ``sql.quote_ident`` does.
    """

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return f"{self.alias}.{sql.quote_ident(options.column(self.target))}", ()


class _PseudoRowQuery(Query):
    """A query over two "tables", the pseudo rows ``OLD`` and ``NEW``.

    Filters are built by Django's own ``build_filter`` (through ``_add_q``), so a condition gets
    exactly a queryset filter's semantics, including the ``IS NOT NULL`` terms Django adds
    under a negation. Only the starting table changes: ``old__<path>`` is resolved from
    ``OLD``, ``new__<path>`` from ``NEW``. Paths that need a join (``new__fk__name``) are
    refused; ``new__fk``, ``new__fk_id`` and ``new__fk__id`` name the row's own column.
    """

    model: type[models.Model]

    def __init__(self, model: type[models.Model], *args: Any, **kwargs: Any) -> None:
        super().__init__(model, *args, **kwargs)
        table = options.concrete_options(model).db_table
        self._rows = {row: _alias(row) for row in PSEUDO_ROWS.values()}
        for alias in self._rows.values():
            self.alias_map[alias] = BaseTable(table, alias)
            self.alias_refcount[alias] = 1
        self._row = self._rows["NEW"]

    def get_initial_alias(self) -> str:
        return self._row

    def _get_col(self, target: Any, field: Any, alias: Any) -> Col:
        return _PseudoCol(alias, target, field)

    def trim_joins(self, targets: Any, joins: Any, path: Any) -> Any:
        targets, alias, joins = super().trim_joins(targets, joins, path)
        if alias not in self._rows.values():
            raise FieldError(
                f"a condition on {self.model._meta.label} can only read the row's own columns, "
                "not another table's through a relation: compare the foreign key itself "
                "(new__<fk>, new__<fk>_id)"
            )
        return targets, alias, joins

    def build_filter(self, filter_expr: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(filter_expr, Condition) and not isinstance(filter_expr, models.Q):
            raw: list[Any] = [_RawCondition(filter_expr.resolve(self.model))]
            return WhereNode(raw, connector=AND), []
        if isinstance(filter_expr, tuple):
            key, value = filter_expr
            row, rest = _split_row(key)
            previous, self._row = self._row, self._rows[row]
            try:
                clause, joins = super().build_filter((rest, value), *args, **kwargs)
            finally:
                self._row = previous
            if isinstance(clause.children[0], _DistinctLookup):
                # Null-safe lookups are never UNKNOWN: the IS NOT NULL terms Django adds under
                # a negation would make ~Q(new__x__df=...) wrong when x is NULL.
                del clause.children[1:]
            return clause, joins
        return super().build_filter(filter_expr, *args, **kwargs)

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
        # Without joins to promote, Django's flags only matter for m2m paths: split_subq=False
        # joins them instead of writing a subquery, and the join is then refused.
        where, _ = query.build_filter(self, split_subq=False)
        try:
            text, params = compiler.compile(where)
        except EmptyResultSet:  # e.g. new__x__in=[]: filter() matches nothing
            return "FALSE"
        except FullResultSet:  # e.g. ~Q(new__x__in=[]): exclude() keeps everything
            return "TRUE"
        return sql.interpolate(text, params)

    def references(self, model: type[models.Model]) -> set[str]:
        found: set[str] = set()
        for child in _flatten(self):
            if isinstance(child, Condition) and not isinstance(child, models.Q):
                found |= child.references(model)
                continue
            key, value = child
            found.add(_split_row(key)[0])
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


ROW_PREFIXES = ("old__", "new__")


class F(models.F):
    """A reference to ``old__<field>`` or ``new__<field>`` inside a condition.

    Raises ``ValueError`` (as 4.x does) when ``name`` does not start with ``old__`` or
    ``new__`` followed by a field, so ``F("price")`` fails where it is written.
    """

    def __init__(self, name: Any) -> None:
        if (
            not isinstance(name, str)
            or not name.startswith(ROW_PREFIXES)
            or len(name) == len(ROW_PREFIXES[0])
        ):
            raise ValueError(
                f"pgtrigger.F({name!r}): F() values must reference old__<field> or "
                "new__<field>, for example pgtrigger.F('old__price')."
            )
        super().__init__(name)
        # 4.x's attributes, read by code written for it.
        self.row_alias = "OLD" if name.startswith("old__") else "NEW"
        self.col_name = name[len("old__") :]

    @property
    def resolved_name(self) -> str:
        """``OLD."col"`` / ``NEW."col"``: the rest of the name quoted, as 4.x spells it."""
        return f"{self.row_alias}.{sql.quote_ident(self.col_name)}"


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
        old, new = _alias("OLD"), _alias("NEW")
        if self.connector == "OR" and set(fields) == set(
            options.concrete_options(model).local_concrete_fields
        ):
            # As in 4.x, "any" over every field compares whole rows: AnyChange() is true when
            # some column changed, AnyDontChange() when NO column changed (4.x's documented
            # redundant-update recipe, Protect(condition=AnyDontChange())).
            return f"{old}.* {self.operator} {new}.*"
        connector = f" {self.connector} "
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
    """True when any of the fields (default: all) changed.

    Over every field of the model (no fields, or all of them) it compares whole rows,
    ``OLD.* IS DISTINCT FROM NEW.*``, as 4.x does.
    """


class AllChange(_Changes):
    """True when every one of the fields (default: all) changed."""

    connector = "AND"


class AnyDontChange(_Changes):
    """True when any of the listed fields kept its value.

    Over every field of the model (no fields, the default, or all of them) it is true when no
    column changed, ``OLD.* IS NOT DISTINCT FROM NEW.*``, as in 4.x: there, "any" over all the
    fields compares whole rows, so ``Protect(operation=Update, condition=AnyDontChange())``
    refuses redundant updates.
    """

    operator = "IS NOT DISTINCT FROM"


class AllDontChange(_Changes):
    """True when none of the fields (default: all) changed."""

    operator = "IS NOT DISTINCT FROM"
    connector = "AND"
