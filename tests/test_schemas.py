"""Schemas: per-schema database aliases (``search_path``), ``-s`` and ``pgtrigger.schema``."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")

import psycopg

from tests.migrations_project import Project, protected_models

MODELS = protected_models(func="RAISE EXCEPTION 'protected in %', TG_TABLE_SCHEMA;")


@pytest.fixture
def project(tmp_path):
    project = Project(
        tmp_path,
        databases=("default", "tenant"),
        databases_options={"tenant": {"options": "-c search_path=tenant"}},
        same_database=True,
        contrib=(),
    )
    project.sql("CREATE SCHEMA tenant")
    project.models(MODELS)
    project.makemigrations("app")
    project.migrate()
    project.migrate("--database", "tenant")
    yield project
    project.drop()


def test_per_schema_databases(project):
    tables = project.sql(
        "SELECT n.nspname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname LIKE 'pgtrigger%%' "
        "ORDER BY 1"
    )
    assert tables == [("public",), ("tenant",)]
    for schema in ("public", "tenant"):
        project.sql(f"INSERT INTO {schema}.app_item (name) VALUES ('a')")
        with pytest.raises(psycopg.errors.RaiseException, match=f"protected in {schema}"):
            project.sql(f"DELETE FROM {schema}.app_item")
    assert project.ls("-d", "tenant") == {"app.Item:protect_delete": "INSTALLED"}

    project.migrate("app", "zero", "--database", "tenant")
    assert project.ls("-d", "tenant") == {"app.Item:protect_delete": "UNINSTALLED"}
    assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}


def test_schema_option_of_the_command(project):
    project.run("pgtrigger", "uninstall", "-s", "tenant")
    assert project.ls("-s", "tenant") == {"app.Item:protect_delete": "UNINSTALLED"}
    assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}
    project.run("pgtrigger", "install", "--schema", "tenant")
    assert project.ls("-d", "tenant") == {"app.Item:protect_delete": "INSTALLED"}


def test_schema_context_manager(project):
    out = project.shell(
        """
        import pgtrigger
        from pgtrigger import installation

        with pgtrigger.schema("tenant"):
            pgtrigger.uninstall()
            print([s.status.value for s in installation.status()])
        print([s.status.value for s in installation.status()])
        """
    )
    assert out.split() == ["['UNINSTALLED']", "['INSTALLED']"]
    assert list(project.triggers("tenant.app_item")) == []
