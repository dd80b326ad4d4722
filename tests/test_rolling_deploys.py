"""Rolling deploys and rollbacks: django-pgtrigger 4.17.0 and this package on one database.

App servers still running 4.17 and servers running this package share the database while a
deploy rolls out, and again after a rollback. Both ``ignore()``s must reach every trigger,
whichever SQL is installed: 4.x's (from its migration files) or this package's (after the
upgrade migration), and after ``migrate app <previous>`` puts 4.x's back.
"""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

from tests.migrations_project import Project

MODELS = """
from django.db import models
import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [pgtrigger.Protect(name="protect_delete", operation=pgtrigger.Delete)]


class Entry(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_deferred",
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                timing=pgtrigger.Deferred,
            )
        ]
"""

# Runs unchanged under 4.17 and under this package; prints one outcome per attempt.
SCENARIO = """
import pgtrigger
from django.db import DatabaseError, transaction
from app.models import Entry, Item

ITEM, ENTRY = "app.Item:protect_delete", "app.Entry:protect_deferred"


def attempt(model, run):
    model.objects.create(name="x")
    try:
        run()
    except DatabaseError:
        return "refused"
    return "deleted" if not model.objects.exists() else "kept"


def delete(model):
    return lambda: model.objects.all().delete()


def in_atomic(run):
    def inner():
        with transaction.atomic():
            run()
    return inner


def ignoring(uri, run):
    def inner():
        with pgtrigger.ignore(uri):
            run()
    return inner


print(
    attempt(Item, delete(Item)),
    attempt(Item, ignoring(ITEM, delete(Item))),
    attempt(Item, in_atomic(ignoring(ITEM, delete(Item)))),
    attempt(Entry, delete(Entry)),
    # A deferred trigger checks at commit: a block left before the commit does not reach it.
    attempt(Entry, in_atomic(ignoring(ENTRY, delete(Entry)))),
    attempt(Entry, ignoring(ENTRY, in_atomic(delete(Entry)))),
    attempt(Entry, ignoring(ENTRY, delete(Entry))),
)
"""
EXPECTED = ["refused", "deleted", "deleted", "refused", "refused", "deleted", "deleted"]


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path)
    project.models(MODELS)
    yield project
    project.drop()


def write_upgrade_migration(project: Project) -> str:
    """This package's step that moves the app's 4.x triggers to its own SQL: a migration of
    ``AlterTrigger`` operations, written by ``pgtrigger makemigrations`` (plain
    ``makemigrations`` proposes nothing: 4.x's SQL of an unchanged declaration is current).
    Returns the migration's file name.
    """
    assert "No changes detected" in project.makemigrations("app")
    project.run("pgtrigger", "makemigrations", "app", "--name", "upgrade")
    (name,) = [name for name in project.migration_files() if name.startswith("0002")]
    assert set(project.operations(name)) == {"AlterTrigger"}
    return name


def both_ignores_work(project: Project) -> None:
    assert project.shell417(SCENARIO).split() == EXPECTED
    assert project.shell(SCENARIO).split() == EXPECTED


def function_source(project: Project, prefix: str) -> str:
    rows = project.sql("SELECT prosrc FROM pg_proc WHERE proname LIKE %s", [f"{prefix}%"])
    (source,) = [row[0] for row in rows]
    return source


def test_a_rolling_deploy_and_its_rollback(project):
    # Day 0: the project on 4.17, migrated by 4.17 (4.x's SQL, from 4.x's files).
    project.run417("makemigrations", "app", "--noinput")
    assert project.migration_files() == ["0001_initial.py"]
    project.run417("migrate", "--noinput")
    triggers = project.triggers()
    assert not any(" WHEN " in definition for definition in triggers.values())
    for prefix in ("pgtrigger_protect_delete_", "pgtrigger_protect_deferred_"):
        assert "_pgtrigger_should_ignore(TG_NAME)" in function_source(project, prefix)
    both_ignores_work(project)

    # The deploy: this package writes its upgrade migration and migrates while 4.17 servers
    # still run. Its SQL: the check in WHEN, in the body of the deferrable trigger.
    upgrade = write_upgrade_migration(project)
    project.migrate()
    triggers = project.triggers()
    item = next(d for pgid, d in triggers.items() if "protect_delete" in pgid)
    entry = next(d for pgid, d in triggers.items() if "protect_deferred" in pgid)
    assert "translate(" in item and "translate(" not in entry
    assert "translate(" in function_source(project, "pgtrigger_protect_deferred_")
    both_ignores_work(project)
    assert set(project.ls().values()) == {"INSTALLED"}

    # The rollback: the previous migration, then the previous code (without the new file).
    project.migrate("app", "0001")
    (project.path / "app" / "migrations" / upgrade).unlink()
    triggers = project.triggers()
    assert not any(" WHEN " in definition for definition in triggers.values())
    both_ignores_work(project)
    out = project.run417("pgtrigger", "ls").stdout
    assert out.count("INSTALLED") == 2 and "OUTDATED" not in out, out
