"""The drift gate sees hand edits that keep the comment's hash but switch protection off.

``ALTER TABLE ... DISABLE TRIGGER``, ``CREATE OR REPLACE TRIGGER ... WHEN (false)``,
``ALTER FUNCTION ... SET`` or ``SECURITY DEFINER``, ``ENABLE REPLICA``: ``ls``, ``ls --check``,
``ls --format json``, ``get_installation_status`` report them, and ``install`` repairs them.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

import pgtrigger
from pgtrigger import compiler, installation
from pgtrigger.drift import Drift, drift
from tests.models import ProtectedModel

pytestmark = pytest.mark.django_db

URI = "tests.ProtectedModel:protect_delete"
TABLE = ProtectedModel._meta.db_table


def _declared():
    ((model, trigger),) = pgtrigger.registered(URI)
    return model, trigger


def _pgid() -> str:
    model, trigger = _declared()
    return trigger.get_pgid(model)


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.format(pgid=f'"{_pgid()}"', table=f'"{TABLE}"'))


def _ls(capsys, *args: str) -> str:
    capsys.readouterr()
    call_command("pgtrigger", "ls", *args)
    return capsys.readouterr().out


def _check_fails(capsys) -> str:
    """``ls --check`` exits 1; what it listed."""
    capsys.readouterr()
    with pytest.raises(CommandError) as raised:
        call_command("pgtrigger", "ls", "--check")
    assert raised.value.returncode == 1
    return capsys.readouterr().out


def _json(capsys) -> dict:
    rows = json.loads(_ls(capsys, URI, "--format", "json"))
    assert len(rows) == 1
    return rows[0]


def _delete_is_refused() -> bool:
    row = ProtectedModel.objects.create(name="x")
    try:
        with transaction.atomic():
            row.delete()
    except DatabaseError:
        return True
    return False


# Each hand edit keeps the comment (the hash) and the function's source.
HAND_EDITS = {
    "when-false": (
        "CREATE OR REPLACE TRIGGER {pgid} BEFORE DELETE ON {table} FOR EACH ROW "
        "WHEN (false) EXECUTE FUNCTION {pgid}()",
        [Drift.WHEN],
    ),
    "when-removed": (
        "CREATE OR REPLACE TRIGGER {pgid} BEFORE DELETE ON {table} FOR EACH ROW "
        "EXECUTE FUNCTION {pgid}()",
        [Drift.WHEN],
    ),
    "config": ("ALTER FUNCTION {pgid}() SET search_path = pg_catalog", [Drift.CONFIG]),
    "security-definer": ("ALTER FUNCTION {pgid}() SECURITY DEFINER", [Drift.FUNCTION]),
    "replica": ("ALTER TABLE {table} ENABLE REPLICA TRIGGER {pgid}", [Drift.FIRES]),
    "always": ("ALTER TABLE {table} ENABLE ALWAYS TRIGGER {pgid}", [Drift.FIRES]),
    "constraint": (
        "DROP TRIGGER {pgid} ON {table}; CREATE CONSTRAINT TRIGGER {pgid} AFTER DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION {pgid}()",
        [Drift.DEFINITION, Drift.WHEN],
    ),
}


@pytest.mark.parametrize("edit", HAND_EDITS)
def test_hand_edit_is_outdated_everywhere_and_install_repairs_it(capsys, edit):
    statement, expected = HAND_EDITS[edit]
    model, trigger = _declared()
    comment_before = installation.trigger_status(model, trigger).installed.hash
    _sql(statement)
    if edit == "constraint":  # a re-created trigger loses its comment: put it back
        _sql(f"COMMENT ON TRIGGER {{pgid}} ON {{table}} IS '{comment_before}'")
    assert trigger.get_installation_status(model)[0] == "OUTDATED"
    assert list(installation.trigger_status(model, trigger).drift) == expected
    assert _json(capsys)["status"] == "OUTDATED"
    assert _json(capsys)["drift"] == [reason.value for reason in expected]
    assert URI in _check_fails(capsys)

    call_command("pgtrigger", "install", URI, verbosity=0)
    assert trigger.get_installation_status(model) == ("INSTALLED", True)
    assert _json(capsys)["drift"] == []
    assert _delete_is_refused()


def test_when_false_lets_deletes_through_until_install(capsys):
    """What the gate is for: the trigger no longer refuses what it was declared to refuse."""
    assert _delete_is_refused()
    _sql(HAND_EDITS["when-false"][0])
    assert not _delete_is_refused()
    assert _ls(capsys, URI).split() == ["OUTDATED", "ENABLED", URI]
    call_command("pgtrigger", "install", verbosity=0)
    assert _ls(capsys, URI).split() == ["INSTALLED", "ENABLED", URI]
    assert _delete_is_refused()


def test_disabled_by_hand_fails_the_gate_and_json_names_it(capsys):
    _sql("ALTER TABLE {table} DISABLE TRIGGER {pgid}")
    assert not _delete_is_refused()
    model, trigger = _declared()
    # 4.x's status for a disabled trigger: installed, not enabled.
    assert trigger.get_installation_status(model) == ("INSTALLED", False)
    assert _check_fails(capsys).split() == ["INSTALLED", "DISABLED", URI]
    row = _json(capsys)
    assert (row["status"], row["enabled"], row["drift"]) == ("INSTALLED", False, ["disabled"])
    call_command("pgtrigger", "install", verbosity=0)
    assert trigger.get_installation_status(model) == ("INSTALLED", True)
    assert _delete_is_refused()


def test_a_comment_without_fingerprint_cannot_vouch_for_a_when_clause(capsys):
    """4.x wrote the hash alone: the WHEN is unverified, which JSON says, yet not OUTDATED.

    A database 4.x installed must read INSTALLED on switching day (issue 20): everything else
    is still compared, and the next install that re-creates the trigger records a fingerprint.
    """
    model, trigger = _declared()
    expected = trigger.compile(model).sql
    _sql(f"COMMENT ON TRIGGER {{pgid}} ON {{table}} IS '{expected.hash}'")
    assert list(installation.trigger_status(model, trigger).drift) == [Drift.UNVERIFIED]
    assert trigger.get_installation_status(model) == ("INSTALLED", True)
    assert _json(capsys)["drift"] == ["unverified"]
    call_command("pgtrigger", "ls", URI, "--check")  # passes: nothing known to differ
    # Other drift is still seen without a fingerprint.
    _sql("ALTER TABLE {table} DISABLE TRIGGER {pgid}")
    assert _check_fails(capsys).split() == ["INSTALLED", "DISABLED", URI]


def test_fingerprint_ignores_the_search_path():
    """pg_get_triggerdef names the table and function by the search path: not in the span."""
    query = (
        f"SELECT {compiler.FINGERPRINT_SQL} FROM pg_catalog.pg_trigger t "
        f"JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid {compiler.FINGERPRINT_FROM} "
        "WHERE t.tgname = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        (path,) = cursor.fetchone()
        cursor.execute(query, [_pgid()])
        visible = cursor.fetchone()
        cursor.execute("CREATE SCHEMA drift_elsewhere")
        cursor.execute("SET LOCAL search_path = drift_elsewhere")
        cursor.execute(query, [_pgid()])
        hidden = cursor.fetchone()
        cursor.execute(f"SET LOCAL search_path = {path}")
    assert visible == hidden


def _legacy_sql(name: str) -> compiler.TriggerSql:
    """A trigger of the 4.x migration file, on this test app's table (it has "name")."""
    module = importlib.import_module("tests.legacy_migrations.0001_initial")
    for operation in module.Migration.operations:
        trigger = getattr(operation, "trigger", None)
        if trigger is not None and trigger.name == name:
            return trigger.sql.with_table(TABLE)
    raise LookupError(name)


def test_drift_compares_a_4x_layout_trigger_too():
    """``drift`` takes any expected ``TriggerSql``: here 4.x's ``UpsertTriggerSql``."""
    expected = _legacy_sql("protect_name")
    assert isinstance(expected, compiler.UpsertTriggerSql)
    declared = pgtrigger.Trigger(
        name="protect_name", when=pgtrigger.Before, operation=pgtrigger.Update, func="-"
    )
    shape = installation._expected_shape(ProtectedModel, declared)

    def found() -> list[Drift]:
        (row,) = [r for r in installation.installed([TABLE]) if r.pgid == expected.pgid]
        return drift(expected, row, shape)

    installation.execute(expected.install_sql(connection.pg_version))
    assert found() == []
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER "{expected.pgid}" BEFORE UPDATE ON "{TABLE}" FOR EACH ROW '
            f'WHEN (false) EXECUTE FUNCTION "{expected.pgid}"()'
        )
    assert found() == [Drift.WHEN]
    installation.execute(expected.install_sql(connection.pg_version))
    assert found() == []
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TABLE}" DISABLE TRIGGER "{expected.pgid}"')
    assert found() == [Drift.DISABLED]


DEFERRED = pgtrigger.Trigger(
    name="deferred_check",
    when=pgtrigger.After,
    operation=pgtrigger.Insert,
    timing=pgtrigger.Deferred,
    func="RETURN NULL;",
)
TRANSITION = pgtrigger.Trigger(
    name="transition_check",
    level=pgtrigger.Statement,
    when=pgtrigger.After,
    operation=pgtrigger.Update,
    referencing=pgtrigger.Referencing(old="old_values", new="new_values"),
    func="RETURN NULL;",
)


@pytest.mark.parametrize(
    "trigger, old, new",
    [
        (DEFERRED, "INITIALLY DEFERRED", "INITIALLY IMMEDIATE"),
        (TRANSITION, "OLD TABLE AS old_values NEW TABLE AS new_values", "NEW TABLE AS new_values"),
    ],
)
def test_redefined_with_the_same_comment_is_outdated(trigger, old, new):
    """Deferrability and transition tables: re-created by hand, the comment put back."""
    trigger.install(ProtectedModel)
    status = installation.trigger_status(ProtectedModel, trigger)
    assert (status.status, status.drift) == (installation.Status.INSTALLED, ())
    pgid = trigger.get_pgid(ProtectedModel)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger') FROM pg_trigger "
            "WHERE tgname = %s",
            [pgid],
        )
        definition, comment = cursor.fetchone()
        assert old in definition
        cursor.execute(f'DROP TRIGGER "{pgid}" ON "{TABLE}"')
        cursor.execute(definition.replace(old, new))
        cursor.execute(f'COMMENT ON TRIGGER "{pgid}" ON "{TABLE}" IS \'{comment}\'')
    status = installation.trigger_status(ProtectedModel, trigger)
    assert (status.status, status.drift) == (installation.Status.OUTDATED, (Drift.DEFINITION,))
