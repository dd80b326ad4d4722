"""``pgtrigger ls`` reports drift after manual changes, and ``install`` repairs it."""

import pytest
from django.core.management import call_command
from django.db import connection

import pgtrigger

pytestmark = pytest.mark.django_db

URI = "reliability_tests.Account:account_fsm"


def status(capsys):
    capsys.readouterr()  # drop what install said
    call_command("pgtrigger", "ls", URI)
    return capsys.readouterr().out.split()[:-1]


def pgid():
    ((model, trigger),) = pgtrigger.registered(URI)
    return trigger.get_pgid(model)


def test_manual_drop_trigger_is_uninstalled_and_install_repairs(capsys):
    assert status(capsys) == ["INSTALLED", "ENABLED"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {pgid()} ON reliability_tests_account")
    assert status(capsys) == ["UNINSTALLED", "N/A"]
    call_command("pgtrigger", "install")
    assert status(capsys) == ["INSTALLED", "ENABLED"]


def test_edited_function_is_outdated_and_install_repairs(capsys):
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {pgid()}() RETURNS TRIGGER AS $$ "
            "BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
    assert status(capsys) == ["OUTDATED", "ENABLED"]
    call_command("pgtrigger", "install", URI)
    assert status(capsys) == ["INSTALLED", "ENABLED"]


def test_recreated_trigger_with_another_definition_is_outdated(capsys):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {pgid()} ON reliability_tests_account")
        cursor.execute(
            f"CREATE TRIGGER {pgid()} AFTER INSERT ON reliability_tests_account "
            f"FOR EACH ROW EXECUTE FUNCTION {pgid()}()"
        )
    assert status(capsys) == ["OUTDATED", "ENABLED"]
    call_command("pgtrigger", "install", URI)
    assert status(capsys) == ["INSTALLED", "ENABLED"]


@pytest.mark.parametrize(
    "definition",
    [
        "AFTER INSERT ON {table} FOR EACH ROW",  # other events and timing
        "BEFORE UPDATE ON {table} FOR EACH STATEMENT",  # other level
        "BEFORE UPDATE OF balance ON {table} FOR EACH ROW",  # a column list
    ],
)
def test_replaced_trigger_keeping_its_comment_is_outdated(capsys, definition):
    """``CREATE OR REPLACE TRIGGER`` keeps the comment (the hash): the catalog still tells."""
    sql = definition.format(table="reliability_tests_account")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE OR REPLACE TRIGGER {pgid()} {sql} EXECUTE FUNCTION {pgid()}()")
    assert status(capsys) == ["OUTDATED", "ENABLED"]
    call_command("pgtrigger", "install", URI)
    assert status(capsys) == ["INSTALLED", "ENABLED"]
