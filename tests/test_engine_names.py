"""ENGINE names are resolved as Django resolves them, legacy aliases included."""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

from django.conf import settings

from tests.migrations_project import Project, protected_models


@pytest.fixture
def project(tmp_path):
    # What dj-database-url < 1.0 gives for a postgres:// URL; Django's load_backend() maps it.
    server = {**settings.DATABASES["default"], "ENGINE": "django.db.backends.postgresql_psycopg2"}
    project = Project(tmp_path, server=server)
    yield project
    project.drop()


def test_the_legacy_postgresql_psycopg2_engine_name(project):
    project.models(protected_models())
    project.makemigrations()
    project.migrate()
    (pgid,) = project.triggers("app_item")
    assert pgid.startswith("pgtrigger_protect_delete_")
    out = project.shell(
        """
        from django.db import connection
        from pgtrigger.schema_editor import TriggerSchemaEditorMixin

        print(connection.settings_dict["ENGINE"])
        print(issubclass(connection.SchemaEditorClass, TriggerSchemaEditorMixin))
        """
    )
    assert out.split() == ["django.db.backends.postgresql_psycopg2", "True"]
    assert set(project.ls().values()) == {"INSTALLED"}
