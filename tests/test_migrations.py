"""Triggers in migrations: real ``makemigrations`` / ``migrate`` runs in a throwaway project.

See ``tests/migrations_project``: each test gets its own project directory and database.
"""

from __future__ import annotations

import pytest

# The project harness talks to PostgreSQL with psycopg 3 (a dev dependency); a run
# that swapped it for psycopg2 skips these tests.
pytest.importorskip("psycopg")

import threading

import django
import psycopg

from tests.migrations_project import Project


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path)
    yield project
    project.drop()


ITEM = """
from django.db import models
import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=32)
    count = models.{count_type}(default=0)

    class Meta:
        triggers = [{triggers}]
"""

PROTECT_DELETE = """
    pgtrigger.Trigger(
        name="protect_delete",
        when=pgtrigger.Before,
        operation=pgtrigger.Delete,
        func="RAISE EXCEPTION 'protected';",
    ),
"""

PROTECT_NAME = """
    pgtrigger.Trigger(
        name="protect_name",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(old__name__df=pgtrigger.F("new__name")),
        func="RAISE EXCEPTION 'name is read-only';",
    ),
"""


def item(*triggers: str, count_type: str = "IntegerField") -> str:
    return ITEM.format(count_type=count_type, triggers="".join(triggers))


def assert_raises_in_db(project: Project, statement: str, message: str) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match=message):
        project.sql(statement)


def assert_no_changes(project: Project) -> None:
    """``makemigrations --check`` finds nothing, in a process with another hash seed."""
    result = project.run("makemigrations", "--check", "--dry-run", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_add_alter_remove_and_reverse(project):
    project.models(item(PROTECT_DELETE))
    project.makemigrations("app")
    assert project.operations("0001_initial") == ["CreateModel", "AddTrigger"]
    project.migrate()
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 1)")
    assert_raises_in_db(project, "DELETE FROM app_item", "protected")
    assert_no_changes(project)

    # Adding a trigger: one AddTrigger.
    project.models(item(PROTECT_DELETE, PROTECT_NAME))
    project.makemigrations("app", "--name", "add")
    assert project.operations("0002_add") == ["AddTrigger"]
    project.migrate()
    assert_raises_in_db(project, "UPDATE app_item SET name = 'b'", "name is read-only")
    assert set(project.ls().values()) == {"INSTALLED"}

    # Changing a trigger: one AlterTrigger that replaces it in place (same trigger OID).
    oid_before = project.sql("SELECT oid FROM pg_trigger WHERE tgname LIKE 'pgtrigger_protect_n%'")
    project.models(item(PROTECT_DELETE, PROTECT_NAME.replace("read-only", "frozen")))
    project.makemigrations("app", "--name", "alter")
    assert project.operations("0003_alter") == ["AlterTrigger"]
    sql = project.run("sqlmigrate", "app", "0003").stdout
    assert "CREATE OR REPLACE TRIGGER" in sql
    assert not [line for line in sql.splitlines() if line.startswith("DROP")]
    project.migrate()
    assert_raises_in_db(project, "UPDATE app_item SET name = 'b'", "name is frozen")
    assert project.sql("SELECT oid FROM pg_trigger WHERE tgname LIKE 'pgtrigger_protect_n%'") == (
        oid_before
    )
    assert set(project.ls().values()) == {"INSTALLED"}
    assert_no_changes(project)

    # Removing a trigger: one RemoveTrigger, the function goes too.
    project.models(item(PROTECT_NAME.replace("read-only", "frozen")))
    project.makemigrations("app", "--name", "remove")
    assert project.operations("0004_remove") == ["RemoveTrigger"]
    project.migrate()
    assert [name.rsplit("_", 1)[0] for name in project.triggers()] == ["pgtrigger_protect_name"]
    assert [name.rsplit("_", 1)[0] for name in project.functions()] == ["pgtrigger_protect_name"]
    project.sql("DELETE FROM app_item")

    # Backwards, step by step: each migration restores what it replaced.
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 1)")
    project.migrate("app", "0003")
    assert_raises_in_db(project, "DELETE FROM app_item", "protected")
    project.migrate("app", "0002")
    assert_raises_in_db(project, "UPDATE app_item SET name = 'b'", "name is read-only")
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert project.functions() == set()
    project.migrate()
    assert set(project.ls().values()) == {"INSTALLED"}

    # Deleting the model removes its triggers first, functions included.
    project.models("")
    project.makemigrations("app", "--name", "delete")
    assert project.operations("0005_delete") == ["RemoveTrigger", "DeleteModel"]
    project.migrate()
    assert project.functions() == set()
    project.migrate("app", "0004")
    assert [name.rsplit("_", 1)[0] for name in project.triggers()] == ["pgtrigger_protect_name"]
    # No model declares it any more: ls offers it for pruning.
    assert set(project.ls().values()) == {"PRUNE"}


def test_migration_files_are_stable(project):
    """The serialized form does not depend on the process (hash seeds, dict order)."""
    project.models(item(PROTECT_DELETE, PROTECT_NAME))
    project.makemigrations("app")
    first = project.migration_source("0001_initial.py")
    for seed in ("1", "2", "3"):
        (project.path / "app/migrations/0001_initial.py").unlink()
        project.run("makemigrations", "--noinput", "app", PYTHONHASHSEED=seed)
        source = project.migration_source("0001_initial.py")
        # Only the "Generated by Django ... on <date>" header may differ.
        assert source.split("\n", 2)[2] == first.split("\n", 2)[2]
    assert_no_changes(project)


INHERITANCE = """
from django.contrib.auth.models import User
from django.db import models
import pgtrigger


def protect(name, operation=pgtrigger.Delete):
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.Before, operation=operation,
        func=f"RAISE EXCEPTION '{{name}} blocked';",
    )


class Base(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        abstract = True
        triggers = [protect("{abstract}")]


class Child(Base):
    pass


class ChildProxy(Child):
    class Meta:
        proxy = True
        triggers = [protect("proxied", pgtrigger.Insert)]


class UserProxy(User):
    class Meta:
        proxy = True
        triggers = [protect("{user}")]


class UserGroups(User.groups.through):
    class Meta:
        proxy = True
        triggers = [protect("no_group_change", pgtrigger.Insert)]
"""


def test_inherited_proxy_third_party_and_m2m_through(project):
    project.models(INHERITANCE.format(abstract="inherited", user="user_delete"))
    project.makemigrations("app")
    project.migrate()
    assert project.ls() == {
        "app.Child:inherited": "INSTALLED",
        "app.ChildProxy:proxied": "INSTALLED",
        "app.UserProxy:user_delete": "INSTALLED",
        "app.UserGroups:no_group_change": "INSTALLED",
    }
    assert_raises_in_db(project, "INSERT INTO app_child (name) VALUES ('a')", "proxied blocked")
    project.sql("ALTER TABLE app_child DISABLE TRIGGER USER")
    project.sql("INSERT INTO app_child (name) VALUES ('a')")
    project.sql("ALTER TABLE app_child ENABLE TRIGGER USER")
    project.sql(
        "INSERT INTO auth_user (username, password, is_superuser, is_staff, is_active, "
        "first_name, last_name, email, date_joined) VALUES "
        "('u', '', false, false, true, '', '', '', now())"
    )
    project.sql("INSERT INTO auth_group (name) VALUES ('g')")
    assert_raises_in_db(project, "DELETE FROM app_child", "inherited blocked")
    assert_raises_in_db(project, "DELETE FROM auth_user", "user_delete blocked")
    assert_raises_in_db(
        project,
        "INSERT INTO auth_user_groups (user_id, group_id) "
        "SELECT u.id, g.id FROM auth_user u, auth_group g",
        "no_group_change blocked",
    )
    assert_no_changes(project)

    # Renamed triggers are other triggers: removed and added.
    project.models(INHERITANCE.format(abstract="inherited2", user="user_delete2"))
    project.makemigrations("app", "--name", "rename")
    assert sorted(project.operations("0002_rename")) == [
        "AddTrigger",
        "AddTrigger",
        "RemoveTrigger",
        "RemoveTrigger",
    ]
    project.migrate()
    assert_raises_in_db(project, "DELETE FROM auth_user", "user_delete2 blocked")
    assert set(project.ls().values()) == {"INSTALLED"}

    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert project.functions() == set()


PROXIED = """
from django.db import models
import pgtrigger


def protect(name, verb, operation=pgtrigger.Delete):
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.Before, operation=operation,
        func=f"RAISE EXCEPTION '{{name}} %', '{{verb}}';",
    )


class Base(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        abstract = True
        triggers = [protect("inherited", "{verb}")]


class Child(Base):
    pass


class Sibling(Base):
    pass
{proxy}"""

CHILD_PROXY = """

class ChildProxy(Child):
    class Meta:
        proxy = True
        triggers = [protect("proxied", "{verb}", pgtrigger.Insert)]
"""


def trigger_operations(project: Project, name: str) -> list[tuple[str, str, str]]:
    """``(operation, model_name, name)`` of each operation of a migration, in order."""
    out = project.shell(
        f"""
        import importlib
        module = importlib.import_module("app.migrations.{name}")
        for op in module.Migration.operations:
            name = getattr(op, "name", None) or op.trigger.name
            print(type(op).__name__, getattr(op, "model_name", ""), name, sep=",")
        """
    )
    return [tuple(line.split(",")) for line in out.splitlines()]


def proxied(verb: str, proxy: bool = True) -> str:
    return PROXIED.format(verb=verb, proxy=CHILD_PROXY.format(verb=verb) if proxy else "")


def test_inherited_and_proxy_triggers_altered_and_proxy_deleted(project):
    def trigger_oids() -> dict[str, int]:
        return dict(
            project.sql("SELECT tgname, oid FROM pg_trigger WHERE tgname LIKE 'pgtrigger%'")
        )

    project.models(proxied("blocked"))
    project.makemigrations("app")
    project.migrate()
    assert set(project.ls()) == {
        "app.Child:inherited",
        "app.Sibling:inherited",
        "app.ChildProxy:proxied",
    }
    assert_raises_in_db(project, "INSERT INTO app_child (name) VALUES ('a')", "proxied blocked")
    project.sql("ALTER TABLE app_child DISABLE TRIGGER USER")
    project.sql("INSERT INTO app_child (name) VALUES ('a')")
    project.sql("INSERT INTO app_sibling (name) VALUES ('a')")
    project.sql("ALTER TABLE app_child ENABLE TRIGGER USER")
    oids = trigger_oids()

    # A changed func on the abstract base alters it on each concrete model; on the proxy too.
    project.models(proxied("refused"))
    project.makemigrations("app", "--name", "alter")
    assert trigger_operations(project, "0002_alter") == [
        ("AlterTrigger", "Child", "inherited"),
        ("AlterTrigger", "ChildProxy", "proxied"),
        ("AlterTrigger", "Sibling", "inherited"),
    ]
    project.migrate()
    assert set(project.ls().values()) == {"INSTALLED"}
    assert_raises_in_db(project, "INSERT INTO app_child (name) VALUES ('b')", "proxied refused")
    assert_raises_in_db(project, "DELETE FROM app_child", "inherited refused")
    assert_raises_in_db(project, "DELETE FROM app_sibling", "inherited refused")
    # Replaced in place, on the concrete tables the proxy and the base's children use.
    assert trigger_oids() == oids
    assert_no_changes(project)
    after_alter = (project.triggers(), project.functions())

    # Deleting the proxy removes its trigger, then the model; its function goes too.
    project.models(proxied("refused", proxy=False))
    project.makemigrations("app", "--name", "delete_proxy")
    assert trigger_operations(project, "0003_delete_proxy") == [
        ("RemoveTrigger", "ChildProxy", "proxied"),
        ("DeleteModel", "", "ChildProxy"),
    ]
    project.migrate()
    assert not [name for name in project.functions() if name.startswith("pgtrigger_proxied_")]
    assert not [name for name in project.triggers() if name.startswith("pgtrigger_proxied_")]
    assert len(project.functions()) == 2
    project.sql("INSERT INTO app_child (name) VALUES ('b')")
    assert set(project.ls().values()) == {"INSTALLED"}
    assert_no_changes(project)

    # Backwards: the proxy's trigger and function are back, then the original funcs.
    project.migrate("app", "0002")
    assert (project.triggers(), project.functions()) == after_alter
    assert_raises_in_db(project, "INSERT INTO app_child (name) VALUES ('c')", "proxied refused")
    project.migrate("app", "0001")
    assert_raises_in_db(project, "INSERT INTO app_child (name) VALUES ('c')", "proxied blocked")
    assert_raises_in_db(project, "DELETE FROM app_sibling", "inherited blocked")
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert project.functions() == set()


RENAMABLE = """
from django.db import models
import pgtrigger


class {model}(models.Model):
    {field} = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="protect_field",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__{field}__df=pgtrigger.F("new__{field}")),
                func="RAISE EXCEPTION 'read-only % %', TG_TABLE_NAME, OLD.{field};",
            ),
        ]
"""


def test_rename_model_and_field(tmp_path):
    # Without contenttypes: its RenameModel hook cannot run backwards in a project whose
    # migrations do not depend on it (a Django limitation unrelated to triggers).
    project = Project(tmp_path, contrib=())
    try:
        _rename_model_and_field(project)
    finally:
        project.drop()


def _rename_model_and_field(project: Project) -> None:
    project.models(RENAMABLE.format(model="Thing", field="label"))
    project.makemigrations("app")
    project.migrate()
    project.sql("INSERT INTO app_thing (label) VALUES ('a')")

    # makemigrations asks whether the field was renamed: yes.
    project.models(RENAMABLE.format(model="Thing", field="title"))
    project.makemigrations("app", "--name", "field", input="y\n")
    assert project.operations("0002_field") == ["RenameField", "AlterTrigger"]
    project.migrate()
    assert_raises_in_db(project, "UPDATE app_thing SET title = 'b'", "read-only app_thing a")

    project.models(RENAMABLE.format(model="Gadget", field="title"))
    project.makemigrations("app", "--name", "model", input="y\n")
    assert project.operations("0003_model") == ["RenameModel", "AlterTrigger"]
    project.migrate()
    assert_raises_in_db(project, "UPDATE app_gadget SET title = 'b'", "read-only app_gadget a")
    assert set(project.ls().values()) == {"INSTALLED"}
    assert len(project.triggers()) == len(project.functions()) == 1
    assert_no_changes(project)

    project.migrate("app", "0001")
    assert_raises_in_db(project, "UPDATE app_thing SET label = 'b'", "read-only app_thing a")
    assert len(project.triggers()) == len(project.functions()) == 1
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert project.functions() == set()


COUNT_CHECK = """
    pgtrigger.Trigger(
        name="count_limit",
        when=pgtrigger.Before,
        operation=pgtrigger.UpdateOf("count"),
        condition=pgtrigger.Q(new__count__gt=10),
        func="RAISE EXCEPTION 'count too high';",
    ),
"""


def test_alter_type_of_column_used_by_trigger(project):
    project.models(item(COUNT_CHECK))
    project.makemigrations("app")
    project.migrate()
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 1)")
    project.sql("ALTER TABLE app_item DISABLE TRIGGER USER")
    definition = project.triggers()

    project.models(item(COUNT_CHECK, count_type="BigIntegerField"))
    project.makemigrations("app", "--name", "bigint")
    assert project.operations("0002_bigint") == ["AlterField"]
    project.migrate()
    assert project.sql(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_name = 'app_item' AND column_name = 'count'"
    ) == [("bigint",)]
    # Re-created as it was: same definition, hash comment and (disabled) state.
    assert project.triggers() == definition
    assert set(project.ls().values()) == {"INSTALLED"}
    assert project.sql("SELECT tgenabled FROM pg_trigger WHERE tgname LIKE 'pgtrigger%'") == [
        ("D",)
    ]
    project.sql("ALTER TABLE app_item ENABLE TRIGGER USER")
    assert_raises_in_db(project, "UPDATE app_item SET count = 11", "count too high")

    project.migrate("app", "0001")
    assert project.triggers() == definition

    # PGTRIGGER_SCHEMA_EDITOR = False: PostgreSQL refuses the type change.
    project.write(
        "settings.py",
        (project.path / "settings.py").read_text() + "\nPGTRIGGER_SCHEMA_EDITOR = False\n",
    )
    result = project.run("migrate", "app", check=False)
    assert result.returncode != 0
    assert "cannot alter type of a column used in a trigger definition" in result.stderr


def test_squashed_migrations_apply_the_same_triggers(project):
    project.models(item(PROTECT_DELETE))
    project.makemigrations("app")
    project.models(item(PROTECT_DELETE, PROTECT_NAME))
    project.makemigrations("app", "--name", "add")
    project.models(item(PROTECT_NAME.replace("read-only", "frozen")))
    project.makemigrations("app", "--name", "change")
    project.migrate()
    expected = project.triggers()

    project.run("squashmigrations", "app", "0003", "--noinput")
    squashed = next(n for n in project.migration_files() if "squashed" in n)
    # The optimizer folds AddTrigger + AlterTrigger and AddTrigger + RemoveTrigger.
    assert project.operations(squashed) == ["CreateModel", "AddTrigger"]
    for name in project.migration_files():
        if "squashed" not in name:
            (project.path / "app/migrations" / name).unlink()
    # A fresh database takes the squashed migration.
    project.migrate("app", "zero")
    assert project.triggers() == {}
    project.migrate()
    assert project.triggers() == expected
    assert_raises_in_db(
        project,
        "INSERT INTO app_item (name, count) VALUES ('a', 0); UPDATE app_item SET name = 'b'",
        "name is frozen",
    )
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert_no_changes(project)


WRITES = """
from django.db import models
import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=32)
    count = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="stamp",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="NEW.count = {value}; RETURN NEW;",
            ),
        ]
"""


def test_altered_trigger_is_never_absent_for_a_concurrent_session(project):
    """A writer spanning ``migrate`` always meets the old or the new trigger, never none.

    The trigger keeps its OID: it was replaced in place, not dropped and re-created.
    """
    project.models(WRITES.format(value=1))
    project.makemigrations("app")
    project.migrate()
    project.models(WRITES.format(value=2))
    project.makemigrations("app", "--name", "alter")
    assert project.operations("0002_alter") == ["AlterTrigger"]
    oid = project.sql("SELECT oid FROM pg_trigger WHERE tgname LIKE 'pgtrigger_stamp%'")

    stop = threading.Event()
    seen: list[set[int]] = []

    def write() -> None:
        with project.connect() as conn:
            while not stop.is_set():
                conn.execute("INSERT INTO app_item (name) VALUES ('w')")
                present = conn.execute(
                    "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_stamp%'"
                ).fetchone()[0]
                seen.append(present)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        project.migrate()
    finally:
        stop.set()
        writer.join()

    assert seen and set(seen) == {1}
    counts = dict(project.sql("SELECT count, count(*) FROM app_item GROUP BY count"))
    assert 0 not in counts, f"rows written without the trigger: {counts[0]}"
    assert set(counts) == {1, 2}  # the writer ran before and after the replacement
    assert project.sql("SELECT oid FROM pg_trigger WHERE tgname LIKE 'pgtrigger_stamp%'") == oid


def _migration_sql(project: Project, name: str, *args: str) -> str:
    """``sqlmigrate``'s statements without its ``BEGIN;`` / ``COMMIT;`` wrapper."""
    lines = project.run("sqlmigrate", "app", name, *args).stdout.splitlines()
    assert lines[0] == "BEGIN;" and lines[-1] == "COMMIT;", lines
    return "\n".join(lines[1:-1])


def _trigger_oids(project: Project) -> list[tuple[int, int]]:
    return project.sql("SELECT oid, tgfoid FROM pg_trigger WHERE tgname LIKE 'pgtrigger_stamp%'")


def test_altered_trigger_takes_no_access_exclusive_lock(project):
    """Readers of the table are not blocked while an ``AlterTrigger`` migration runs.

    ``DROP TRIGGER`` takes an ACCESS EXCLUSIVE lock held to the end of the migration's
    transaction; the in-place replacement takes none, so a ``SELECT`` goes through meanwhile.
    """
    project.models(WRITES.format(value=1))
    project.makemigrations("app")
    project.migrate()
    project.sql("INSERT INTO app_item (name) VALUES ('before')")
    project.models(WRITES.format(value=2))
    project.makemigrations("app", "--name", "alter")
    assert project.operations("0002_alter") == ["AlterTrigger"]
    statements = _migration_sql(project, "0002")
    oids = _trigger_oids(project)
    assert len(oids) == 1

    def locks_on_table() -> set[tuple[int, str]]:
        """``(pid, mode)`` of every lock on ``app_item``, held or awaited, by any session."""
        rows = project.sql(
            "SELECT l.pid, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'app_item'"
        )
        return set(rows)

    def concurrent_select() -> int:
        with project.connect() as reader:
            reader.execute("SET lock_timeout = '200ms'")
            return reader.execute("SELECT count(*) FROM app_item").fetchone()[0]

    # The checks below do see an exclusive lock: a DROP TRIGGER (rolled back) blocks readers.
    pgid = project.sql("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_stamp%'")[0][0]
    with project.connect() as conn:
        conn.execute("BEGIN")
        conn.execute(f'DROP TRIGGER "{pgid}" ON app_item')
        assert (conn.info.backend_pid, "AccessExclusiveLock") in locks_on_table()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            concurrent_select()
        conn.execute("ROLLBACK")

    def run_while_reading(statements: str) -> None:
        """Run ``statements`` in a transaction; while it is open, readers get through."""
        with project.connect() as conn:
            conn.execute("BEGIN")
            conn.execute(statements)
            locks = locks_on_table()
            # The session does lock the table (CREATE TRIGGER's lock), just not exclusively.
            assert {pid for pid, _ in locks} == {conn.info.backend_pid}, locks
            assert "AccessExclusiveLock" not in {mode for _, mode in locks}, locks
            assert concurrent_select() == project.sql("SELECT count(*) FROM app_item")[0][0]
            conn.execute("COMMIT")

    run_while_reading(statements)
    # Same trigger and function objects, replaced in place, with the new behaviour.
    assert _trigger_oids(project) == oids
    project.sql("INSERT INTO app_item (name) VALUES ('after')")
    assert project.sql("SELECT name, count FROM app_item ORDER BY id") == [
        ("before", 1),
        ("after", 2),
    ]
    # The SQL was the migration's: recording it leaves nothing outdated or to migrate.
    project.migrate("app", "0002", "--fake")
    assert set(project.ls().values()) == {"INSTALLED"}
    assert_no_changes(project)

    # Unapplying it replaces the trigger back the same way.
    run_while_reading(_migration_sql(project, "0002", "--backwards"))
    assert _trigger_oids(project) == oids
    project.sql("INSERT INTO app_item (name) VALUES ('back')")
    assert project.sql("SELECT count FROM app_item WHERE name = 'back'") == [(1,)]


CUSTOM_AUTODETECTOR = """
from django.db import migrations
from django.db.migrations.autodetector import MigrationAutodetector


class AuditMixin:
    \"\"\"Another app's customization: a RunSQL marker after each created model.\"\"\"

    def generate_created_models(self):
        super().generate_created_models()
        for app_label, model_name in sorted(self.new_model_keys - self.old_model_keys):
            marker = migrations.RunSQL(f"SELECT 'audited {model_name}'", migrations.RunSQL.noop)
            self.add_operation(app_label, marker)


class AuditingAutodetector(AuditMixin, MigrationAutodetector):
    pass


def audited(base):
    return type("Audited" + base.__name__, (AuditMixin, base), {})
"""

CUSTOM_COMMAND = """
from django.core.management.commands.{name} import Command as Base

from audit.autodetector import AuditingAutodetector


class Command(Base):
    autodetector = AuditingAutodetector
"""

# Before Django 5.2 the commands use the module-level MigrationAutodetector name: an app
# customizes it from ready(), subclassing the class in place as docs/migrations.md advises.
AUDIT_APP_CONFIG = """
from django.apps import AppConfig
from django.core.management.commands import makemigrations, migrate

from audit.autodetector import audited


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        for command in (makemigrations, migrate):
            command.MigrationAutodetector = audited(command.MigrationAutodetector)
"""


def assert_both_autodetectors_apply(project):
    project.models(item(PROTECT_DELETE))
    project.run("check")  # Django 5.2's commands.E001: both commands share one class
    project.makemigrations("app")
    assert project.operations("0001_initial") == ["CreateModel", "RunSQL", "AddTrigger"]
    project.migrate()
    assert set(project.ls().values()) == {"INSTALLED"}
    # migrate's "models have changes" detection goes through the composed class too.
    assert "have changes that are not yet reflected" not in project.migrate()
    project.models(item(PROTECT_DELETE.replace("protected", "kept")))
    assert "have changes that are not yet reflected" in project.migrate()


@pytest.mark.skipif(django.VERSION < (5, 2), reason="Command.autodetector is new in Django 5.2")
@pytest.mark.parametrize(
    "apps", [("audit", "pgtrigger", "app"), ("pgtrigger", "audit", "app")], ids=str
)
def test_other_apps_autodetector_composes_with_ours(tmp_path, apps):
    """An app's own makemigrations/migrate with Django 5.2's ``Command.autodetector``.

    In both ``INSTALLED_APPS`` orders: the audit app's commands shadow Django's whichever
    comes first, and pgtrigger's ``ready()`` runs before or after the audit app's.
    """
    project = Project(tmp_path, apps=apps)
    try:
        project.write("audit/autodetector.py", CUSTOM_AUTODETECTOR)
        project.write("audit/management/__init__.py", "")
        project.write("audit/management/commands/__init__.py", "")
        for name in ("makemigrations", "migrate"):
            project.write(f"audit/management/commands/{name}.py", CUSTOM_COMMAND.format(name=name))
        assert_both_autodetectors_apply(project)
    finally:
        project.drop()


@pytest.mark.skipif(django.VERSION >= (5, 2), reason="Django 5.2+ uses Command.autodetector")
@pytest.mark.parametrize(
    "apps", [("audit", "pgtrigger", "app"), ("pgtrigger", "audit", "app")], ids=str
)
def test_other_apps_module_level_autodetector_composes_with_ours(tmp_path, apps):
    """Before Django 5.2: an app that subclasses the commands' ``MigrationAutodetector``."""
    project = Project(tmp_path, apps=apps)
    try:
        project.write("audit/autodetector.py", CUSTOM_AUTODETECTOR)
        project.write("audit/apps.py", AUDIT_APP_CONFIG)
        assert_both_autodetectors_apply(project)
    finally:
        project.drop()


CUSTOM_BACKEND = """
import pathlib

from django.db.backends.postgresql import base, schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    \"\"\"A backend's own customization: it logs the ALTER TABLE statements it runs.\"\"\"

    def execute(self, sql, params=()):
        if str(sql).startswith("ALTER TABLE"):
            with (pathlib.Path(__file__).parent / "altered.log").open("a") as log:
                log.write(str(sql) + "\\n")
        return super().execute(sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
"""


def test_schema_editor_composes_with_a_custom_backend(tmp_path):
    project = Project(tmp_path, contrib=())
    try:
        project.write("custompg/__init__.py", "")
        project.write("custompg/base.py", CUSTOM_BACKEND)
        settings = (project.path / "settings.py").read_text()
        project.write(
            "settings.py",
            settings + '\nDATABASES["default"]["ENGINE"] = "custompg"\n',
        )
        project.models(item(COUNT_CHECK))
        project.makemigrations("app")
        project.migrate()
        project.models(item(COUNT_CHECK, count_type="BigIntegerField"))
        project.makemigrations("app", "--name", "bigint")
        project.migrate()
        # Both took effect: the backend logged the type change, ours kept the trigger around it.
        log = (project.path / "custompg/altered.log").read_text()
        assert 'ALTER COLUMN "count" TYPE bigint' in log
        assert [name.rsplit("_", 1)[0] for name in project.triggers()] == ["pgtrigger_count_limit"]
        assert set(project.ls().values()) == {"INSTALLED"}
    finally:
        project.drop()


def test_model_switching_managed_keeps_its_triggers(project):
    project.models(item(PROTECT_DELETE))
    project.makemigrations("app")
    project.migrate()
    unmanaged = item(PROTECT_DELETE.replace("protected", "kept")).replace(
        "class Meta:\n", "class Meta:\n        managed = False\n"
    )
    project.models(unmanaged)
    project.makemigrations("app", "--name", "unmanaged")
    assert project.operations("0002_unmanaged") == ["AlterModelOptions", "AlterTrigger"]
    project.migrate()
    project.sql("INSERT INTO app_item (name, count) VALUES ('a', 0)")
    assert_raises_in_db(project, "DELETE FROM app_item", "kept")
    assert_no_changes(project)


STEPPED = """
from django.db import models
import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="fired",
                operation=pgtrigger.Insert,
                func="RAISE EXCEPTION 'fired % %', TG_WHEN, TG_LEVEL;",
                {options}
            ),
        ]
"""

# Each step changes the previous one's timing, when or level.
STEPS = [
    ("after_row", "when=pgtrigger.After,"),
    ("deferred", "when=pgtrigger.After, timing=pgtrigger.Deferred,"),
    ("immediate", "when=pgtrigger.After, timing=pgtrigger.Immediate,"),
    ("no_timing", "when=pgtrigger.After,"),
    ("before", "when=pgtrigger.Before,"),
    ("statement", "when=pgtrigger.Before, level=pgtrigger.Statement,"),
]


def _catalog(project: Project) -> tuple[bool, bool, bool]:
    """``(constraint trigger, deferrable, initially deferred)`` of the one trigger."""
    rows = project.sql(
        "SELECT tgconstraint <> 0, tgdeferrable, tginitdeferred FROM pg_trigger "
        "WHERE tgname LIKE 'pgtrigger_fired%'"
    )
    assert len(rows) == 1, rows
    return rows[0]


def _insert_fails(project: Project, *, deferring: bool = False) -> str:
    """Where an insert fails: ``"statement"`` or ``"commit"``, and with which message."""
    with project.connect() as conn:
        conn.execute("BEGIN")
        if deferring:
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
        try:
            conn.execute("INSERT INTO app_item (name) VALUES ('a')")
        except psycopg.errors.RaiseException as exc:
            conn.execute("ROLLBACK")
            return f"statement: {exc.diag.message_primary}"
        with pytest.raises(psycopg.errors.RaiseException) as excinfo:
            conn.execute("COMMIT")
        return f"commit: {excinfo.value.diag.message_primary}"


def test_trigger_steps_through_timing_when_and_level(project):
    """One ``AlterTrigger`` per change, including to and from a deferrable constraint trigger."""
    definitions = []
    for number, (name, options) in enumerate(STEPS, start=1):
        project.models(STEPPED.format(options=options))
        project.makemigrations("app", "--name", name)
        migration = f"{number:04}_{name}"
        expected = ["CreateModel", "AddTrigger"] if number == 1 else ["AlterTrigger"]
        assert project.operations(migration) == expected, migration
        project.migrate()
        assert project.ls() == {"app.Item:fired": "INSTALLED"}, migration
        definitions.append(project.triggers())
        assert len(project.functions()) == 1

        if name in ("after_row", "no_timing"):
            assert _catalog(project) == (False, False, False)
            assert _insert_fails(project) == "statement: fired AFTER ROW"
            # Not deferrable: SET CONSTRAINTS does not move it to commit.
            assert _insert_fails(project, deferring=True) == "statement: fired AFTER ROW"
        elif name == "deferred":
            assert _catalog(project) == (True, True, True)
            assert _insert_fails(project) == "commit: fired AFTER ROW"
        elif name == "immediate":
            assert _catalog(project) == (True, True, False)
            assert _insert_fails(project) == "statement: fired AFTER ROW"
            assert _insert_fails(project, deferring=True) == "commit: fired AFTER ROW"
        elif name == "before":
            assert _catalog(project) == (False, False, False)
            assert _insert_fails(project) == "statement: fired BEFORE ROW"
        else:
            assert _catalog(project) == (False, False, False)
            assert _insert_fails(project) == "statement: fired BEFORE STATEMENT"
            # Once per statement: an insert of no rows fires it too.
            assert_raises_in_db(
                project,
                "INSERT INTO app_item (name) SELECT 'a' WHERE false",
                "fired BEFORE STATEMENT",
            )
    assert_no_changes(project)

    # Backwards, one step at a time: each step's trigger is back as it was installed.
    assert project.ls() == {"app.Item:fired": "INSTALLED"}
    for number in range(len(STEPS) - 1, 0, -1):
        project.migrate("app", f"{number:04}")
        assert project.triggers() == definitions[number - 1], STEPS[number - 1][0]
        assert project.ls() == {"app.Item:fired": "OUTDATED"}  # models.py is the last step
        project.models(STEPPED.format(options=STEPS[number - 1][1]))
        assert project.ls() == {"app.Item:fired": "INSTALLED"}
        project.models(STEPPED.format(options=STEPS[-1][1]))
        assert len(project.functions()) == 1
    assert _insert_fails(project, deferring=True) == "statement: fired AFTER ROW"
    project.migrate("app", "zero")
    assert project.triggers() == {}
    assert project.functions() == set()
