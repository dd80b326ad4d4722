"""Migration files written by django-pgtrigger 4.x import, apply, reverse and upgrade unchanged."""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")

import pathlib
import shutil

import psycopg

from tests.migrations_project import Project

LEGACY = pathlib.Path(__file__).parent / "legacy_migrations"


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path, contrib=())
    project.models((LEGACY / "models.py").read_text())
    shutil.copy(LEGACY / "0001_initial.py", tmp_path / "app/migrations/0001_initial.py")
    yield project
    project.drop()


DELETE_UNDER_IGNORE = """
import pgtrigger
from app.models import Item

Item.objects.create(name="a")
with pgtrigger.ignore("app.Item:protect_delete"):
    Item.objects.all().delete()
print("deleted", Item.objects.count())
"""


def test_4x_migration_applies_and_honours_ignore(project):
    project.migrate()
    triggers = project.triggers()
    assert set(triggers) == {"pgtrigger_protect_delete_235c8", "pgtrigger_protect_name_d84b1"}
    # The 4.x layout: the ignore check is in the function, through the shared function.
    assert "WHEN" not in triggers["pgtrigger_protect_delete_235c8"]
    assert (
        "_pgtrigger_should_ignore"
        in project.sql(
            "SELECT prosrc FROM pg_proc WHERE proname = 'pgtrigger_protect_delete_235c8'"
        )[0][0]
    )

    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    with pytest.raises(psycopg.errors.RaiseException, match="Cannot delete rows from app_item"):
        project.sql("DELETE FROM app_item")
    with pytest.raises(psycopg.errors.RaiseException, match="name a is read-only"):
        project.sql("UPDATE app_item SET name = 'b'")
    assert project.shell(DELETE_UNDER_IGNORE).split() == ["deleted", "0"]

    project.migrate("app", "zero")
    assert project.triggers() == {}


def test_makemigrations_upgrades_4x_triggers_with_one_alter_each(project):
    project.migrate()
    project.makemigrations("app", "--name", "upgrade")
    assert project.operations("0002_upgrade") == ["AlterTrigger", "AlterTrigger"]
    project.migrate()
    triggers = project.triggers()
    # Now the current layout: the ignore check is in the WHEN clause.
    assert all("current_setting" in definition for definition in triggers.values())
    assert set(project.ls().values()) == {"INSTALLED"}
    assert project.run("makemigrations", "--check", "--dry-run").returncode == 0
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    with pytest.raises(psycopg.errors.RaiseException, match="name a is read-only"):
        project.sql("UPDATE app_item SET name = 'b'")
    assert project.shell(DELETE_UNDER_IGNORE).split() == ["deleted", "0"]

    # Back to the 4.x triggers, exactly as the old file installs them.
    project.migrate("app", "0001")
    assert "WHEN" not in project.triggers()["pgtrigger_protect_delete_235c8"]
    assert project.shell(DELETE_UNDER_IGNORE).split() == ["deleted", "0"]


LEDGER_MIGRATIONS = ("0001_initial", "0002_ledger_and_more", "0003_remove_ledger_stamp_note")
LEGACY_PGIDS = {
    "pgtrigger_protect_delete_235c8",
    "pgtrigger_protect_name_d84b1",
    "pgtrigger_balance_check_25113",
    "pgtrigger_limit_batch_64e7e",
}


@pytest.fixture
def ledger_project(tmp_path):
    """The 4.x files of a project that went on: statement-level, constraint, removed triggers."""
    project = Project(tmp_path, contrib=())
    project.models((LEGACY / "models_0003.py").read_text())
    for name in LEDGER_MIGRATIONS:
        shutil.copy(LEGACY / f"{name}.py", tmp_path / f"app/migrations/{name}.py")
    yield project
    project.drop()


IGNORED_BATCH = """
import pgtrigger
from app.models import Ledger

with pgtrigger.ignore("app.Ledger:limit_batch"):
    Ledger.objects.bulk_create([Ledger(amount=1), Ledger(amount=1), Ledger(amount=1)])
print("created", Ledger.objects.count())
"""


def trigger_operations(project: Project, name: str) -> list[tuple[str, str, str]]:
    """``(operation, model_name, trigger name)`` of each operation of a migration, in order."""
    out = project.shell(
        f"""
        import importlib
        module = importlib.import_module("app.migrations.{name}")
        for op in module.Migration.operations:
            print(type(op).__name__, op.model_name, op.name, sep=",")
        """
    )
    return [tuple(line.split(",")) for line in out.splitlines()]


def assert_ledger_triggers_fire(project: Project) -> None:
    """The ledger's triggers, 4.x or upgraded: run on an empty ledger, leave it empty."""
    # Statement level, reading the transition table: once for the whole statement.
    with pytest.raises(psycopg.errors.RaiseException, match="batch of 3 rows"):
        project.sql("INSERT INTO app_ledger (amount, note) VALUES (1, ''), (1, ''), (1, '')")
    project.sql("INSERT INTO app_ledger (amount, note) VALUES (1, ''), (2, '')")
    # The deferred constraint trigger: a negative balance raises at commit only.
    with project.connect() as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO app_ledger (amount, note) VALUES (-10, '')")
        with pytest.raises(psycopg.errors.RaiseException, match="balance -7 is negative"):
            conn.execute("COMMIT")
    with project.connect() as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO app_ledger (amount, note) VALUES (-10, '')")
        conn.execute("UPDATE app_ledger SET amount = 7 WHERE amount = -10")
        conn.execute("COMMIT")
    # Deferrable: made immediate, it raises at the statement.
    with project.connect() as conn:
        conn.execute("BEGIN")
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(psycopg.errors.RaiseException, match="balance -17 is negative"):
            conn.execute("UPDATE app_ledger SET amount = -20 WHERE amount = 7")
        conn.execute("ROLLBACK")
    # pgtrigger.ignore() reaches the trigger through the 4.x (schema-qualified) ignore function.
    assert project.shell(IGNORED_BATCH).split() == ["created", "6"]
    project.sql("DELETE FROM app_ledger")


def test_4x_constraint_statement_and_removed_triggers_apply_reverse_and_upgrade(ledger_project):
    project = ledger_project
    project.migrate()
    legacy = project.triggers()
    assert set(legacy) == LEGACY_PGIDS  # stamp_note was added, then removed
    assert "pgtrigger_stamp_note_cce8a" not in project.functions()
    # The 4.x layout, with each argument in its place.
    assert "FOR EACH STATEMENT" in legacy["pgtrigger_limit_batch_64e7e"]
    assert "REFERENCING NEW TABLE AS new_values" in legacy["pgtrigger_limit_batch_64e7e"]
    balance_check = legacy["pgtrigger_balance_check_25113"]
    assert balance_check.startswith(
        "CREATE CONSTRAINT TRIGGER pgtrigger_balance_check_25113 AFTER INSERT OR UPDATE"
    )
    assert "DEFERRABLE INITIALLY DEFERRED" in balance_check
    assert "EXECUTE FUNCTION pgtrigger_balance_check_25113()" in balance_check
    assert all("current_setting" not in definition for definition in legacy.values())
    sources = dict(project.sql("SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'pgt%'"))
    assert '"public"._pgtrigger_should_ignore(TG_NAME)' in sources["pgtrigger_limit_batch_64e7e"]
    assert "_pgtrigger_should_ignore(TG_NAME)" in sources["pgtrigger_balance_check_25113"]
    assert_ledger_triggers_fire(project)

    # Backwards: RemoveTrigger re-installs the 4.x trigger it removed, then it all goes away.
    project.migrate("app", "0002")
    assert set(project.triggers()) == {*LEGACY_PGIDS, "pgtrigger_stamp_note_cce8a"}
    project.sql("INSERT INTO app_ledger (amount, note) VALUES (1, 'x')")
    assert project.sql("SELECT note FROM app_ledger") == [("stamped",)]
    project.sql("DELETE FROM app_ledger")
    project.migrate("app", "0001")
    assert set(project.triggers()) == {
        "pgtrigger_protect_delete_235c8",
        "pgtrigger_protect_name_d84b1",
    }
    assert {name for name in project.functions() if "ledger" in name or "_note_" in name} == set()
    assert project.sql("SELECT to_regclass('app_ledger')") == [(None,)]
    project.migrate()
    assert project.triggers() == legacy

    # Declared today, installed as 4.x did: outdated until upgraded.
    assert set(project.ls().values()) == {"OUTDATED"}

    # makemigrations upgrades each remaining 4.x trigger with one AlterTrigger.
    project.makemigrations("app", "--name", "upgrade")
    assert trigger_operations(project, "0004_upgrade") == [
        ("AlterTrigger", "Item", "protect_delete"),
        ("AlterTrigger", "Item", "protect_name"),
        ("AlterTrigger", "Ledger", "balance_check"),
        ("AlterTrigger", "Ledger", "limit_batch"),
    ]
    project.migrate()
    upgraded = project.triggers()
    assert set(upgraded) == LEGACY_PGIDS
    # The ignore check in WHEN; in the function for the deferrable trigger (it checks at commit).
    deferrable = "pgtrigger_balance_check_25113"
    assert all(
        "current_setting" in definition
        for pgid, definition in upgraded.items()
        if pgid != deferrable
    )
    assert "current_setting" not in upgraded[deferrable]
    assert (
        "current_setting"
        in project.sql("SELECT prosrc FROM pg_proc WHERE proname = %s", [deferrable])[0][0]
    )
    assert "REFERENCING NEW TABLE AS new_values" in upgraded["pgtrigger_limit_batch_64e7e"]
    assert "DEFERRABLE INITIALLY DEFERRED" in upgraded["pgtrigger_balance_check_25113"]
    assert set(project.ls().values()) == {"INSTALLED"}
    assert project.run("makemigrations", "--check", "--dry-run").returncode == 0
    assert_ledger_triggers_fire(project)

    # Back to the 4.x triggers, exactly as the old files install them, and to nothing.
    project.migrate("app", "0003")
    assert project.triggers() == legacy
    assert_ledger_triggers_fire(project)
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert project.functions() == set()
