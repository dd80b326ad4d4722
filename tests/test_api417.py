"""4.x's API behaves as in the real django-pgtrigger 4.17.0.

One script written against 4.x's API runs under 4.17 and under this package, in the same
throwaway project and database, and prints what it saw: ``Func`` templates' ``{columns.x}``,
transition tables named ``Referencing(old="OldRows")``, ``pgtrigger.F``'s attributes,
``prunable()``'s tuples, and the exceptions of invalid declarations (ours may be a subclass
of 4.x's class, never another class).
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("psycopg")

from tests.migrations_project import Project

MODELS = """
from django.db import models


class Tag(models.Model):
    name = models.CharField(max_length=16)


class Item(models.Model):
    label = models.CharField(max_length=32, db_column="Label", default="")
    tags = models.ManyToManyField(Tag)


class ItemProxy(Item):
    class Meta:
        proxy = True


class Log(models.Model):
    n = models.IntegerField()
"""

SCRIPT = """
import json

import pgtrigger
from django.db import connection

from app.models import Item, ItemProxy, Log

out = {}


def error(call):
    try:
        call()
    except Exception as exc:
        return [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]
    return None


def statement(**kwargs):
    return pgtrigger.Trigger(
        when=pgtrigger.After, level=pgtrigger.Statement, operation=pgtrigger.Delete, **kwargs
    )


def section(function):
    # One item's code: a failure is recorded under its name, the next items still run.
    try:
        function()
    except Exception as exc:
        out.setdefault(function.__name__, f"{type(exc).__name__}: {exc}")


def columns_section():
    # {columns.x} is the bare column name: quoted by the template, compared as text.
    columns = pgtrigger.Trigger(
        name="columns",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert,
        func=pgtrigger.Func('NEW."{columns.label}" := \\'{columns.label}\\'; RETURN NEW;'),
    )
    out["func"] = columns.render_func(Item)
    columns.register(Item)
    try:
        columns.install(Item)
        Item.objects.create(label="x")
        out["label"] = Item.objects.get().label
    finally:
        Item.objects.all().delete()
        columns.uninstall(Item)


def old_rows_section():
    # A body written for 4.x reads a transition table by its unquoted, mixed-case name.
    old_rows = statement(
        name="old_rows",
        referencing=pgtrigger.Referencing(old="OldRows"),
        func="INSERT INTO app_log (n) SELECT count(*) FROM OldRows; RETURN NULL;",
    )
    old_rows.register(Item)
    try:
        old_rows.install(Item)
        Item.objects.bulk_create([Item(label="a"), Item(label="b")])
        Item.objects.all().delete()
        out["old_rows"] = list(Log.objects.values_list("n", flat=True))
    finally:
        Log.objects.all().delete()
        old_rows.uninstall(Item)


def f_section():
    f = pgtrigger.F("old__label")
    out["F"] = [f.resolved_name, f.row_alias, f.col_name]


def prunable_section():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION pgtrigger_stale_abcde() RETURNS trigger "
            "LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'; "
            "CREATE OR REPLACE TRIGGER pgtrigger_stale_abcde AFTER INSERT ON app_item "
            "FOR EACH ROW EXECUTE FUNCTION pgtrigger_stale_abcde()"
        )
    try:
        table, pgid, enabled, database = pgtrigger.prunable()[0]
        out["prunable"] = [table, pgid, enabled, database]
    finally:
        pgtrigger.prune()


for function in (columns_section, old_rows_section, f_section, prunable_section):
    section(function)

out["update_of"] = error(lambda: pgtrigger.UpdateOf())
out["composer_referencing"] = error(
    lambda: pgtrigger.Composer(
        name="composer",
        when=pgtrigger.After,
        level=pgtrigger.Statement,
        operation=pgtrigger.Update,
        referencing=pgtrigger.Referencing(old="old_values"),
        func="RETURN NULL;",
    )
)
out["duplicate"] = error(lambda: statement(name="old_rows", func="RETURN NULL;").register(Item))
out["duplicate_proxy"] = error(
    lambda: statement(name="old_rows", func="RETURN NULL;").register(ItemProxy)
)
search = pgtrigger.UpdateSearchVector(name="search", vector_field="v", document_fields=["label"])
out["search_ignore"] = error(lambda: search.ignore(Item))
out["m2m_condition"] = error(lambda: pgtrigger.AnyChange("tags").resolve(Item))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("api417"), contrib=())
    try:
        project.models(MODELS)
        project.makemigrations("app")
        project.migrate()
        theirs = json.loads(project.shell417(SCRIPT))
        ours = json.loads(project.shell(SCRIPT))
        yield ours, theirs
    finally:
        project.drop()


def test_func_columns_render_bare_as_in_417(outputs):
    ours, theirs = outputs
    assert (
        ours.get("func", ours)
        == theirs.get("func", theirs)
        == "NEW.\"Label\" := 'Label'; RETURN NEW;"
    )
    assert ours.get("label", ours) == theirs.get("label", theirs) == "Label"


def test_transition_table_names_as_in_417(outputs):
    ours, theirs = outputs
    assert ours.get("old_rows", ours) == theirs.get("old_rows", theirs) == [2]


def test_f_attributes_as_in_417(outputs):
    ours, theirs = outputs
    assert ours.get("F", ours) == theirs.get("F", theirs) == ['OLD."label"', "OLD", "label"]


def test_prunable_returns_417_tuples(outputs):
    ours, theirs = outputs
    assert ours.get("prunable", ours) == theirs.get("prunable", theirs)
    assert theirs.get("prunable", theirs) == ["app_item", "pgtrigger_stale_abcde", True, "default"]


@pytest.mark.parametrize(
    "case",
    [
        "update_of",
        "composer_referencing",
        "duplicate",
        "duplicate_proxy",
        "search_ignore",
        "m2m_condition",
    ],
)
def test_declaration_errors_are_417s_classes(outputs, case):
    ours, theirs = outputs
    assert theirs.get(case) is not None, f"4.17 raised nothing for {case}"
    assert ours.get(case) is not None, f"no error for {case}, 4.17 raises {theirs.get(case)[0]}"
    # The same class, or one that is also 4.17's class (``except`` clauses keep working).
    assert set(theirs.get(case)) <= set(ours.get(case)), (case, ours.get(case), theirs.get(case))
