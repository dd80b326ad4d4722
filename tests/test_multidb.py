"""Several databases: trigger installation follows the router's ``allow_migrate``."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")


import psycopg

from tests.migrations_project import Project, protected_models

ROUTER = """
class Router:
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in ("app", "reports"):
            return db == {"app": "default", "reports": "other"}[app_label]
        return None


DATABASE_ROUTERS = ["settings.Router"]
"""


def routed_project(tmp_path, settings=""):
    """Item in the "app" app on default, Report in "reports" on other, migrations made."""
    project = Project(
        tmp_path,
        apps=("app", "reports"),
        databases=("default", "other"),
        extra_settings=ROUTER + settings,
        contrib=(),
    )
    project.models(protected_models("Item"), app="app")
    project.models(protected_models("Report"), app="reports")
    project.makemigrations("app", "reports")
    return project


@pytest.fixture
def project(tmp_path):
    project = routed_project(tmp_path)
    yield project
    project.drop()


def test_migrate_installs_where_the_router_allows(project):
    project.migrate()
    project.migrate("--database", "other")
    assert [name.rsplit("_", 1)[0] for name in project.triggers("app_item")] == [
        "pgtrigger_protect_delete"
    ]
    assert project.sql("SELECT to_regclass('app_item')", alias="other") == [(None,)]
    assert project.sql("SELECT to_regclass('reports_report')") == [(None,)]
    assert list(project.triggers("reports_report", alias="other"))

    assert project.ls() == {
        "app.Item:protect_delete": "INSTALLED",
        "reports.Report:protect_delete": "UNALLOWED",
    }
    assert project.ls("--database", "other") == {
        "app.Item:protect_delete": "UNALLOWED",
        "reports.Report:protect_delete": "INSTALLED",
    }


def test_command_database_option(project):
    project.migrate()
    project.migrate("--database", "other")
    project.run("pgtrigger", "uninstall", "--database", "other")
    assert project.ls("-d", "other")["reports.Report:protect_delete"] == "UNINSTALLED"
    assert project.ls()["app.Item:protect_delete"] == "INSTALLED"
    # A full install on "other" leaves the app routed to "default" alone.
    project.run("pgtrigger", "install", "-d", "other")
    assert project.ls("-d", "other") == {
        "app.Item:protect_delete": "UNALLOWED",
        "reports.Report:protect_delete": "INSTALLED",
    }
    project.migrate("reports", "zero", "--database", "other")
    assert project.functions(alias="other") == set()
    assert project.ls()["app.Item:protect_delete"] == "INSTALLED"


def ls_enabled(project: Project, *args: str) -> dict[str, tuple[str, str]]:
    """``pgtrigger ls``: ``{uri: (status, ENABLED, DISABLED or N/A)}``."""
    out = project.run("pgtrigger", "--no-color", "ls", *args).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return {row[-1]: (row[0], row[1] if len(row) == 3 else "") for row in rows}


def test_disable_on_one_database(project):
    project.migrate()
    project.migrate("--database", "other")
    project.run("pgtrigger", "disable", "-d", "other")
    assert ls_enabled(project, "-d", "other") == {
        "app.Item:protect_delete": ("UNALLOWED", "N/A"),
        "reports.Report:protect_delete": ("INSTALLED", "DISABLED"),
    }
    assert ls_enabled(project) == {
        "app.Item:protect_delete": ("INSTALLED", "ENABLED"),
        "reports.Report:protect_delete": ("UNALLOWED", "N/A"),
    }
    # In the catalogs: disabled on "other" only.
    enabled = "SELECT tgenabled FROM pg_trigger WHERE tgname LIKE 'pgtrigger%'"
    assert project.sql(enabled, alias="other") == [("D",)]
    assert project.sql(enabled) == [("O",)]
    # Disabled on "other": deletes go through there, not on "default".
    project.sql("INSERT INTO reports_report (name) VALUES ('r')", alias="other")
    project.sql("DELETE FROM reports_report", alias="other")
    project.sql("INSERT INTO app_item (name) VALUES ('i')")
    with pytest.raises(psycopg.errors.RaiseException, match="protected"):
        project.sql("DELETE FROM app_item")

    project.run("pgtrigger", "enable", "-d", "other")
    assert ls_enabled(project, "-d", "other")["reports.Report:protect_delete"] == (
        "INSTALLED",
        "ENABLED",
    )


STRAY = """
CREATE FUNCTION pgtrigger_stray_00000() RETURNS TRIGGER AS $$
BEGIN RAISE EXCEPTION 'stray'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pgtrigger_stray_00000 BEFORE INSERT ON {table}
FOR EACH ROW EXECUTE FUNCTION pgtrigger_stray_00000();
"""


def test_prune_on_one_database(project):
    project.migrate()
    project.migrate("--database", "other")
    project.sql(STRAY.format(table="reports_report"), alias="other")
    project.sql(STRAY.format(table="app_item"))
    assert project.ls("-d", "other") == {
        "app.Item:protect_delete": "UNALLOWED",
        "reports.Report:protect_delete": "INSTALLED",
        "reports_report:pgtrigger_stray_00000": "PRUNE",
    }
    assert project.ls()["app_item:pgtrigger_stray_00000"] == "PRUNE"

    project.run("pgtrigger", "prune", "-d", "other")
    assert project.ls("-d", "other") == {
        "app.Item:protect_delete": "UNALLOWED",
        "reports.Report:protect_delete": "INSTALLED",
    }
    assert "pgtrigger_stray_00000" not in project.functions(alias="other")
    assert "pgtrigger_stray_00000" not in project.triggers(alias="other")
    project.sql("INSERT INTO reports_report (name) VALUES ('r')", alias="other")
    # The stray trigger on "default" is still there, and still fires.
    assert project.ls() == {
        "app.Item:protect_delete": "INSTALLED",
        "reports.Report:protect_delete": "UNALLOWED",
        "app_item:pgtrigger_stray_00000": "PRUNE",
    }
    assert "pgtrigger_stray_00000" in project.functions()
    with pytest.raises(psycopg.errors.RaiseException, match="stray"):
        project.sql("INSERT INTO app_item (name) VALUES ('i')")


@pytest.fixture
def install_on_migrate_project(tmp_path):
    # No trigger operations in migrations: install-on-migrate is what installs them.
    project = routed_project(
        tmp_path, "\nPGTRIGGER_INSTALL_ON_MIGRATE = True\nPGTRIGGER_MIGRATIONS = False\n"
    )
    yield project
    project.drop()


def test_install_on_migrate_installs_where_the_router_allows(install_on_migrate_project):
    project = install_on_migrate_project
    for app in ("app", "reports"):
        assert project.operations("0001_initial", app=app) == ["CreateModel"]
    # All apps migrated fully on each database, one database at a time.
    project.migrate()
    assert [name.rsplit("_", 1)[0] for name in project.triggers()] == ["pgtrigger_protect_delete"]
    assert list(project.triggers("app_item")) == list(project.triggers())
    assert project.triggers(alias="other") == {}

    project.migrate("--database", "other")
    assert [name.rsplit("_", 1)[0] for name in project.triggers(alias="other")] == [
        "pgtrigger_protect_delete"
    ]
    assert list(project.triggers("reports_report", alias="other")) == list(
        project.triggers(alias="other")
    )
    assert project.ls("-d", "other") == {
        "app.Item:protect_delete": "UNALLOWED",
        "reports.Report:protect_delete": "INSTALLED",
    }
    assert project.ls() == {
        "app.Item:protect_delete": "INSTALLED",
        "reports.Report:protect_delete": "UNALLOWED",
    }
    with pytest.raises(psycopg.errors.RaiseException, match="protected"):
        project.sql(
            "INSERT INTO reports_report (name) VALUES ('r'); DELETE FROM reports_report",
            alias="other",
        )

    # A migrate with nothing to apply installs again, on that database only.
    project.run("pgtrigger", "uninstall", "-d", "other")
    default_triggers = project.triggers()
    project.migrate("--database", "other")
    assert project.ls("-d", "other")["reports.Report:protect_delete"] == "INSTALLED"
    assert project.triggers() == default_triggers
