# ruff: noqa: E501  (the models files below are written as 4.x users wrote them)
"""compat4x renders declarations as django-pgtrigger 4.17.0 does; fingerprints; 4.x files.

The differential test compiles one broad models file with the real 4.17.0 (``run417
makemigrations``) and with :func:`pgtrigger.compat4x.render`, and compares every keyword
argument of every trigger (``hash`` included). The corpus adds to ``tests/pgtrigger4x_app``'s
(see test_switch_4x_app.py): subclasses written for 4.x that call its hooks, third-party
conditions, ``InsteadOf``, ``Immediate``, both transition tables, recipes' other arguments.
"""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")

import json

from tests.migrations_project import Project
from tests.test_switch_4x_app import file_kwargs, rendered

CORPUS = '''
from django.db import models
import pgtrigger


class Tracked(pgtrigger.Trigger):
    """A subclass as libraries wrote them for 4.x: its own func and template variables."""

    when = pgtrigger.After
    operation = pgtrigger.Insert | pgtrigger.Update

    def get_func(self, model):
        return pgtrigger.Func("INSERT INTO {log} ({columns.name}) VALUES (NEW.{columns.name}); RETURN NULL;")

    def get_func_template_kwargs(self, model):
        return {**super().get_func_template_kwargs(model), "log": '"app_log"'}


class Exec(pgtrigger.Trigger):
    when = pgtrigger.Before
    operation = pgtrigger.Insert

    def get_func(self, model):
        return ""

    def render_execute(self, model):
        return "suppress_redundant_updates_trigger()"


class Event(pgtrigger.Composer):
    """The shape of django-pghistory's Event: a Composer whose get_func builds SQL."""

    when = pgtrigger.After

    def get_func(self, model):
        if self.level == pgtrigger.Statement:
            return pgtrigger.Func(
                "INSERT INTO app_log (name) SELECT new_values.name FROM {cond_new_values}; RETURN NULL;"
            )
        return "INSERT INTO app_log (name) VALUES (NEW.name); RETURN NULL;"


class Positive(pgtrigger.Condition):
    sql = "computed"

    def resolve(self, model):
        return f'NEW."{model._meta.get_field("size").column}" > 0'


class Log(models.Model):
    name = models.CharField(max_length=64, null=True)


class Kind(models.Model):
    label = models.CharField(max_length=16)


class Item(models.Model):
    name = models.CharField(max_length=64, null=True)
    size = models.IntegerField(default=0, db_column="item_size")
    kind = models.ForeignKey(Kind, null=True, on_delete=models.CASCADE)
    flag = models.BooleanField(default=False, null=True)
    stage = models.CharField(max_length=16, default="a")
    deleted = models.IntegerField(null=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        triggers = [
            Tracked(name="tracked"),
            Exec(name="exec"),
            Event(name="event_row", operation=pgtrigger.Insert),
            Event(name="event_statement", level=pgtrigger.Statement, operation=pgtrigger.Insert,
                  condition=pgtrigger.Q(new__flag=True)),
            pgtrigger.Trigger(name="custom_condition", when=pgtrigger.Before,
                              operation=pgtrigger.Insert, condition=Positive(),
                              func="RETURN NEW;"),
            pgtrigger.Trigger(name="immediate", when=pgtrigger.After, operation=pgtrigger.Update,
                              timing=pgtrigger.Immediate, func="RETURN NULL;"),
            pgtrigger.Trigger(name="both_tables", level=pgtrigger.Statement,
                              when=pgtrigger.After, operation=pgtrigger.Update,
                              referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                              func="RETURN NULL;"),
            pgtrigger.Trigger(name="update_of", when=pgtrigger.After,
                              operation=pgtrigger.UpdateOf("name", "size") | pgtrigger.Delete,
                              func="RETURN NULL;"),
            pgtrigger.Trigger(name="fk_ndf", when=pgtrigger.After, operation=pgtrigger.Update,
                              condition=pgtrigger.Q(old__kind__ndf=pgtrigger.F("new__kind"))
                              & pgtrigger.Q(new__name__isnull=True)
                              | pgtrigger.Q(new__name="back\\\\slash", new__flag=False),
                              func="RETURN NULL;"),
            pgtrigger.Trigger(name="not_any_change", when=pgtrigger.After,
                              operation=pgtrigger.Update,
                              condition=~pgtrigger.AnyChange("name", exclude_auto=True),
                              func="RETURN NULL;"),
            pgtrigger.Trigger(name="all_change_auto", when=pgtrigger.After,
                              operation=pgtrigger.Update,
                              condition=pgtrigger.AllChange(exclude=["kind"], exclude_auto=True),
                              func="RETURN NULL;"),
            pgtrigger.Trigger(name="any_dont_change", when=pgtrigger.After,
                              operation=pgtrigger.Update,
                              condition=pgtrigger.AnyDontChange(),
                              func="RETURN NULL;"),
            pgtrigger.Protect(name="protect_update_of",
                              operation=pgtrigger.UpdateOf("stage")),
            pgtrigger.Protect(name="protect_delete_statement", level=pgtrigger.Statement,
                              operation=pgtrigger.Delete, condition=pgtrigger.Q(old__flag=True)),
            pgtrigger.ReadOnly(name="read_only_statement", level=pgtrigger.Statement,
                               fields=["size", "name"]),
            pgtrigger.SoftDelete(name="soft_null", field="deleted", value=None),
            pgtrigger.FSM(name="stage_fsm", field="stage", separator="|",
                          transitions=[("a", "b"), ("b", "c:d")]),
            pgtrigger.Composer(name="composer_delete", level=pgtrigger.Statement,
                               operation=pgtrigger.Delete, when=pgtrigger.After,
                               condition=pgtrigger.Q(old__name="x"),
                               func=pgtrigger.Func("PERFORM 1 FROM {cond_old_values}; RETURN NULL;")),
        ]


class Numbered(models.Model):
    number = models.IntegerField(default=1)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_number", field="number", value=0)]


class ItemView(models.Model):
    name = models.CharField(max_length=64)

    class Meta:
        triggers = [
            pgtrigger.Trigger(name="instead", when=pgtrigger.InsteadOf,
                              operation=pgtrigger.Insert, func="RETURN NEW;"),
        ]
'''


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path)
    yield project
    project.drop()


def test_compat4x_matches_417_on_a_broad_corpus(project):
    project.models(CORPUS)
    project.run417("makemigrations", "--noinput")
    written = file_kwargs(project.migration_source(project.migration_files()[0]))
    mine = rendered(project, "app")
    assert len(written) == len(mine) == 20
    assert {pgid: mine[pgid] for pgid in written} == written


FINGERPRINTS = """
import json
import pgtrigger
from app.models import Item
print(json.dumps({
    t.name: t.compile(Item).sql.declaration for m, t in pgtrigger.registered() if m is Item
}))
"""

SMALL = """
from django.db import models
import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=64)
    total = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.Trigger(name="plain", when=pgtrigger.Before, operation=pgtrigger.Update,
                              condition=pgtrigger.Q(new__total__lt=0),
                              func="RAISE EXCEPTION 'negative'; RETURN NEW;"{plain_extra}),
            pgtrigger.SyncField(name="sync", field="total", expression=models.functions.Length("name"){sync_extra}),
            pgtrigger.Trigger(name="replicated", when=pgtrigger.After, operation=pgtrigger.Insert,
                              fires=pgtrigger.Always, func="RETURN NULL;", tags={tags}),
        ]
"""


def small(plain_extra: str = "", sync_extra: str = "", tags: str = "['a']") -> str:
    return SMALL.format(plain_extra=plain_extra, sync_extra=sync_extra, tags=tags)


def test_fingerprints_follow_the_declaration_not_the_sql(project):
    project.models(small())
    first = json.loads(project.shell(FINGERPRINTS))
    assert json.loads(project.shell(FINGERPRINTS)) == first  # stable across processes
    # The 4.x-expressible trigger's fingerprint is 4.x's hash of the same declaration.
    legacy = rendered(project, "app")
    assert first["plain"] == next(k["hash"] for k in legacy.values() if k and "plain" in k["pgid"])
    assert legacy[next(p for p in legacy if "sync" in p)] is None  # 4.x has no SyncField
    project.models(small(tags="['b', 'c']"))  # tags are Python-only
    assert json.loads(project.shell(FINGERPRINTS)) == first
    project.models(
        small(
            plain_extra=", declare=[('n', 'INT')]",
            sync_extra=".__class__(models.functions.Upper('name'))",
        )
    )
    changed = json.loads(project.shell(FINGERPRINTS))
    assert changed["plain"] != first["plain"] and changed["sync"] != first["sync"]
    assert changed["replicated"] == first["replicated"]


def test_older_sql_of_the_same_declaration_is_current(project):
    """A change of this package's SQL generator writes no migration and leaves ls INSTALLED."""
    project.models(small())
    project.makemigrations()
    name = project.migration_files()[0]
    path = project.path / "app" / "migrations" / name
    source = path.read_text()
    # Stand-in for an older SQL generator: other function text (and hash), same declarations.
    older = source.replace("RETURN NULL;", "RETURN NULL; -- older").replace("hash='", "hash='0ld")
    assert older.count("-- older") == 1 and older.count("hash='0ld") == 3
    path.write_text(older)
    assert project.run("makemigrations", "--check", "--dry-run", check=False).returncode == 0
    project.migrate()
    assert set(project.ls().values()) == {"INSTALLED"}
    assert project.run("pgtrigger", "ls", "--check").returncode == 0
    # The opt-in step adopts the current SQL...
    assert project.run("pgtrigger", "makemigrations", "app", "--check", check=False).returncode
    # ...and a changed declaration is a migration, as always.
    project.models(small(plain_extra=", declare=[('n', 'INT')]"))
    result = project.run("makemigrations", "--dry-run", check=False)
    assert "Alter trigger plain on model Item" in result.stdout
    assert "replicated" not in result.stdout and "sync" not in result.stdout


CHECK_417 = ("makemigrations", "--check", "--dry-run")


def test_4x_format_files_apply_under_417(project):
    """PGTRIGGER_MIGRATIONS_4X: files that 4.17.0 imports, applies and finds up to date."""
    project = Project(project.path / "x4", extra_settings="PGTRIGGER_MIGRATIONS_4X = True\n")
    try:
        models = (
            small()
            .replace("            pgtrigger.SyncField", "            # pgtrigger.SyncField")
            .replace('            pgtrigger.Trigger(name="replicated"', "            # r")
        )
        models = "\n".join(
            line for line in models.splitlines() if "fires=pgtrigger.Always" not in line
        )
        project.models(models)
        project.makemigrations()
        assert project.operations(project.migration_files()[0])[-1] == "AddTrigger"
        assert "UpsertTriggerSql(" in project.migration_source(project.migration_files()[0])
        result = project.run417(*CHECK_417, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        project.run417("migrate", "--noinput")
        project.models(models.replace("RAISE EXCEPTION 'negative';", "RAISE EXCEPTION 'neg';"))
        project.makemigrations()
        second = project.migration_files()[1]
        assert project.operations(second) == ["RemoveTrigger", "AddTrigger"]
        assert project.run417(*CHECK_417, check=False).returncode == 0
        project.run417("migrate", "--noinput")
        assert set(project.ls().values()) == {"INSTALLED"}
        assert project.run(*CHECK_417, check=False).returncode == 0
    finally:
        project.drop()


def test_pghistory_triggers_have_a_4x_rendering():
    """django-pghistory's Event (a Composer subclass built on 4.x's hooks) renders as in 4.x:
    files its 4.x-era releases shipped are recognised, and its fingerprint is 4.x's hash."""
    import pgtrigger
    from pgtrigger import compat4x

    events = [
        (model, trigger)
        for model, trigger in pgtrigger.registered()
        if type(trigger).__module__.startswith("pghistory")
    ]
    assert len(events) >= 2
    for model, trigger in events:
        legacy = compat4x.render(trigger, model)
        assert legacy is not None, trigger.get_uri(model)
        assert trigger.compile(model).sql.declaration == legacy["hash"]
        assert "pgh_label" in legacy["func"]
