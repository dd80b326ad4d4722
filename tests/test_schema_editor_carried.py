"""``schema_editor.create_model()`` installs the triggers a historical model carries, as 4.x.

Unapplying a ``DeleteModel`` recreates the table from the migration state, whose model still
has the triggers earlier migrations added: the table comes back with them, once, for files
written by 4.x and for files written by this package.
"""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")

import pathlib
import shutil

import psycopg

from tests.migrations_project import Project, protected_models

LEGACY = pathlib.Path(__file__).parent / "legacy_migrations"

# A DeleteModel as 4.x's makemigrations wrote it: no RemoveTrigger before it.
DELETE_ITEM = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("app", "0001_initial")]

    operations = [migrations.DeleteModel(name="Item")]
"""


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path, contrib=())
    yield project
    project.drop()


def test_unapplying_4x_delete_model_recreates_its_triggers(project):
    project.models((LEGACY / "models.py").read_text())
    shutil.copy(LEGACY / "0001_initial.py", project.path / "app/migrations/0001_initial.py")
    project.write("app/migrations/0002_delete_item.py", DELETE_ITEM)
    project.models("")
    project.migrate()
    assert project.triggers() == {}
    # The backwards SQL installs each trigger once.
    backwards = project.run("sqlmigrate", "app", "0002", "--backwards").stdout
    assert backwards.count('TRIGGER "pgtrigger_protect_delete_235c8" BEFORE DELETE') == 1, backwards
    project.migrate("app", "0001")
    assert set(project.triggers("app_item")) == {
        "pgtrigger_protect_delete_235c8",
        "pgtrigger_protect_name_d84b1",
    }
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    with pytest.raises(psycopg.errors.RaiseException, match="Cannot delete rows"):
        project.sql("DELETE FROM app_item")


def test_unapplying_our_delete_model_recreates_its_triggers(project):
    project.models(protected_models())
    project.makemigrations("app")
    project.migrate()
    (pgid,) = project.triggers("app_item")
    forwards = project.run("sqlmigrate", "app", "0001").stdout
    # CreateModel then AddTrigger: the trigger is installed once.
    assert forwards.count(f'CREATE OR REPLACE TRIGGER "{pgid}"') == 1, forwards
    project.models("")
    project.makemigrations("app")
    project.migrate()
    assert project.triggers() == {}
    project.migrate("app", "0001")
    assert list(project.triggers("app_item")) == [pgid]
    project.sql("INSERT INTO app_item (name) VALUES ('a')")
    with pytest.raises(psycopg.errors.RaiseException, match="protected"):
        project.sql("DELETE FROM app_item")
