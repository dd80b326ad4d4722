"""Several databases: trigger installation follows the router's ``allow_migrate``."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")


from tests.migrations_project import Project, protected_models

ROUTER = """
class Router:
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in ("app", "reports"):
            return db == {"app": "default", "reports": "other"}[app_label]
        return None


DATABASE_ROUTERS = ["settings.Router"]
"""


@pytest.fixture
def project(tmp_path):
    project = Project(
        tmp_path,
        apps=("app", "reports"),
        databases=("default", "other"),
        extra_settings=ROUTER,
        contrib=(),
    )
    project.models(protected_models("Item"), app="app")
    project.models(protected_models("Report"), app="reports")
    project.makemigrations("app", "reports")
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
