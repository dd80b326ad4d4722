"""``AnyChange``, ``AllChange``, ``AnyDontChange``, ``AllDontChange`` fire for the rows 4.17's do.

A differential test, on behaviour rather than SQL text: one ``models.py`` declares a trigger per
condition variant (with and without fields, ``exclude=``, ``exclude_auto=``, negated); the real
django-pgtrigger 4.17.0 installs them in one database and this package in another, the same
``UPDATE`` statements run in both, and each trigger logs the rows it fired for.
"""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")

import shutil

from tests.migrations_project import Project

# name -> condition, written with 4.x's API only (4.17 imports the same models.py).
CONDITIONS = {
    "any_all": "pgtrigger.AnyChange()",
    "any_a": 'pgtrigger.AnyChange("a")',
    "any_ab": 'pgtrigger.AnyChange("a", "b")',
    "any_listed": 'pgtrigger.AnyChange("id", "a", "b", "c", "stamp")',
    "any_excl": 'pgtrigger.AnyChange(exclude=["stamp"])',
    "any_auto": "pgtrigger.AnyChange(exclude_auto=True)",
    "any_neg": "~pgtrigger.AnyChange()",
    "all_all": "pgtrigger.AllChange()",
    "all_ab": 'pgtrigger.AllChange("a", "b")',
    "all_excl": 'pgtrigger.AllChange(exclude=["id", "stamp"])',
    "all_auto": 'pgtrigger.AllChange("a", "b", "stamp", exclude_auto=True)',
    "anydont_all": "pgtrigger.AnyDontChange()",
    "anydont_a": 'pgtrigger.AnyDontChange("a")',
    "anydont_ab": 'pgtrigger.AnyDontChange("a", "b")',
    "anydont_listed": 'pgtrigger.AnyDontChange("id", "a", "b", "c", "stamp")',
    "anydont_excl": 'pgtrigger.AnyDontChange(exclude=["stamp"])',
    "anydont_auto": "pgtrigger.AnyDontChange(exclude_auto=True)",
    "anydont_neg": "~pgtrigger.AnyDontChange()",
    "alldont_all": "pgtrigger.AllDontChange()",
    "alldont_ab": 'pgtrigger.AllDontChange("a", "b")',
    "alldont_excl": 'pgtrigger.AllDontChange(exclude=["stamp"])',
    "alldont_auto": "pgtrigger.AllDontChange(exclude_auto=True)",
}

TRIGGER = """
            pgtrigger.Trigger(
                name={name!r},
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition={condition},
                func="INSERT INTO app_log (name, row_id) VALUES ({name_sql}, NEW.id); RETURN NULL;",
            ),"""

MODELS = """
from django.db import models
import pgtrigger


class Log(models.Model):
    name = models.CharField(max_length=32)
    row_id = models.IntegerField()


class Row(models.Model):
    a = models.IntegerField(null=True)
    b = models.TextField(null=True)
    c = models.IntegerField(null=True)
    stamp = models.DateTimeField(auto_now=True)

    class Meta:
        triggers = [{triggers}
        ]
"""

ROWS = [(1, "x", 1), (None, None, None), (1, "x", None), (2, "y", 3)]

# Each step updates every row: values change, stay, go to or come from NULL.
UPDATES = [
    "UPDATE app_row SET a = a",
    "UPDATE app_row SET a = COALESCE(a, 0) + 1",
    "UPDATE app_row SET a = NULL",
    "UPDATE app_row SET a = 5, b = 'z'",
    "UPDATE app_row SET a = 6, b = 'w', c = 7, stamp = stamp + interval '1 day'",
    "UPDATE app_row SET stamp = stamp + interval '1 day'",
    "UPDATE app_row SET b = b, c = c",
    "UPDATE app_row SET c = NULL, b = 'q'",
]


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path, databases=("default", "v4"), contrib=())
    triggers = "".join(
        TRIGGER.format(name=name, condition=condition, name_sql=f"'{name}'")
        for name, condition in CONDITIONS.items()
    )
    project.models(MODELS.format(triggers=triggers))
    shutil.rmtree(tmp_path / "app" / "migrations")  # created by migrate --run-syncdb
    yield project
    project.drop()


def fired(project: Project, alias: str) -> list[set[tuple[str, int]]]:
    """The (trigger, row) pairs that fired for each step of ``UPDATES``."""
    for values in ROWS:
        project.sql(
            "INSERT INTO app_row (a, b, c, stamp) VALUES (%s, %s, %s, now())", values, alias=alias
        )
    steps = []
    for update in UPDATES:
        project.sql(update, alias=alias)
        rows = project.sql("DELETE FROM app_log RETURNING name, row_id", alias=alias)
        steps.append(set(rows))
    return steps


def test_change_conditions_fire_as_in_417(project):
    project.shell417(
        """
        from django.core.management import call_command
        import pgtrigger
        call_command("migrate", "--run-syncdb", "--database", "v4", verbosity=0)
        pgtrigger.install(database="v4")
        """
    )
    project.migrate("--run-syncdb")
    ours, theirs = fired(project, "default"), fired(project, "v4")
    assert len(project.triggers("app_row")) == len(project.triggers("app_row", alias="v4"))
    for update, mine, expected in zip(UPDATES, ours, theirs, strict=True):
        assert sorted(mine) == sorted(expected), update
    # The 4.x recipe against redundant updates: AnyDontChange() fires only when nothing changed.
    assert {name for name, _ in ours[0]} >= {"anydont_all", "alldont_all", "anydont_listed"}
    assert not {name for step in ours[1:6] for name, _ in step} & {"anydont_all"}
