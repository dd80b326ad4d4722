"""What django-pgtrigger 4.x compiled for a declaration: the one module that knows 4.x's SQL.

A project switching from 4.x keeps the migration files 4.x wrote: each holds an
``UpsertTriggerSql`` whose keyword arguments (and ``hash``) are 4.x's rendering of the
declaration. :func:`render` computes those keyword arguments for a declaration of this package,
exactly as 4.17.0 writes them in a migration file, so a trigger whose 4.x migration (or whose
4.x-installed SQL) matches its declaration is recognised as current.

It calls the hooks 4.x calls (``get_pgid``, ``get_condition``, ``get_declare``, ``get_func``,
``get_func_template_kwargs`` and, when a subclass outside this package defines them,
``render_condition``, ``render_declare``, ``render_func`` and ``render_execute``), so
subclasses written for 4.x (django-pghistory's, django-pgpubsub's) render as they did.

Nothing here uses this package's own SQL generator: 4.x's output is frozen, ours may change.
Where 4.x had no such declaration (``fires=``, ``message=``, the recipes 4.x lacks, conditions
combined with ``&``/``|``), :func:`render` returns None.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import operator as py_operator
import textwrap
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db import models as dj_models
from django.db.models.expressions import Col
from django.db.models.fields.related import RelatedField
from django.db.models.sql import Query
from django.db.models.sql.datastructures import BaseTable

from pgtrigger import memo
from pgtrigger import settings as pgtrigger_settings

if TYPE_CHECKING:
    from pgtrigger.trigger import Trigger

# 4.x's installation template, character for character: the hash of a 4.x trigger is the SHA-1
# of this text filled in with the trigger's SQL and an empty hash.
INSTALL_TEMPLATE = """
            CREATE OR REPLACE FUNCTION {ignore_func_name}(
                trigger_name NAME
            )
            RETURNS BOOLEAN AS $$
                DECLARE
                    _pgtrigger_ignore TEXT[];
                    _result BOOLEAN;
                BEGIN
                    BEGIN
                        SELECT INTO _pgtrigger_ignore
                            CURRENT_SETTING('pgtrigger.ignore');
                        EXCEPTION WHEN OTHERS THEN
                    END;
                    IF _pgtrigger_ignore IS NOT NULL THEN
                        SELECT trigger_name = ANY(_pgtrigger_ignore)
                        INTO _result;
                        RETURN _result;
                    ELSE
                        RETURN FALSE;
                    END IF;
                END;
            $$ LANGUAGE plpgsql;

            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    IF ({ignore_func_name}(TG_NAME) IS TRUE) THEN
                        IF (TG_OP = 'DELETE') THEN
                            RETURN OLD;
                        ELSE
                            RETURN NEW;
                        END IF;
                    END IF;
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """

# The trigger function's source (pg_proc.prosrc) as 4.x installs it: the text between the
# second function's dollar quotes.
FUNCTION_TEMPLATE = INSTALL_TEMPLATE.split("RETURNS TRIGGER AS $$", 1)[1].split("$$", 1)[0]

DEFAULT_IGNORE_FUNC_NAME = '"public"._pgtrigger_should_ignore'


def ignore_function_template() -> str:
    """The ``CREATE FUNCTION`` of 4.x's shared ``_pgtrigger_should_ignore`` (to be filled in
    with ``ignore_func_name``), taken from its installation template."""
    head = INSTALL_TEMPLATE.split("CREATE OR REPLACE FUNCTION {pgid}()")[0]
    return textwrap.dedent(head).strip().removesuffix(";")


def defaults(pgid: str) -> dict[str, str]:
    """The keyword arguments 4.x leaves out of a migration file when they have these values."""
    return {
        "ignore_func_name": DEFAULT_IGNORE_FUNC_NAME,
        "declare": "",
        "constraint": "",
        "timing": "",
        "referencing": "",
        "level": "ROW",
        "condition": "",
        "execute": f"{pgid}()",
    }


def quote(label: str) -> str:
    """4.x's quoting: double quotes unless the label already starts or ends with one."""
    return label if label.startswith('"') or label.endswith('"') else f'"{label}"'


def format_sql(text: str) -> str:
    """4.x's ``Trigger.format_sql``: stripped non-empty lines joined by single spaces."""
    return " ".join(line.strip() for line in text.split("\n") if line.strip()).strip()


def compute_hash(kwargs: dict[str, str]) -> str:
    """The ``hash`` 4.x computes for an ``UpsertTriggerSql`` of these keyword arguments."""
    args = {**defaults(kwargs["pgid"]), **kwargs, "table": quote(kwargs["table"]), "hash": ""}
    return hashlib.sha1(INSTALL_TEMPLATE.format(**args).encode()).hexdigest()


def function_source(declare: str, ignore_func_name: str, func: str) -> str:
    """The trigger function's source as 4.x installs it."""
    return FUNCTION_TEMPLATE.format(declare=declare, ignore_func_name=ignore_func_name, func=func)


class Unsupported(Exception):
    """The declaration has no 4.x rendering."""


# --- conditions ---------------------------------------------------------------------------------
class _RowQuery(Query):
    """Compiles a ``Q`` over ``old__``/``new__`` the way 4.x's query class did."""

    def build_lookup(self, lookups: Any, lhs: Any, rhs: Any) -> Any:
        if lookups == ["df"] and isinstance(lhs.output_field, RelatedField):
            lhs = copy.deepcopy(lhs)
            lhs.output_field = dj_models.IntegerField(null=lhs.output_field.null)
        return super().build_lookup(lookups, lhs, rhs)

    def build_filter(self, filter_expr: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(filter_expr, dj_models.Q):
            return super().build_filter(filter_expr, *args, **kwargs)
        if not isinstance(filter_expr, tuple):
            raise Unsupported("a condition inside a Q")
        key = filter_expr[0]
        alias = _row_alias(key)
        node: Any
        node, _ = super().build_filter((key[5:], filter_expr[1]), *args, **kwargs)
        self.alias_map[alias] = BaseTable(alias, alias)
        for child in node.children:
            child.lhs = Col(
                alias=alias, target=child.lhs.target, output_field=child.lhs.output_field
            )
        return node, {alias}

    def resolve_ref(self, name: str, *args: Any, **kwargs: Any) -> Any:
        # pgtrigger.F("new__x") resolved as 4.x's F did: a column of the pseudo row.
        alias = _row_alias(name)
        model: Any = self.model
        return Col(alias=alias, target=model._meta.get_field(name[5:]))


def _row_alias(key: str) -> str:
    if key.startswith("old__"):
        return "OLD"
    if key.startswith("new__"):
        return "NEW"
    raise Unsupported(f"{key} names no row")


def _literal(value: Any) -> str:
    """A parameter as 4.x inlined it (the driver's literal)."""
    if value is None:
        return "NULL"
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg2 leg
        import psycopg2.extensions

        if isinstance(value, str):
            # psycopg2 escapes a string by the last connection's standard_conforming_strings
            # (libpq keeps it per process), so a fingerprint would differ between processes:
            # write it as psycopg 3 does, whatever the state.
            escaped = value.replace("'", "''")
            if "\\" in escaped:
                return " E'" + escaped.replace("\\", "\\\\") + "'"
            return f"'{escaped}'"
        return bytes(psycopg2.extensions.adapt(value).getquoted()).decode()
    return bytes(psycopg.adapt.Transformer().as_literal(value)).decode()


def resolve_q(q: dj_models.Q, model: type[dj_models.Model]) -> str:
    query = _RowQuery(model)
    connection = connections[DEFAULT_DB_ALIAS]
    where = q.resolve_expression(query)
    text, params = where.as_sql(
        compiler=query.get_compiler(DEFAULT_DB_ALIAS), connection=connection
    )
    text = text.replace('"OLD"', "OLD").replace('"NEW"', "NEW")
    return str(text % tuple(_literal(p) for p in params))


def _change_fields(model: type[dj_models.Model], names: list[str]) -> list[str]:
    fields = [model._meta.get_field(name).name for name in names]
    for name in fields:
        if hasattr(model._meta.get_field(name), "m2m_db_table"):
            raise Unsupported("a many-to-many field")
    return fields


def resolve_change(condition: Any, model: type[dj_models.Model], negated: bool = False) -> str:
    """4.x's ``AnyChange``/``AllChange``/``AnyDontChange``/``AllDontChange``."""
    from pgtrigger import conditions

    every = isinstance(condition, (conditions.AllChange, conditions.AllDontChange))
    comparison = (
        "ndf"
        if isinstance(condition, (conditions.AnyDontChange, conditions.AllDontChange))
        else "df"
    )
    fields = _change_fields(model, list(condition.fields or []))
    exclude = set(_change_fields(model, list(condition.exclude or [])))
    model_fields = {f.name for f in model._meta.fields}
    if condition.exclude_auto:
        for f in model._meta.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                exclude.add(f.name)
    chosen = sorted(f for f in (fields or model_fields) if f not in exclude)
    if set(chosen) == model_fields and not every:
        expr = f"OLD.* IS {'NOT ' if comparison == 'ndf' else ''}DISTINCT FROM NEW.*"
    else:
        from pgtrigger.conditions import F

        q = functools.reduce(
            py_operator.and_ if every else py_operator.or_,
            [dj_models.Q(**{f"old__{name}__{comparison}": F(f"new__{name}")}) for name in chosen],
        )
        expr = resolve_q(q, model)
    return f"NOT ({expr})" if negated else expr


def resolve_condition(condition: Any, model: type[dj_models.Model]) -> str:
    """A condition's SQL as 4.x resolved it."""
    from pgtrigger import conditions

    if condition is None:
        return ""
    if isinstance(condition, dj_models.Q):
        return resolve_q(condition, model)
    if isinstance(condition, conditions._Changes):
        return resolve_change(condition, model)
    if isinstance(condition, conditions._Negated) and isinstance(
        condition.condition, conditions._Changes
    ):
        return resolve_change(condition.condition, model, negated=True)
    if type(condition) is conditions.Condition:
        return str(condition.sql)
    if isinstance(condition, conditions.Condition) and not _ours(type(condition).resolve):
        return str(condition.resolve(model))  # a third party's condition, written for 4.x
    raise Unsupported(f"{condition!r}")


# --- triggers -----------------------------------------------------------------------------------
def _ours(function: Any) -> bool:
    return str(getattr(function, "__module__", "")).startswith("pgtrigger.")


def _third_party_override(trigger: Trigger, name: str) -> Any:
    """The trigger's ``name`` method when a class outside this package defines it."""
    for klass in type(trigger).__mro__:
        if name in vars(klass):
            return getattr(trigger, name) if not _ours(klass) else None
    return None


class _AttrDict(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def func_template_kwargs(trigger: Trigger, model: type[dj_models.Model]) -> dict[str, Any]:
    """4.x's ``Func`` variables (``meta``, ``fields``, ``columns`` unquoted) plus a subclass's."""
    fields = _AttrDict({f.name: f for f in model._meta.fields})
    columns = _AttrDict({f.name: f.column for f in model._meta.fields})
    base: dict[str, Any] = {"meta": model._meta, "fields": fields, "columns": columns}
    if _third_party_override(trigger, "get_func_template_kwargs") is not None:
        base.update(trigger.get_func_template_kwargs(model))
    return base


def render_func_template(func: Any, kwargs: dict[str, Any]) -> str:
    template = getattr(func, "func", None)
    if isinstance(func, str):
        return func
    if isinstance(template, str):
        return template.format(**kwargs)
    raise Unsupported(f"func {func!r}")


def _condition_clause(resolved: str) -> str:
    resolved = resolved.strip()
    if not resolved:
        return ""
    if not resolved.startswith("("):
        resolved = f"({resolved})"
    return f"WHEN {resolved}"


def _base_condition(trigger: Trigger, model: type[dj_models.Model]) -> str:
    override = _third_party_override(trigger, "render_condition")
    if override is not None:
        return str(override(model))
    return _condition_clause(resolve_condition(trigger.get_condition(model), model))


def _declare(trigger: Trigger, model: type[dj_models.Model]) -> str:
    override = _third_party_override(trigger, "render_declare")
    if override is not None:
        return str(override(model))
    declare = trigger.get_declare(model)
    return "DECLARE " + " ".join(f"{v} {t};" for v, t in declare) if declare else ""


def _referencing(referencing: Any) -> str:
    if referencing is None:
        return ""
    text = "REFERENCING"
    if referencing.old:
        text += f" OLD TABLE AS {referencing.old} "
    if referencing.new:
        text += f" NEW TABLE AS {referencing.new} "
    return text


def _operation(operation: Any) -> str:
    from pgtrigger.primitives import UpdateOf

    parts = []
    for op in operation.operations:
        if isinstance(op, UpdateOf):
            parts.append("UPDATE OF " + ", ".join(quote(name) for name in op.fields))
        else:
            parts.append(op.name)
    return " OR ".join(parts)


def _column(model: type[dj_models.Model], name: str) -> str:
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    if not column:
        raise Unsupported(f"{name} has no column")
    return str(column)


def _pk_columns(model: type[dj_models.Model]) -> list[str]:
    pk = model._meta.pk
    assert pk is not None
    if pk.column:
        return [pk.column]
    columns = [f.column for f in getattr(pk, "fields", ())]
    if not columns:
        raise Unsupported("a primary key without columns")
    return columns


class _Parts:
    """The parts of 4.x's ``compile()`` a recipe may override."""

    def __init__(self, trigger: Trigger, model: type[dj_models.Model]) -> None:
        self.when = str(trigger.when)
        self.operation = trigger.operation
        self.level = trigger.level
        self.referencing: Any = trigger.referencing
        self.declare: str | None = None  # the trigger's hooks
        self.func: str | None = None
        self.condition: str | None = None
        self.execute: str | None = None


def _composer(
    trigger: Any,
    model: type[dj_models.Model],
    parts: _Parts,
    template: str | None = None,
    condition_clause: str | None = None,
) -> None:
    """4.x's ``Composer``: transition tables by operation, the condition in ``{cond_*}``.

    ``template`` replaces the trigger's ``func`` and ``condition_clause`` its condition
    (``Protect`` and ``ReadOnly`` supply theirs).
    """
    from pgtrigger.primitives import Delete, Insert, Statement, Update

    if not getattr(trigger, "auto_referencing", True) and trigger.referencing is not None:
        raise Unsupported("4.x Composer refuses referencing")
    if parts.level != Statement:
        return
    ops = parts.operation.operations if parts.operation is not None else ()
    single = ops[0] if len(ops) == 1 else None
    parts.referencing = None
    if single == Update:
        parts.referencing = _Ref(old="old_values", new="new_values")
    elif single == Delete:
        parts.referencing = _Ref(old="old_values", new=None)
    elif single == Insert:
        parts.referencing = _Ref(old=None, new="new_values")
    parts.condition = ""
    kwargs = func_template_kwargs(trigger, model)
    condition = (
        condition_clause if condition_clause is not None else _base_condition(trigger, model)
    )
    condition = condition.replace("OLD.", "old_values.").replace("NEW.", "new_values.")
    if condition.startswith("WHEN "):
        condition = f"WHERE {condition[5:]}"
    pk = _pk_columns(model)
    old_pk = ", ".join(f'old_values."{c}"' for c in pk)
    new_pk = ", ".join(f'new_values."{c}"' for c in pk)
    joined = f"old_values JOIN new_values ON ({old_pk}) = ({new_pk}) {condition}"
    if "new_values." in condition and "old_values." in condition:
        old_values = new_values = joined
    elif "new_values." in condition:
        old_values, new_values = joined, f"new_values {condition}"
    elif "old_values." in condition:
        old_values, new_values = f"old_values {condition}", joined
    else:
        old_values, new_values = f"old_values {condition}", f"new_values {condition}"
    kwargs.update(cond_joined_values=joined, cond_old_values=old_values, cond_new_values=new_values)
    if template is not None:
        func = template.format(**kwargs)
    else:
        override = _third_party_override(trigger, "render_func")
        func = (
            str(override(model))
            if override is not None
            else render_func_template(trigger.get_func(model), kwargs)
        )
    ref = parts.referencing
    if "new_values." in func and not (ref and ref.new):
        raise Unsupported("4.x refuses new_values here")
    if "old_values." in func and not (ref and ref.old):
        raise Unsupported("4.x refuses old_values here")
    parts.func = func


class _Ref:
    def __init__(self, old: str | None, new: str | None) -> None:
        self.old, self.new = old, new


_PROTECT_STATEMENT = """
                IF EXISTS (SELECT 1 FROM {{{transition_table}}}) THEN
                    RAISE EXCEPTION
                        'pgtrigger: Cannot {operation} rows from % table',
                    TG_TABLE_NAME;
                END IF;
                RETURN NULL;
                """


def _protect(
    trigger: Any,
    model: type[dj_models.Model],
    parts: _Parts,
    condition_clause: str | None = None,
) -> None:
    from pgtrigger.primitives import After, Statement

    if trigger.message is not None:
        raise Unsupported("message=")
    op = _operation(parts.operation).lower()
    if parts.level == Statement:
        parts.when = str(After)
        # The transition tables 4.x's Composer declares, then the statement-level body.
        ops = parts.operation.operations if parts.operation is not None else ()
        from pgtrigger.primitives import Delete, Insert, Update

        single: Any = ops[0] if len(ops) == 1 else None
        table = {
            Update: "cond_joined_values",
            Insert: "cond_new_values",
            Delete: "cond_old_values",
        }.get(single)
        if table is None:
            raise Unsupported("4.x refuses this statement-level operation")
        template = _PROTECT_STATEMENT.format(transition_table=table, operation=op)
        _composer(trigger, model, parts, template, condition_clause)
    else:
        parts.func = format_sql(
            f"""
                RAISE EXCEPTION
                    'pgtrigger: Cannot {op} rows from % table',
                TG_TABLE_NAME;
            """
        )


def _read_only(trigger: Any, model: type[dj_models.Model], parts: _Parts) -> None:
    if not trigger.fields and not trigger.exclude:
        condition: Any = "OLD.* IS DISTINCT FROM NEW.*"
    else:
        from pgtrigger.conditions import F

        if trigger.exclude:
            for name in trigger.exclude:
                model._meta.get_field(name)
            names = [f.name for f in model._meta.fields if f.name not in trigger.exclude]
        else:
            names = [model._meta.get_field(name).name for name in trigger.fields]
        q = functools.reduce(
            py_operator.or_,
            [dj_models.Q(**{f"old__{n}__df": F(f"new__{n}")}) for n in names],
        )
        condition = resolve_q(q, model)
    parts.condition = _condition_clause(condition)
    _protect(trigger, model, parts, parts.condition)


def _soft_delete(trigger: Any, model: type[dj_models.Model], parts: _Parts) -> None:
    from pgtrigger.primitives import Before, Delete, Row

    # The recipe's own "not given" sentinel, read from its signature: this module imports no
    # recipe (they sit above it in the layers, pyproject.toml's import-linter contract).
    unset = inspect.signature(type(trigger).__init__).parameters["restore_value"].default
    if (
        trigger.cascade
        or trigger.deleted_by
        or trigger.restore_value is not unset
        or (trigger.when, trigger.operation, trigger.level) != (Before, Delete, Row)
    ):
        raise Unsupported("SoftDelete arguments 4.x lacks")
    value = trigger.value
    if value is None:
        rendered = "NULL"
    elif isinstance(value, str):
        rendered = f"'{value}'"
    elif isinstance(value, (bool, int)):
        rendered = str(value)
    else:
        raise Unsupported(f"value {value!r}")
    pk = _pk_columns(model)
    table_pk = ",".join(quote(c) for c in pk)
    row_pk = ",".join(f"OLD.{quote(c)}" for c in pk)
    if len(pk) > 1:
        table_pk, row_pk = f"({table_pk})", f"({row_pk})"
    parts.func = format_sql(
        f"""
            UPDATE {quote(model._meta.db_table)}
            SET {_column(model, trigger.field)} = {rendered}
            WHERE {table_pk} = {row_pk};
            RETURN NULL;
        """
    )


def _fsm(trigger: Any, model: type[dj_models.Model], parts: _Parts) -> None:
    from pgtrigger.primitives import Before, Row, Update

    if (
        trigger.message is not None
        or trigger.initial is not None
        or (trigger.when, trigger.operation, trigger.level) != (Before, Update, Row)
        or not all(isinstance(v, str) for pair in trigger.transitions for v in pair)
    ):
        raise Unsupported("FSM arguments 4.x lacks")
    col = quote(_column(model, trigger.field))
    sep = trigger.separator
    uris = "{" + ",".join(f"{old}{sep}{new}" for old, new in trigger.transitions) + "}"
    parts.declare = "DECLARE _is_valid_transition BOOLEAN;"
    parts.func = " ".join(
        [
            f"SELECT CONCAT(OLD.{col}, '{sep}', NEW.{col}) = ANY('{uris}'::text[])",
            "INTO _is_valid_transition;",
            f"IF (_is_valid_transition IS FALSE AND OLD.{col} IS DISTINCT FROM NEW.{col}) THEN",
            "RAISE EXCEPTION",
            f'\'pgtrigger: Invalid transition of field "{trigger.field}" from "%" to "%" '
            "on table %',",
            f"OLD.{col},",
            f"NEW.{col},",
            "TG_TABLE_NAME;",
            "ELSE",
            "RETURN NEW;",
            "END IF;",
        ]
    )


def _search_vector(trigger: Any, model: type[dj_models.Model], parts: _Parts) -> None:
    from pgtrigger.primitives import Before, Insert, Row, Update, UpdateOf

    if (trigger.when, trigger.operation, trigger.level) != (Before, Insert | Update, Row):
        raise Unsupported("UpdateSearchVector arguments 4.x lacks")
    parts.operation = Insert | UpdateOf(*trigger.document_fields)
    parts.func = ""
    columns = ", ".join(quote(_column(model, name)) for name in trigger.document_fields)
    vector = quote(_column(model, trigger.vector_field))
    parts.execute = f"tsvector_update_trigger({vector}, {quote(trigger.config_name)}, {columns})"


def _recipe(trigger: Trigger) -> Any:
    """The 4.x rendering rule of the trigger's class (None for the base ``Trigger``'s).

    Classes are known by their dotted path: the recipes sit above this module in the layers.
    """
    exact = {
        "pgtrigger.contrib.read_only.ReadOnly": _read_only,
        "pgtrigger.contrib.protect.Protect": _protect,
        "pgtrigger.contrib.soft_delete.SoftDelete": _soft_delete,
        "pgtrigger.contrib.fsm.FSM": _fsm,
        "pgtrigger.contrib.search_vector.UpdateSearchVector": _search_vector,
        "pgtrigger.contrib.composer.Composer": _composer,
        "pgtrigger.trigger.Trigger": None,
    }
    klass = type(trigger)
    if _path(klass) in exact:
        return exact[_path(klass)]
    # A subclass written outside this package: the rule of the nearest class of ours.
    ours = _path(next(k for k in klass.__mro__ if _ours(k)))
    if ours in ("pgtrigger.contrib.composer.Composer", "pgtrigger.trigger.Trigger"):
        return exact[ours]
    raise Unsupported(f"{ours} subclass")


def _path(klass: type) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"


def render(trigger: Trigger, model: type[dj_models.Model]) -> dict[str, str] | None:
    """The ``UpsertTriggerSql`` keyword arguments 4.17.0 writes for ``trigger`` on ``model``.

    As in a 4.x migration file: values equal to 4.x's defaults are left out and ``hash`` is
    included. None when 4.x had no such declaration or would have refused it.
    """
    return memo.cached("4x", trigger, model, lambda: _render_or_none(trigger, model))


def _render_or_none(trigger: Trigger, model: type[dj_models.Model]) -> dict[str, str] | None:
    try:
        return _render(trigger, model)
    except Exception:  # whatever 4.x could not have rendered is simply not recognised
        return None


def _render(trigger: Trigger, model: type[dj_models.Model]) -> dict[str, str]:
    from pgtrigger.primitives import Origin

    if trigger.fires != Origin or trigger.get_table(model) != model._meta.db_table:
        raise Unsupported("fires= or another table")
    parts = _Parts(trigger, model)
    rule = _recipe(trigger)
    if rule is not None:
        rule(trigger, model, parts)
    pgid = trigger.get_pgid(model)
    declare = parts.declare if parts.declare is not None else _declare(trigger, model)
    if parts.func is None:
        override = _third_party_override(trigger, "render_func")
        parts.func = (
            str(override(model))
            if override is not None
            else render_func_template(trigger.get_func(model), func_template_kwargs(trigger, model))
        )
    condition = parts.condition if parts.condition is not None else _base_condition(trigger, model)
    execute = parts.execute
    if execute is None:
        override = _third_party_override(trigger, "render_execute")
        execute = str(override(model)) if override is not None else f"{pgid}()"
    schema = pgtrigger_settings.schema()
    ignore_func_name = (
        f"{quote(schema)}._pgtrigger_should_ignore" if schema else "_pgtrigger_should_ignore"
    )
    timing = trigger.timing
    kwargs = {
        "ignore_func_name": ignore_func_name,
        "pgid": pgid,
        "declare": declare,
        "func": parts.func,
        "table": model._meta.db_table,
        "constraint": "CONSTRAINT" if timing else "",
        "when": parts.when,
        "operation": _operation(parts.operation),
        "timing": f"DEFERRABLE INITIALLY {timing}" if timing else "",
        "referencing": _referencing(parts.referencing),
        "level": str(parts.level),
        "condition": condition,
        "execute": execute,
    }
    kwargs["hash"] = compute_hash(kwargs)
    dropped = defaults(pgid)
    return {k: v for k, v in kwargs.items() if k == "hash" or dropped.get(k, None) != v}
