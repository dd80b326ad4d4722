"""ignore() and schema() behave as in django-pgtrigger 4.17, run side by side on one database.

Each scenario is one script that both packages run unchanged (4.17 from its own venv); their
outputs must be equal, and equal to what 4.x documents.
"""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

from tests.migrations_project import Project

MODELS = """
from django.db import models
import pgtrigger


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


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Migrated by this package; 4.17 runs its scripts on the same database."""
    project = Project(tmp_path_factory.mktemp("parity"))
    project.models(MODELS)
    project.makemigrations()
    project.migrate()
    project.sql("CREATE SCHEMA tenantx; CREATE TABLE tenantx.marker (name text)")
    project.sql("INSERT INTO tenantx.marker VALUES ('tenantx')")
    project.sql("CREATE SCHEMA b")
    yield project
    project.drop()


def same_as_417(project: Project, script: str) -> list[str]:
    ours, theirs = project.shell(script).split("\n"), project.shell417(script).split("\n")
    assert ours == theirs
    return [line for line in ours if line]


DEFERRED = """
import pgtrigger
from django.db import DatabaseError, transaction
from app.models import Entry


def attempt(run):
    Entry.objects.create(name="x")
    try:
        run()
    except DatabaseError:
        return "refused"
    return "deleted" if not Entry.objects.exists() else "kept"


def ignored_statement_in_atomic():
    with transaction.atomic():
        with pgtrigger.ignore("app.Entry:protect_deferred"):
            Entry.objects.all().delete()


def ignored_statement_then_a_query_in_atomic():
    with transaction.atomic():
        with pgtrigger.ignore("app.Entry:protect_deferred"):
            Entry.objects.all().delete()
        Entry.objects.count()


def ignored_atomic():
    with pgtrigger.ignore("app.Entry:protect_deferred"), transaction.atomic():
        Entry.objects.all().delete()


def ignored_in_autocommit():
    with pgtrigger.ignore("app.Entry:protect_deferred"):
        Entry.objects.all().delete()


for run in (
    ignored_statement_in_atomic,
    ignored_statement_then_a_query_in_atomic,
    ignored_atomic,
    ignored_in_autocommit,
):
    print(run.__name__, attempt(run))
"""


def test_ignore_around_a_statement_does_not_skip_a_deferred_trigger(project):
    assert same_as_417(project, DEFERRED) == [
        "ignored_statement_in_atomic refused",
        "ignored_statement_then_a_query_in_atomic refused",
        "ignored_atomic deleted",
        "ignored_in_autocommit deleted",
    ]


SET_IN_BETWEEN = """
import pgtrigger
from django.db import connection, transaction


def show():
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


with transaction.atomic():
    with pgtrigger.schema("tenantx"):
        print(show())
    with connection.cursor() as cursor:
        cursor.execute("SET search_path TO b")
    print(show())
    with pgtrigger.schema("tenantx"):
        print(show())
    print(show())
"""


def test_leaving_schema_keeps_a_search_path_set_in_between(project):
    assert same_as_417(project, SET_IN_BETWEEN) == ["tenantx", "b", "tenantx", "b"]


NAMES = """
import pgtrigger
from django.db import connection


with pgtrigger.schema("TenantX", "$user"), connection.cursor() as cursor:
    cursor.execute("SHOW search_path")
    print(cursor.fetchone()[0])
    cursor.execute("SELECT name FROM marker")
    print(cursor.fetchone()[0])
"""


def test_schema_names_are_written_as_in_4x(project):
    assert same_as_417(project, NAMES) == ['TenantX, "$user"', "tenantx"]
