"""A SQLite alias next to PostgreSQL: pgtrigger leaves it alone, as 4.x does, and
``manage.py pgtrigger`` says so when asked to act on it. In a throwaway project with a real
SQLite database."""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

import pathlib

import psycopg

from tests.migrations_project import Project, protected_models

URI = "app.Item:protect_delete"


@pytest.fixture
def project(tmp_path: pathlib.Path):
    sqlite = tmp_path / "db.sqlite3"
    made = Project(
        tmp_path / "project",
        contrib=(),
        extra_settings=(
            f'DATABASES["sqlite"] = {{"ENGINE": "django.db.backends.sqlite3", '
            f'"NAME": {str(sqlite)!r}}}\n'
            "PGTRIGGER_INSTALL_ON_MIGRATE = True\n"
        ),
    )
    made.models(protected_models())
    made.makemigrations("app")
    yield made
    made.drop()


def test_migrate_and_install_on_migrate_leave_sqlite_alone(project):
    project.migrate()
    # Before: install-on-migrate sent PostgreSQL's SQL to SQLite ('unrecognized token: ":"').
    project.migrate("--database", "sqlite")
    assert list(project.triggers()) != []
    with pytest.raises(psycopg.errors.RaiseException, match="protected"):
        project.sql("INSERT INTO app_item (name) VALUES ('a'); DELETE FROM app_item")
    out = project.shell(
        """
        from app.models import Item
        Item.objects.using("sqlite").create(name="x").delete()
        print(Item.objects.using("sqlite").count())
        """
    )
    assert out.split() == ["0"]


def test_installation_functions_skip_sqlite(project):
    project.migrate()
    project.migrate("--database", "sqlite")
    before = project.triggers()
    out = project.shell(
        f"""
        import pgtrigger
        from pgtrigger import installation
        from app.models import Item

        for call in (pgtrigger.install, pgtrigger.uninstall, pgtrigger.enable, pgtrigger.disable):
            call(database="sqlite")
            call("{URI}", database="sqlite")
        pgtrigger.prune(database="sqlite")
        trigger = Item._meta.triggers[0]
        for method in ("install", "uninstall", "enable", "disable"):
            getattr(trigger, method)(Item, database="sqlite")
        print(pgtrigger.prunable(database="sqlite"))
        print(installation.installed(database="sqlite"))
        print(*[(s.uri, s.status.value, s.enabled) for s in installation.status(database="sqlite")])
        Item.objects.using("sqlite").create(name="x").delete()
        print("done")
        """
    )
    assert out.splitlines() == ["[]", "[]", f"('{URI}', 'UNALLOWED', None)", "done"]
    assert project.triggers() == before  # PostgreSQL's triggers were not touched


@pytest.mark.parametrize("subcommand", ["install", "uninstall", "enable", "disable", "prune"])
def test_command_warns_and_exits_0_on_sqlite_alias(project, subcommand):
    # As 4.x, nothing is done and the exit status is 0 (deploy scripts loop over every
    # alias); a warning replaces 4.x's lines about triggers it did not touch.
    before = project.triggers()
    result = project.run("pgtrigger", subcommand, "-d", "sqlite", check=False)
    assert result.returncode == 0
    assert result.stdout == ""
    assert f'database "sqlite" is sqlite, not PostgreSQL: nothing to {subcommand}' in (
        result.stderr
    )
    assert project.triggers() == before


def test_command_ls_on_sqlite_and_unknown_alias(project):
    project.migrate("--database", "sqlite")
    assert project.ls("-d", "sqlite") == {URI: "UNALLOWED"}
    result = project.run("pgtrigger", "ls", "-d", "nope", check=False)
    assert result.returncode == 1
    assert 'No database alias "nope"' in result.stderr
