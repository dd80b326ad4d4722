"""``pgtrigger ls --check`` / ``--format json`` (the CI drift gate), ``pgtrigger sql`` and the
lines that install, uninstall, enable, disable and prune print."""

import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

import pgtrigger
from pgtrigger import installation
from tests import models

pytestmark = pytest.mark.django_db

PROTECT = "tests.ProtectedModel:protect_delete"


def run(capsys, *args, **options):
    capsys.readouterr()
    call_command("pgtrigger", *args, **options)
    return capsys.readouterr().out


def said(capsys, *args, **options):
    """What an action subcommand said: on standard error, as 4.x's logger; nothing on stdout."""
    capsys.readouterr()
    call_command("pgtrigger", *args, **options)
    out, err = capsys.readouterr()
    assert out == ""
    return err


def make_stray():
    stray = pgtrigger.Trigger(
        name="stray", when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    stray.install(models.TestModel)
    return f"tests_testmodel:{stray.get_pgid(models.TestModel)}"


def outdate(uri):
    ((model, trigger),) = pgtrigger.registered(uri)
    with connection.cursor() as cursor:
        cursor.execute(
            f"COMMENT ON TRIGGER {trigger.get_pgid(model)} ON {model._meta.db_table} IS 'x'"
        )


def test_check_passes_silently_when_the_database_matches(capsys):
    assert run(capsys, "ls", "--check") == ""


def test_check_lists_only_drift_and_fails(capsys):
    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)
    outdated = "tests.Article:protect_created_at"
    outdate(outdated)
    stray = make_stray()
    with pytest.raises(CommandError) as raised:
        run(capsys, "ls", "--check")
    assert raised.value.returncode == 1
    assert "(1 OUTDATED, 1 UNINSTALLED, 1 PRUNE)" in str(raised.value)
    rows = {line.split()[-1]: line.split()[:-1] for line in capsys.readouterr().out.splitlines()}
    assert rows == {
        PROTECT: ["UNINSTALLED", "N/A"],
        outdated: ["OUTDATED", "ENABLED"],
        stray: ["PRUNE", "ENABLED"],
    }


def test_check_fails_on_disabled_triggers_unless_allowed(capsys):
    """A disabled trigger protects nothing: drift, unless disabled on purpose (documented)."""
    call_command("pgtrigger", "disable", PROTECT, verbosity=0)
    with pytest.raises(CommandError) as raised:
        run(capsys, "ls", "--check")
    assert raised.value.returncode == 1
    assert "(1 DISABLED)" in str(raised.value)
    assert capsys.readouterr().out.split() == ["INSTALLED", "DISABLED", PROTECT]
    assert run(capsys, "ls", "--check", "--allow-disabled") == ""


def test_check_ignores_unlisted_triggers(capsys):
    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)
    assert run(capsys, "ls", "--check", "tests.Article:protect_created_at") == ""


def test_check_exits_1_from_the_command_line(capsys):
    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "pgtrigger", "ls", "--check"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "1 UNINSTALLED" in captured.err
    assert PROTECT in captured.out


def test_json_lists_uri_status_enabled_database(capsys):
    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)
    call_command("pgtrigger", "disable", "tests.Article:protect_created_at", verbosity=0)
    stray = make_stray()
    rows = json.loads(run(capsys, "ls", "--format", "json"))
    by_uri = {row["uri"]: row for row in rows}
    assert len(by_uri) == len(rows) == len(pgtrigger.registered()) + 1
    assert by_uri[PROTECT] == {
        "uri": PROTECT,
        "status": "UNINSTALLED",
        "enabled": None,
        "database": "default",
        "drift": [],
    }
    assert by_uri["tests.Article:protect_created_at"]["enabled"] is False
    assert by_uri["tests.Article:protect_created_at"]["drift"] == ["disabled"]
    assert by_uri[stray]["status"] == "PRUNE"
    for status in installation.status():
        assert by_uri[status.uri]["status"] == status.status.value


def test_json_with_check_lists_the_drift_only(capsys):
    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)
    with pytest.raises(CommandError):
        run(capsys, "ls", "--check", "--format", "json")
    assert [row["uri"] for row in json.loads(capsys.readouterr().out)] == [PROTECT]
    call_command("pgtrigger", "install", PROTECT, verbosity=0)
    assert json.loads(run(capsys, "ls", "--check", "--format", "json")) == []


def test_sql_is_what_install_sends(capsys):
    printed = run(capsys, "sql", PROTECT)
    assert printed.startswith(f"-- {PROTECT}\n")
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)  # install skips installed ones
    with connection.execute_wrapper(record):
        call_command("pgtrigger", "install", PROTECT, verbosity=0)
    # Install sends the printed function and trigger in its one batch (with the catalog check
    # and the comment of all the triggers it installs in one block each, see install_batch_sql).
    ((batch,),) = [[s for s in sent if "CREATE OR REPLACE FUNCTION" in s]]
    ((model, trigger),) = pgtrigger.registered(PROTECT)
    compiled = trigger.compile(model).sql
    for statement in (compiled.function_sql(), compiled.trigger_sql(replace=True)):
        assert f"{statement};\n" in printed
        assert statement in batch


def test_running_the_printed_sql_installs_the_trigger(capsys):
    printed = run(capsys, "sql", PROTECT, "tests.Article:protect_created_at")
    assert printed.count("-- tests.") == 2
    call_command("pgtrigger", "uninstall", PROTECT, "tests.Article:protect_created_at")
    with connection.cursor() as cursor:
        cursor.execute(printed)  # what a DBA would run
    statuses = {s.uri: s.status for s in installation.status()}
    assert statuses[PROTECT] == statuses["tests.Article:protect_created_at"] == "INSTALLED"
    with pytest.raises(DatabaseError, match="Cannot delete"):
        models.ProtectedModel.objects.create().delete()


def test_sql_refuses_an_unknown_uri():
    with pytest.raises(CommandError, match="No registered trigger"):
        call_command("pgtrigger", "sql", "tests.Nope:nope")


def test_commands_say_what_they_did_in_4x_wording(capsys):
    table = models.ProtectedModel._meta.db_table
    line = "pgtrigger: {} protect_delete trigger for " + table + " table on default database."
    assert said(capsys, "uninstall", PROTECT) == line.format("Uninstalling") + "\n"
    assert said(capsys, "uninstall", PROTECT) == ""  # nothing left to uninstall
    assert said(capsys, "enable", PROTECT) == ""  # nothing installed to enable
    assert said(capsys, "install", PROTECT) == line.format("Installing") + "\n"
    assert said(capsys, "disable", PROTECT) == line.format("Disabling") + "\n"
    assert said(capsys, "enable", PROTECT) == line.format("Enabling") + "\n"


def test_prune_and_full_install_name_the_pruned_trigger(capsys):
    stray = make_stray()
    pgid = stray.split(":")[1]
    pruned = f"pgtrigger: Pruning trigger {pgid} for table tests_testmodel on default database."
    assert said(capsys, "prune") == pruned + "\n"
    assert said(capsys, "prune") == ""
    make_stray()
    call_command("pgtrigger", "uninstall", PROTECT, verbosity=0)
    call_command("pgtrigger", "disable", "tests.Article:protect_created_at", verbosity=0)
    # install sends nothing for triggers installed as declared: only what it did is named.
    assert said(capsys, "install").splitlines() == [
        pruned,
        "pgtrigger: Installing protect_delete trigger for tests_protectedmodel table on "
        "default database.",
        "pgtrigger: Enabling protect_created_at trigger for tests_article table on "
        "default database.",
    ]
    assert said(capsys, "install") == ""


def test_verbosity_0_is_silent(capsys):
    make_stray()
    for args in (("uninstall", PROTECT), ("install",), ("disable",), ("enable",), ("prune",)):
        assert said(capsys, *args, verbosity=0) == ""
    assert installation.status(PROTECT)[0].status == "INSTALLED"


def test_makemigrations_without_labels_adopts_the_projects_own_apps():
    """The default of ``pgtrigger makemigrations``: every app not installed from a package
    index, whose migrations the team can write."""
    from pgtrigger.management.commands.pgtrigger import _owned_apps

    owned = set(_owned_apps())
    assert {"tests", "pghistory_app", "admin_tests", "cookbook"} <= owned
    # django-pghistory (its 4.x migration files stay as they are) and Django's own apps.
    assert not {"pghistory", "auth", "contenttypes", "admin"} & owned
    # This project's own migrations are current: nothing to adopt, the check passes.
    call_command("pgtrigger", "makemigrations", "--check", "--dry-run", verbosity=0)
