"""``pgtrigger.testing.refused``: passes only for the named trigger's refusal.

Outside ``atomic()`` it is exercised by the inner session of tests/test_pytest_plugin.py.
"""

import pytest
from django.db import connection, transaction

import pgtrigger
from pgtrigger import testing
from tests import models
from tests.contrib.models import ProtectedDelete

pytestmark = pytest.mark.django_db

DELETES = "contrib_tests.ProtectedDelete:protect_deletes"
UPDATES = "contrib_tests.ProtectedDelete:protect_bulk_updates"


def test_refused_by_the_named_trigger_in_a_savepoint():
    row = ProtectedDelete.objects.create(name="a")
    with testing.refused(DELETES):
        row.delete()
    with testing.refused(UPDATES):
        ProtectedDelete.objects.update(name="b")
    # The test's transaction survived both refusals.
    assert ProtectedDelete.objects.get().name == "a"


def test_another_triggers_refusal_fails_and_names_its_function():
    row = ProtectedDelete.objects.create(name="a")
    ((model, trigger),) = pgtrigger.registered(DELETES)
    with pytest.raises(
        AssertionError, match=f"refused by trigger function {trigger.get_pgid(model)}"
    ):
        with testing.refused(UPDATES):
            row.delete()
    assert ProtectedDelete.objects.count() == 1


def test_a_write_that_goes_through_fails():
    row = ProtectedDelete.objects.create(name="a")
    with pytest.raises(AssertionError, match="it went through"):
        with pgtrigger.ignore(DELETES), testing.refused(DELETES):
            row.delete()


def test_an_error_that_is_not_a_trigger_fails():
    row = ProtectedDelete.objects.create(name="a")
    with pytest.raises(AssertionError, match="refused by something else"):
        with testing.refused(DELETES):
            ProtectedDelete.objects.create(pk=row.pk, name="dup")  # unique violation


def test_the_message_text_is_not_compared():
    # Same message words, other trigger: a raw RAISE copying protect_deletes' message.
    stray = pgtrigger.Trigger(
        name="impostor",
        when=pgtrigger.Before,
        operation=pgtrigger.Delete,
        func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from table';",
    )
    stray.install(models.TestModel)
    with pytest.raises(AssertionError, match=stray.get_pgid(models.TestModel)):
        with testing.refused(DELETES):
            models.TestModel.objects.create().delete()


def test_refusing_trigger_reads_the_driver_diagnostics():
    row = ProtectedDelete.objects.create(name="a")
    ((model, trigger),) = pgtrigger.registered(DELETES)
    try:
        with transaction.atomic():
            row.delete()
    except Exception as exc:
        assert testing.refusing_trigger(exc) == trigger.get_pgid(model)
        assert testing.refusing_trigger(exc.__cause__) == trigger.get_pgid(model)
    else:
        pytest.fail("the delete went through")


def test_unknown_uri_fails_before_the_block():
    with pytest.raises(pgtrigger.registry.UnknownTriggerError):
        with testing.refused("contrib_tests.ProtectedDelete:nope"):
            pass


def test_function_outside_the_search_path_is_recognised(run_sql):
    # PostgreSQL qualifies the function in CONTEXT when its schema is not on the search path.
    row = ProtectedDelete.objects.create(name="a")
    ((model, trigger),) = pgtrigger.registered(DELETES)
    run_sql('CREATE SCHEMA "Other S"')
    run_sql(f'ALTER FUNCTION {trigger.get_pgid(model)}() SET SCHEMA "Other S"')
    try:
        with transaction.atomic():
            row.delete()
    except Exception as exc:
        assert '"Other S".' in exc.__cause__.diag.context
        assert testing.refusing_trigger(exc) == trigger.get_pgid(model)
    else:
        pytest.fail("the delete went through")
    assert connection.in_atomic_block


def test_deferred_trigger_refuses_when_made_immediate_in_the_block():
    from tests.runtime.models import Child

    uri = "runtime_tests.Child:parent_exists"
    with testing.refused(uri):
        Child.objects.create(parent_id=-1)  # deferred: nothing raised yet
        pgtrigger.constraints(pgtrigger.Immediate, uri)
    assert not Child.objects.exists()  # the savepoint rolled the insert back
