"""The 4.17.0 harness runs the real django-pgtrigger 4.17.0 beside this package."""

from __future__ import annotations

import pytest

psycopg = pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

from tests.migrations_project import Project, protected_models  # noqa: E402


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path)
    yield project
    project.drop()


def test_417_runs_from_its_own_venv_on_the_project_database(project):
    project.models(protected_models())
    out = project.shell417(
        "import pgtrigger, importlib.metadata as m; "
        "print(m.version('django-pgtrigger'), pgtrigger.__file__)"
    )
    version, path = out.split()
    assert version == "4.17.0" and "site-packages" in path
    project.run417("makemigrations", "--noinput")
    source = project.migration_source(project.migration_files()[0])
    assert "pgtrigger.compiler.UpsertTriggerSql(" in source  # 4.x's compiled form
    project.run417("migrate", "--noinput")
    (pgid,) = project.triggers("app_item")
    assert pgid.startswith("pgtrigger_protect_delete_")
    project.sql("INSERT INTO app_item (name) VALUES ('a')")
    with pytest.raises(psycopg.errors.RaiseException, match="protected"):
        project.sql("DELETE FROM app_item")
    # This package reads the same database and knows the trigger.
    assert list(project.ls()) == ["app.Item:protect_delete"]
