"""Partitioned tables: a trigger on the parent applies to every partition."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")

import psycopg

from tests.migrations_project import Project

TABLE_MIGRATION = """
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.RunSQL(
            "CREATE TABLE app_event (id bigint NOT NULL, kind varchar(16) NOT NULL) "
            "PARTITION BY RANGE (id); "
            "CREATE TABLE app_event_1 PARTITION OF app_event FOR VALUES FROM (0) TO (100); "
            "CREATE TABLE app_event_2 PARTITION OF app_event FOR VALUES FROM (100) TO (200)",
            "DROP TABLE app_event",
        )
    ]
"""

MODELS = """
from django.db import models
import pgtrigger


class Event(models.Model):
    id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=16)

    class Meta:
        managed = False
        db_table = "app_event"
        triggers = [
            pgtrigger.Trigger(
                name="no_bad_kind",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                condition=pgtrigger.Q(new__kind="bad"),
                func="RAISE EXCEPTION '{message} in %', TG_TABLE_NAME;",
            )
        ]
"""

CLONES = (
    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE t.tgname LIKE 'pgtrigger_no_bad_kind%%' AND t.tgparentid <> 0 ORDER BY 1"
)


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path, contrib=())
    project.write("app/migrations/0001_table.py", TABLE_MIGRATION)
    yield project
    project.drop()


def test_trigger_on_partitioned_parent(project):
    project.models(MODELS.format(message="bad kind"))
    project.makemigrations("app", "--name", "event")
    assert project.operations("0002_event") == ["CreateModel", "AddTrigger"]
    project.migrate()
    assert project.sql(CLONES) == [("app_event_1",), ("app_event_2",)]
    for statement, partition in (
        ("INSERT INTO app_event VALUES (1, 'bad')", "app_event_1"),
        ("INSERT INTO app_event_2 VALUES (150, 'bad')", "app_event_2"),
    ):
        with pytest.raises(psycopg.errors.RaiseException, match=f"bad kind in {partition}"):
            project.sql(statement)
    project.sql("INSERT INTO app_event VALUES (1, 'good'), (150, 'good')")

    # Partitions added later get the trigger too.
    project.sql("CREATE TABLE app_event_3 PARTITION OF app_event FOR VALUES FROM (200) TO (300)")
    with pytest.raises(psycopg.errors.RaiseException, match="bad kind in app_event_3"):
        project.sql("INSERT INTO app_event VALUES (250, 'bad')")

    # ls and prune see the parent's trigger only, never its clones.
    assert project.ls() == {"app.Event:no_bad_kind": "INSTALLED"}
    project.run("pgtrigger", "prune")
    assert len(project.sql(CLONES)) == 3

    # Altered in place on the parent; the partitions follow.
    project.models(MODELS.format(message="forbidden kind"))
    project.makemigrations("app", "--name", "alter")
    assert project.operations("0003_alter") == ["AlterTrigger"]
    project.migrate()
    with pytest.raises(psycopg.errors.RaiseException, match="forbidden kind in app_event_2"):
        project.sql("UPDATE app_event SET kind = 'bad' WHERE id = 150")
    assert project.ls() == {"app.Event:no_bad_kind": "INSTALLED"}

    project.migrate("app", "0001")
    assert project.sql(CLONES) == []
    assert project.functions() == set()
    project.migrate("app", "zero")
