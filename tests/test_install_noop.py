"""A no-op install (``pgtrigger install``, install-on-migrate, prune) sends no DDL.

``CREATE OR REPLACE TRIGGER`` and ``ALTER TABLE ... ENABLE TRIGGER`` lock the table in SHARE
ROW EXCLUSIVE mode, which waits for (and then blocks) every writer: installing only what is
missing or outdated keeps a no-op install off the tables altogether.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

import pgtrigger
from pgtrigger import compiler, installation
from pgtrigger.apps import _install_on_migrate
from tests.models import ProtectedModel

DDL = re.compile(r"^\s*(CREATE|DROP|ALTER|COMMENT|DO)\b", re.IGNORECASE)


@contextmanager
def ddl_sent() -> Iterator[list[str]]:
    """Collect every query sent on the default connection that starts with DDL.

    Installation sends its statements as one batch joined by ``;\\n``.
    """
    statements: list[str] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
        if DDL.match(str(sql)):
            statements.append(str(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def _statuses() -> dict[str, tuple[installation.Status, bool | None]]:
    return {s.uri: (s.status, s.enabled) for s in installation.status()}


def _last_app_with_models():
    return [config for config in apps.get_app_configs() if config.models_module][-1]


@pytest.mark.django_db
def test_noop_install_sends_no_ddl():
    pgtrigger.install()
    registered = pgtrigger.registered()
    assert len(registered) >= 5
    assert {state for state, _ in _statuses().values()} == {installation.Status.INSTALLED}
    uris = [trigger.get_uri(model) for model, trigger in registered]
    with ddl_sent() as statements, CaptureQueriesContext(connection) as queries:
        pgtrigger.install()
        pgtrigger.install(*uris)
        installation.install_present()
        pgtrigger.prune()
        with override_settings(PGTRIGGER_INSTALL_ON_MIGRATE=True):
            _install_on_migrate(_last_app_with_models(), using="default")
    assert statements == []
    # The catalog is still read: one query per call, however many triggers.
    assert len(queries) == 5, [q["sql"][:80] for q in queries]


@pytest.mark.django_db
def test_install_sends_ddl_only_for_missing_outdated_and_disabled_triggers():
    pgtrigger.install()
    registered = pgtrigger.registered()
    (missing_model, missing), (outdated_model, outdated), (disabled_model, disabled) = registered[
        :3
    ]
    missing.uninstall(missing_model)
    compiled = outdated.compile(outdated_model).sql
    with connection.cursor() as cursor:
        # A hash from another declaration, as an old migration or a hand edit leaves it.
        cursor.execute(compiled.comment_sql().replace(compiled.hash, "0" * 40))
    disabled.disable(disabled_model)
    states = _statuses()
    assert states[missing.get_uri(missing_model)][0] == installation.Status.UNINSTALLED
    assert states[outdated.get_uri(outdated_model)][0] == installation.Status.OUTDATED
    assert states[disabled.get_uri(disabled_model)] == (installation.Status.INSTALLED, False)

    with ddl_sent() as batches:
        pgtrigger.install()
    # One batch: the two triggers' statements, in registry order, the enable, and nothing else.
    version = connection.pg_version
    expected = [
        *compiler.install_batch_sql([missing.compile(missing_model).sql, compiled], version),
        f'ALTER TABLE "{disabled_model._meta.db_table}" ENABLE TRIGGER '
        f'"{disabled.get_pgid(disabled_model)}"',
    ]
    assert batches == [";\n".join(expected)]
    assert set(_statuses().values()) == {(installation.Status.INSTALLED, True)}


@pytest.mark.django_db
def test_install_on_migrate_installs_only_what_is_missing():
    ((model, trigger),) = pgtrigger.registered("tests.ProtectedModel:protect_delete")
    trigger.uninstall(model)
    with ddl_sent() as batches, override_settings(PGTRIGGER_INSTALL_ON_MIGRATE=True):
        _install_on_migrate(_last_app_with_models(), using="default")
    compiled = trigger.compile(model).sql
    assert batches == [";\n".join(compiler.install_batch_sql([compiled], connection.pg_version))]
    assert _statuses()[trigger.get_uri(model)] == (installation.Status.INSTALLED, True)


@pytest.mark.django_db
def test_noop_install_takes_no_table_lock():
    pgtrigger.install()
    with transaction.atomic(), connection.cursor() as cursor:
        pgtrigger.install()
        cursor.execute(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relkind IN ('r', 'p') "
            "AND l.mode <> 'AccessShareLock'"
        )
        assert cursor.fetchall() == []
        # What the check would have seen: an install in place locks the table.
        ((model, trigger),) = pgtrigger.registered("tests.ProtectedModel:protect_delete")
        trigger.install(model)
        cursor.execute(
            "SELECT l.mode FROM pg_locks l "
            "WHERE l.pid = pg_backend_pid() AND l.relation = %s::regclass",
            [ProtectedModel._meta.db_table],
        )
        assert ("ShareRowExclusiveLock",) in cursor.fetchall()


def _other_connection() -> Any:
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


@pytest.mark.django_db(transaction=True)
def test_noop_install_does_not_wait_for_a_concurrent_writer():
    pytest.importorskip("psycopg")
    pgtrigger.install()
    with _other_connection() as writer:
        # An open transaction that wrote to the table holds ROW EXCLUSIVE until it ends.
        writer.execute(f'INSERT INTO "{ProtectedModel._meta.db_table}" (name) VALUES (%s)', ["w"])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            try:
                with ddl_sent() as statements:
                    pgtrigger.install()
                    installation.install_present()
                    pgtrigger.prune()
                assert statements == []
                # The same session does wait for the writer as soon as it sends DDL.
                ((model, trigger),) = pgtrigger.registered("tests.ProtectedModel:protect_delete")
                with pytest.raises(OperationalError, match="lock timeout"):
                    trigger.install(model)
            finally:
                cursor.execute("RESET lock_timeout")
        writer.rollback()
    assert {state for state, _ in _statuses().values()} == {installation.Status.INSTALLED}
