"""``manage.py pgtrigger`` subcommands and their output."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import override_settings

import pgtrigger
from tests import models

pytestmark = pytest.mark.django_db

PROTECT = "tests.ProtectedModel:protect_delete"


def ls(capsys, *args):
    capsys.readouterr()  # drop what earlier commands said
    call_command("pgtrigger", "ls", *args)
    lines = capsys.readouterr().out.strip().splitlines()
    return {line.split()[-1]: line.split()[:-1] for line in lines}


def test_ls_lists_every_registered_trigger_installed_and_enabled(capsys):
    rows = ls(capsys)
    for model, trigger in pgtrigger.registered():
        assert rows[trigger.get_uri(model)] == ["INSTALLED", "ENABLED"]


def test_uninstall_install_cycle(capsys):
    call_command("pgtrigger", "uninstall", PROTECT)
    assert ls(capsys, PROTECT) == {PROTECT: ["UNINSTALLED", "N/A"]}
    models.ProtectedModel.objects.create().delete()  # no trigger, delete goes through
    call_command("pgtrigger", "install", PROTECT)
    assert ls(capsys, PROTECT) == {PROTECT: ["INSTALLED", "ENABLED"]}


def test_disable_enable(capsys):
    call_command("pgtrigger", "disable", PROTECT)
    assert ls(capsys, PROTECT) == {PROTECT: ["INSTALLED", "DISABLED"]}
    models.ProtectedModel.objects.create().delete()
    call_command("pgtrigger", "enable", PROTECT)
    assert ls(capsys, PROTECT) == {PROTECT: ["INSTALLED", "ENABLED"]}


def test_outdated_after_edit_and_install_repairs(capsys):
    ((model, trigger),) = pgtrigger.registered(PROTECT)
    with connection.cursor() as cursor:
        cursor.execute(
            f"COMMENT ON TRIGGER {trigger.get_pgid(model)} ON tests_protectedmodel IS 'x'"
        )
    assert ls(capsys, PROTECT) == {PROTECT: ["OUTDATED", "ENABLED"]}
    call_command("pgtrigger", "install")
    assert ls(capsys, PROTECT) == {PROTECT: ["INSTALLED", "ENABLED"]}


def test_prune_lists_and_drops_unregistered_triggers(capsys):
    stray = pgtrigger.Trigger(
        name="stray", when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    stray.install(models.TestModel)
    pgid = stray.get_pgid(models.TestModel)
    rows = ls(capsys)
    assert rows[f"tests_testmodel:{pgid}"] == ["PRUNE", "ENABLED"]
    assert [t.pgid for t in pgtrigger.prunable()] == [pgid]
    call_command("pgtrigger", "prune")
    assert f"tests_testmodel:{pgid}" not in ls(capsys)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", [pgid])
        assert cursor.fetchone() == (0,)


def test_full_install_prunes_by_default_and_setting_disables_it():
    stray = pgtrigger.Trigger(
        name="stray", when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    stray.install(models.TestModel)
    with override_settings(PGTRIGGER_PRUNE_ON_INSTALL=False):
        pgtrigger.install()
        assert len(pgtrigger.prunable()) == 1
    pgtrigger.install()
    assert pgtrigger.prunable() == []


class OnlyDefaultForAuth:
    def allow_migrate(self, db, app_label, **hints):
        return app_label != "auth" or db == "default"


@pytest.mark.django_db(databases=["default", "other"])
def test_unallowed_on_routed_away_database(capsys):
    with override_settings(DATABASE_ROUTERS=[OnlyDefaultForAuth()]):
        rows = ls(capsys, "-d", "other")
    assert rows["tests.UserProxy:protect_superuser_delete"] == ["UNALLOWED", "N/A"]
    assert rows[PROTECT] == ["INSTALLED", "ENABLED"]


def test_unknown_uri_is_a_command_error():
    with pytest.raises(CommandError, match=r"No registered trigger with URI 'tests\.Nope:x'"):
        call_command("pgtrigger", "ls", "tests.Nope:x")
