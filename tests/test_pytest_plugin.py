"""The pytest plugin, run for real: an inner pytest-django session (a subprocess, with its own
Django settings) on the same PostgreSQL server, its test database created without migrations.

``PGTRIGGER_SCHEMA_EDITOR = False`` in the inner project: ``migrate --run-syncdb`` would
otherwise install the triggers itself, and the plugin's install would go unnoticed.
"""

import os
import uuid

import pytest

from cookbook import database

MODELS = """
from django.db import models

import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=16, default="")

    class Meta:
        triggers = [
            pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="protect_renames",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("name"),
            ),
        ]


class Legacy(models.Model):
    # Unmanaged and without a table: the install skips it rather than failing.
    class Meta:
        managed = False
        db_table = "shop_no_such_table"
        triggers = [pgtrigger.Protect(name="protect_legacy", operation=pgtrigger.Delete)]
"""

SETTINGS = """
import dj_database_url

SECRET_KEY = "inner"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["pgtrigger", "shop"]
PGTRIGGER_SCHEMA_EDITOR = False
DATABASES = {{"default": dj_database_url.parse({url!r})}}
if "host" in DATABASES["default"].get("OPTIONS", {{}}):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
DATABASES["default"]["TEST"] = {{"NAME": {test_name!r}{extra_test}}}
"""

TESTS = """
import pytest
from django.db import IntegrityError, connection, transaction

import pgtrigger
from pgtrigger import testing
from shop.models import Item

DELETES = "shop.Item:protect_deletes"
RENAMES = "shop.Item:protect_renames"


@pytest.mark.django_db
def test_installed_without_migrations():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_protect_%'")
        assert cursor.fetchone() == (2,)
    item = Item.objects.create()
    with testing.refused(DELETES):  # inside the test's transaction: a savepoint
        item.delete()
    assert Item.objects.filter(pk=item.pk).exists()  # the transaction goes on


@pytest.mark.django_db(transaction=True)
def test_refused_outside_atomic():
    assert not connection.in_atomic_block
    item = Item.objects.create(name="a")
    with testing.refused(RENAMES):
        Item.objects.filter(pk=item.pk).update(name="b")
    with testing.refused(DELETES):
        item.delete()
    with pytest.raises(AssertionError, match="refused by trigger function pgtrigger_protect_"):
        with testing.refused(RENAMES):
            item.delete()
    Item.objects.filter(pk=item.pk).update(name="a")  # no change of name: allowed


@pytest.mark.django_db
@pytest.mark.pgtrigger_ignore(DELETES)
def test_marker_ignores_the_trigger():
    Item.objects.create().delete()
    assert not Item.objects.exists()
    Item.objects.create(name="a")
    with testing.refused(RENAMES):
        Item.objects.update(name="b")


@pytest.mark.django_db
def test_fixture_ignores_from_the_call_on(pgtrigger_ignore):
    item = Item.objects.create()
    with testing.refused(DELETES):
        item.delete()
    pgtrigger_ignore(DELETES)
    assert pgtrigger.is_ignored(DELETES)
    item.delete()


@pytest.mark.django_db
def test_ignore_ended_with_the_previous_test():
    assert not pgtrigger.is_ignored()
    item = Item.objects.create()
    with testing.refused(DELETES):
        item.delete()
"""


def make_project(pytester, **test_settings):
    pytester.mkpydir("shop")
    pytester.path.joinpath("shop", "models.py").write_text(MODELS)
    extra = "".join(f", {k!r}: {v!r}" for k, v in test_settings.items())
    test_name = f"test_pgtrigger_plugin_{uuid.uuid4().hex[:10]}"
    pytester.makepyfile(
        settings=SETTINGS.format(url=database.url(), test_name=test_name, extra_test=extra)
    )
    pytester.makepyfile(test_inner=TESTS)
    pytester.makeini("[pytest]\nDJANGO_SETTINGS_MODULE = settings\npythonpath = .\n")
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)


@pytest.fixture
def inner(pytester, monkeypatch):
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setenv("DATABASE_URL", database.url())
    return pytester


def test_nomigrations_installs_triggers_and_the_helpers_work(inner):
    make_project(inner)
    result = inner.runpytest_subprocess("--nomigrations", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_test_migrate_false_installs_triggers(inner):
    make_project(inner, MIGRATE=False)
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", "-k", "installed")
    result.assert_outcomes(passed=1)


def test_without_the_plugin_the_triggers_are_missing(inner):
    # The control: the same session with the plugin disabled has no trigger to refuse.
    make_project(inner)
    inner.makeconftest("")
    result = inner.runpytest_subprocess(
        "--nomigrations", "-p", "no:pgtrigger", "-p", "no:cacheprovider", "-k", "installed"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert (0,) == (2,)*"])


def test_cookbook_example_tests_pass_with_nomigrations():
    """The test module the "Testing your triggers" page shows, run as the page says."""
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parent.parent
    example = root / "cookbook" / "testing_example"
    env = {
        **os.environ,
        "DATABASE_URL": database.url(),
        "DJANGO_SETTINGS_MODULE": "cookbook.testing_example.settings",
        "PYTHONPATH": str(root),
    }
    options = ["--nomigrations", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *options, "--rootdir", str(example), str(example)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
