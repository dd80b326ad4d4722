"""Migration files written by django-pgtrigger 4.x import, apply, reverse and upgrade unchanged."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")

import pathlib
import shutil

import psycopg

from tests.migrations_project import Project

LEGACY = pathlib.Path(__file__).parent / "legacy_migrations"


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path, contrib=())
    project.models((LEGACY / "models.py").read_text())
    shutil.copy(LEGACY / "0001_initial.py", tmp_path / "app/migrations/0001_initial.py")
    yield project
    project.drop()


DELETE_UNDER_IGNORE = """
import pgtrigger
from app.models import Item

Item.objects.create(name="a")
with pgtrigger.ignore("app.Item:protect_delete"):
    Item.objects.all().delete()
print("deleted", Item.objects.count())
"""


def test_4x_migration_applies_and_honours_ignore(project):
    project.migrate()
    triggers = project.triggers()
    assert set(triggers) == {"pgtrigger_protect_delete_235c8", "pgtrigger_protect_name_d84b1"}
    # The 4.x layout: the ignore check is in the function, through the shared function.
    assert "WHEN" not in triggers["pgtrigger_protect_delete_235c8"]
    assert (
        "_pgtrigger_should_ignore"
        in project.sql(
            "SELECT prosrc FROM pg_proc WHERE proname = 'pgtrigger_protect_delete_235c8'"
        )[0][0]
    )

    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    with pytest.raises(psycopg.errors.RaiseException, match="Cannot delete rows from app_item"):
        project.sql("DELETE FROM app_item")
    with pytest.raises(psycopg.errors.RaiseException, match="name a is read-only"):
        project.sql("UPDATE app_item SET name = 'b'")
    assert project.shell(DELETE_UNDER_IGNORE).split() == ["deleted", "0"]

    project.migrate("app", "zero")
    assert project.triggers() == {}


def test_makemigrations_upgrades_4x_triggers_with_one_alter_each(project):
    project.migrate()
    project.makemigrations("app", "--name", "upgrade")
    assert project.operations("0002_upgrade") == ["AlterTrigger", "AlterTrigger"]
    project.migrate()
    triggers = project.triggers()
    # Now the current layout: the ignore check is in the WHEN clause.
    assert all("current_setting" in definition for definition in triggers.values())
    assert set(project.ls().values()) == {"INSTALLED"}
    assert project.run("makemigrations", "--check", "--dry-run").returncode == 0
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    with pytest.raises(psycopg.errors.RaiseException, match="name a is read-only"):
        project.sql("UPDATE app_item SET name = 'b'")
    assert project.shell(DELETE_UNDER_IGNORE).split() == ["deleted", "0"]

    # Back to the 4.x triggers, exactly as the old file installs them.
    project.migrate("app", "0001")
    assert "WHEN" not in project.triggers()["pgtrigger_protect_delete_235c8"]
    assert project.shell(DELETE_UNDER_IGNORE).split() == ["deleted", "0"]
