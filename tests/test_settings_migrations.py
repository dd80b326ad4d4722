"""Each ``PGTRIGGER_*`` setting, in a throwaway project (``PGTRIGGER_SCHEMA_EDITOR``: see
``test_migrations.test_alter_type_of_column_used_by_trigger``)."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")

import pathlib
import shutil

import psycopg

from tests.migrations_project import Project, protected_models

META_MODELS = protected_models()

REGISTER_MODELS = """
from django.db import models
import pgtrigger


@pgtrigger.register(
    pgtrigger.Trigger(
        name="protect_delete",
        when=pgtrigger.Before,
        operation=pgtrigger.Delete,
        func="RAISE EXCEPTION 'protected';",
    )
)
class Item(models.Model):
    name = models.CharField(max_length=32)
"""

STALE = (
    "CREATE FUNCTION pgtrigger_stale_00000() RETURNS TRIGGER AS $$ BEGIN RETURN NEW; END; $$ "
    "LANGUAGE plpgsql; CREATE TRIGGER pgtrigger_stale_00000 BEFORE INSERT ON app_item "
    "FOR EACH ROW EXECUTE FUNCTION pgtrigger_stale_00000()"
)


def make(tmp_path: pathlib.Path, settings: str, models: str = META_MODELS) -> Project:
    project = Project(tmp_path, contrib=(), extra_settings=settings)
    project.models(models)
    return project


@pytest.fixture
def projects():
    made: list[Project] = []
    yield made
    for project in made:
        project.drop()


def test_migrations_off_keeps_triggers_out_of_migrations(tmp_path, projects):
    project = make(tmp_path, "PGTRIGGER_MIGRATIONS = False")
    projects.append(project)
    project.makemigrations("app")
    assert project.operations("0001_initial") == ["CreateModel"]
    assert "triggers" not in project.migration_source("0001_initial.py")
    project.migrate()
    assert project.triggers() == {}
    assert project.ls() == {"app.Item:protect_delete": "UNINSTALLED"}
    assert "No changes detected" in project.makemigrations("app", "--check", "--dry-run")


def test_install_on_migrate(tmp_path, projects):
    project = make(tmp_path, "PGTRIGGER_MIGRATIONS = False\nPGTRIGGER_INSTALL_ON_MIGRATE = True")
    projects.append(project)
    project.makemigrations("app")
    project.migrate()
    assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}
    with pytest.raises(psycopg.errors.RaiseException, match="protected"):
        project.sql("INSERT INTO app_item (name) VALUES ('a'); DELETE FROM app_item")


@pytest.mark.parametrize("migrations_setting", [True, False])
def test_install_on_migrate_with_partial_migrates(tmp_path, projects, migrations_setting):
    """Migrating one app, or an app back to zero, installs the triggers whose tables exist."""
    project = make(
        tmp_path,
        f"PGTRIGGER_MIGRATIONS = {migrations_setting}\nPGTRIGGER_INSTALL_ON_MIGRATE = True",
    )
    projects.append(project)
    project.makemigrations("app")
    project.migrate("app", "zero")  # a fresh database: app_item does not exist yet
    assert project.ls() == {"app.Item:protect_delete": "UNINSTALLED"}
    project.migrate()
    assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}
    project.migrate("app", "zero")  # drops app_item, the trigger with it
    assert project.triggers() == {}
    project.migrate()
    assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}


def test_model_meta_off(tmp_path, projects):
    project = make(tmp_path, "PGTRIGGER_MODEL_META = False")
    projects.append(project)
    # Meta.triggers is an unknown Meta option again...
    result = project.run("check", check=False)
    assert result.returncode != 0
    assert "'class Meta' got invalid attribute(s): triggers" in result.stderr
    # ...register() still works, and without Meta.triggers there are no trigger migrations.
    project.models(REGISTER_MODELS)
    project.makemigrations("app")
    assert project.operations("0001_initial") == ["CreateModel"]
    project.migrate()
    assert project.ls() == {"app.Item:protect_delete": "UNINSTALLED"}
    project.run("pgtrigger", "install")
    assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}


@pytest.mark.parametrize("prune", [True, False])
def test_prune_on_install(tmp_path, projects, prune):
    project = make(
        tmp_path, f"PGTRIGGER_INSTALL_ON_MIGRATE = True\nPGTRIGGER_PRUNE_ON_INSTALL = {prune}"
    )
    projects.append(project)
    project.makemigrations("app")
    project.migrate("app", "0001")
    project.sql(STALE)
    assert project.ls()["app_item:pgtrigger_stale_00000"] == "PRUNE"
    project.migrate()  # post_migrate installs, pruning or not
    assert ("pgtrigger_stale_00000" in project.triggers()) is not prune
    assert ("pgtrigger_stale_00000" in project.functions()) is not prune
    assert project.ls()["app.Item:protect_delete"] == "INSTALLED"


LEGACY = pathlib.Path(__file__).parent / "legacy_migrations"


@pytest.mark.parametrize("schema", ["public", "shared"])
def test_schema_holds_the_4x_ignore_function(tmp_path, projects, schema):
    project = make(tmp_path, f"PGTRIGGER_SCHEMA = {schema!r}", (LEGACY / "models.py").read_text())
    projects.append(project)
    project.sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    shutil.copy(LEGACY / "0001_initial.py", tmp_path / "app/migrations/0001_initial.py")
    project.migrate()
    assert project.sql(
        "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.proname = '_pgtrigger_should_ignore'"
    ) == [(schema,)]
    # Found through its schema even when the search path does not hold it.
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    with project.connect() as conn:
        conn.execute("SET search_path = pg_catalog, public")
        conn.execute("""SET pgtrigger.ignore = '{"pgtrigger_protect_delete_235c8"}'""")
        conn.execute("DELETE FROM app_item")
        assert conn.execute("SELECT count(*) FROM app_item").fetchone() == (0,)
