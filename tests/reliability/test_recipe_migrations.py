"""Every recipe migrates forward and backward cleanly, with nothing OUTDATED after migrate."""

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

from tests.migrations_project import Project

RECIPES = """
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Now

import pgtrigger

official = pgtrigger.OfficialInterface(name="official", operation=pgtrigger.Insert)


class Event(models.Model):
    object_pk = models.TextField()
    field = models.TextField()
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)


class Parent(models.Model):
    children = models.IntegerField(default=0)


class Item(models.Model):
    parent = models.ForeignKey(Parent, null=True, on_delete=models.CASCADE)
    name = models.CharField(max_length=32, default="")
    name_lower = models.CharField(max_length=32, default="")
    status = models.CharField(max_length=16, default="new")
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True)
    version = models.IntegerField(default=0)
    search = SearchVectorField(null=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(name="protect", operation=pgtrigger.Truncate,
                              level=pgtrigger.Statement),
            pgtrigger.ReadOnly(name="read_only", fields=["name_lower"]),
            pgtrigger.SoftDelete(name="soft_delete", field="deleted_at", value=Now()),
            pgtrigger.FSM(name="fsm", field="status", transitions=[("new", "done")]),
            pgtrigger.Versioning(name="versioning"),
            pgtrigger.SyncField(name="sync", field="name_lower", expression=Lower("name")),
            pgtrigger.SyncAggregate(name="count", fk="parent", parent_field="children"),
            pgtrigger.TrackChanges(name="track", fields=["status"], to="app.Event"),
            pgtrigger.Composer(
                name="composer", level=pgtrigger.Statement, when=pgtrigger.After,
                operation=pgtrigger.Update, condition=pgtrigger.AnyChange("name"),
                func=pgtrigger.Func("PERFORM count(*) FROM {cond_new_values} AS n; RETURN NULL;"),
            ),
            pgtrigger.UpdateSearchVector(
                name="search_vector", vector_field="search", document_fields=["name", "status"]
            ),
            official,
        ]
"""


@pytest.fixture
def project(tmp_path):
    # django.contrib.postgres: SearchVectorField (UpdateSearchVector)
    project = Project(
        tmp_path,
        contrib=("django.contrib.contenttypes", "django.contrib.auth", "django.contrib.postgres"),
    )
    yield project
    project.drop()


def test_every_recipe_migrates_forward_and_backward(project):
    project.models(RECIPES)
    project.makemigrations("app")
    project.migrate()
    statuses = project.ls()
    assert len(statuses) == 11 and set(statuses.values()) == {"INSTALLED"}, statuses
    assert len(project.triggers()) == 11
    assert any(name.startswith("pgtrigger_search_vector_") for name in project.triggers())
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert not [f for f in project.functions() if f.startswith("pgtrigger_")]
    project.migrate()
    assert set(project.ls().values()) == {"INSTALLED"}
