"""``install`` sends every trigger in one batch: two ``DO`` blocks whatever the trigger count, and
each trigger compiled once per pass (``pgtrigger.memo``).

Migrations keep each trigger's own statements (``TriggerSql.install_sql``); the batch must leave
the catalog exactly as those do.
"""

from __future__ import annotations

import copy

import pytest
from django.db import connection

import pgtrigger
from pgtrigger import compiler, installation, memo
from pgtrigger import trigger as trigger_module
from tests.models import ProtectedModel
from tests.test_install_noop import ddl_sent

pytestmark = pytest.mark.django_db

URI = "tests.ProtectedModel:protect_delete"


def _comments() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, d.description FROM pg_trigger t JOIN pg_description d "
            "ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass "
            "WHERE t.tgname LIKE 'pgtrigger_%'"
        )
        return dict(cursor.fetchall())


def _is_constraint(pgid: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgconstraint <> 0 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
            [pgid, ProtectedModel._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_a_full_install_is_one_batch_with_two_do_blocks():
    count = len(pgtrigger.registered())
    assert count > 50
    pgtrigger.uninstall()
    with ddl_sent() as batches:
        pgtrigger.install()
    # Pruning (none here), then the functions and triggers; one batch in all.
    assert len(batches) == 1
    assert batches[0].count("DO $pgtrigger$") == 2
    assert batches[0].count("CREATE OR REPLACE FUNCTION") >= count
    assert {s.status for s in installation.status()} == {installation.Status.INSTALLED}


def test_the_batch_writes_the_comments_the_migration_statements_write():
    pgtrigger.uninstall()
    pgtrigger.install()
    batch = _comments()
    assert len(batch) >= len(pgtrigger.registered())
    # The same triggers installed one by one, with the statements migrations run.
    pgtrigger.uninstall()
    version = connection.pg_version
    with connection.cursor() as cursor:
        for model, trigger in pgtrigger.registered():
            if installation._allowed(model, "default"):
                cursor.execute(";\n".join(trigger.compile(model).sql.install_sql(version)))
    assert _comments() == batch


def test_a_constraint_trigger_of_the_same_name_is_replaced():
    ((model, trigger),) = pgtrigger.registered(URI)
    deferred = copy.copy(trigger)
    deferred.when, deferred.timing = pgtrigger.After, pgtrigger.Deferred
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(deferred.compile(model).sql.install_sql(connection.pg_version)))
    assert _is_constraint(trigger.get_pgid(model))
    assert installation.status(URI)[0].status == installation.Status.OUTDATED

    pgtrigger.install(URI)
    assert not _is_constraint(trigger.get_pgid(model))
    assert installation.status(URI)[0].status == installation.Status.INSTALLED


def test_each_trigger_is_compiled_once_per_pass(monkeypatch):
    compiled: list[str] = []
    original = trigger_module.Trigger._compile

    def counting(self, model):
        compiled.append(self.get_uri(model))
        return original(self, model)

    pgtrigger.uninstall(URI)
    monkeypatch.setattr(trigger_module.Trigger, "_compile", counting)
    pgtrigger.install(URI)  # a status pass, then another one under the install lock
    assert compiled == [URI]


def test_nothing_is_kept_outside_a_pass():
    ((model, trigger),) = pgtrigger.registered(URI)
    changed = copy.copy(trigger)
    first = changed.compile(model)
    changed.condition = pgtrigger.Q(new__id=1)
    assert changed.compile(model) != first  # no pass: compiled afresh
    with memo.one_pass():
        inside = changed.compile(model)
        changed.condition = None
        assert changed.compile(model) is inside
    assert isinstance(inside, compiler.Trigger)
