"""``migrate --run-syncdb``: the schema editor installs the triggers of the tables it creates for
apps without migrations, once, and only with ``PGTRIGGER_SCHEMA_EDITOR`` on."""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

import pathlib
import shutil

import psycopg

from tests.migrations_project import Project, protected_models

# "plain" has no migrations; "app" has them, so its trigger comes from an AddTrigger.
PLAIN_MODELS = (
    protected_models("Thing")
    + """

@pgtrigger.register(
    pgtrigger.Protect(name="no_insert", operation=pgtrigger.Insert),
)
class ThingProxy(Thing):
    class Meta:
        proxy = True
"""
)

# Runs migrate in-process and counts the CREATE TRIGGER statements sent for each trigger.
COUNT_CREATES = """
import collections, re
from django.core.management import call_command
from django.db import connection

created = collections.Counter()

def count(execute, sql, params, many, context):
    for pgid in re.findall(r'CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER "([^"]+)"', sql):
        created[pgid] += 1
    return execute(sql, params, many, context)

with connection.execute_wrapper(count):
    call_command("migrate", "--run-syncdb", verbosity=0)
print(sorted(created.items()))
"""


def make(tmp_path: pathlib.Path, settings: str = "") -> Project:
    project = Project(tmp_path, apps=("app", "plain"), contrib=(), extra_settings=settings)
    project.models(protected_models())
    project.models(PLAIN_MODELS, app="plain")
    project.makemigrations("app")
    shutil.rmtree(tmp_path / "plain" / "migrations")
    return project


@pytest.fixture
def projects():
    made: list[Project] = []
    yield made
    for project in made:
        project.drop()


def test_run_syncdb_installs_triggers_once(tmp_path, projects):
    project = make(tmp_path)
    projects.append(project)
    out = project.shell(COUNT_CREATES)
    triggers = project.triggers()
    assert len(triggers) == 3, triggers
    for name in triggers:
        assert f"('{name}', 1)" in out, out  # each trigger created exactly once
    assert len(project.triggers("app_item")) == 1  # by the AddTrigger of its migration
    assert len(project.triggers("plain_thing")) == 2  # Thing's own and its proxy's
    with pytest.raises(psycopg.Error) as info:
        project.sql("INSERT INTO plain_thing (name) VALUES ('a')")
    assert info.value.sqlstate == "PGT01"  # Protect's refusal
    assert info.value.diag.message_detail == "trigger: plain.ThingProxy:no_insert"
    assert project.ls() == {
        "app.Item:protect_delete": "INSTALLED",
        "plain.Thing:protect_delete": "INSTALLED",
        "plain.ThingProxy:no_insert": "INSTALLED",
    }


def test_run_syncdb_respects_schema_editor_setting(tmp_path, projects):
    project = make(tmp_path, "PGTRIGGER_SCHEMA_EDITOR = False")
    projects.append(project)
    project.migrate("--run-syncdb")
    assert project.triggers("plain_thing") == {}
    assert len(project.triggers("app_item")) == 1  # migrations still install theirs
