"""Deferrable triggers, ``pgtrigger.constraints`` and ``pgtrigger.schema``."""

import pytest
from django.db import DatabaseError, connection, transaction

import pgtrigger
from tests.runtime.models import Child, ImmediateChild, Parent

PARENT_EXISTS = "runtime_tests.Child:parent_exists"
PARENT_EXISTS_NOW = "runtime_tests.ImmediateChild:parent_exists_now"
PARENT_EXISTS_PGID = pgtrigger.registered(PARENT_EXISTS)[0][1].get_pgid(Child)
IGNORED = f'{{"{PARENT_EXISTS_PGID}"}}'  # pgtrigger.ignore's value when it ignores PARENT_EXISTS


def ignore_setting():
    """``pgtrigger.ignore`` on the default connection, read through Django's wrappers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(current_setting('pgtrigger.ignore', true), '')")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_deferred_trigger_fires_at_commit():
    with transaction.atomic():
        Child.objects.create(parent_id=1000)
        Parent.objects.create(id=1000)  # in time: the check runs at commit
    with pytest.raises(DatabaseError, match="parent 2000 does not exist"):
        with transaction.atomic():
            Child.objects.create(parent_id=2000)
            # no error yet: it is raised by COMMIT
            assert Child.objects.filter(parent_id=2000).exists()
    assert not Child.objects.filter(parent_id=2000).exists()


@pytest.mark.django_db(transaction=True)
def test_constraints_immediate_fires_at_statement_end():
    with transaction.atomic():
        pgtrigger.constraints(pgtrigger.Immediate, PARENT_EXISTS)
        with pytest.raises(DatabaseError, match="parent 3000 does not exist"):
            with transaction.atomic():
                Child.objects.create(parent_id=3000)  # raised here, not at commit
        pgtrigger.constraints(pgtrigger.Deferred)  # all deferrable triggers, back to deferred
        Child.objects.create(parent_id=3001)
        Parent.objects.create(id=3001)
    assert Child.objects.filter(parent_id=3001).exists()


@pytest.mark.django_db(transaction=True)
def test_ignore_is_decided_when_the_trigger_fires_as_in_4x():
    # A deferrable trigger checks ignore() in its function, which runs at COMMIT: a block left
    # before the commit does not reach it (the value is put back when the block is left).
    with pytest.raises(DatabaseError, match="parent 4000 does not exist"):
        with transaction.atomic():
            with pgtrigger.ignore(PARENT_EXISTS):
                Child.objects.create(parent_id=4000)
            # No query between the block and COMMIT: leaving the block put the value back.
    assert not Child.objects.filter(parent_id=4000).exists()

    with transaction.atomic():
        Child.objects.create(parent_id=4001)
        with connection.cursor() as cursor:  # what ignore() sets, by hand, until COMMIT
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [IGNORED])
        assert PARENT_EXISTS_PGID in ignore_setting()
        # COMMIT runs the queued trigger, ignored by then.
    assert Child.objects.filter(parent_id=4001).exists()


@pytest.mark.django_db(transaction=True)
def test_constraints_deferred_postpones_an_initially_immediate_trigger():
    with pytest.raises(DatabaseError, match="parent 5000 is missing"):
        with transaction.atomic():
            ImmediateChild.objects.create(parent_id=5000)  # raises here
            pytest.fail("an initially immediate trigger fires at the end of the statement")
    with transaction.atomic():
        pgtrigger.constraints(pgtrigger.Deferred, PARENT_EXISTS_NOW)
        ImmediateChild.objects.create(parent_id=5001)
        Parent.objects.create(id=5001)  # in time: the check now runs at commit
    with pytest.raises(DatabaseError, match="parent 5002 is missing"):
        with transaction.atomic():
            pgtrigger.constraints(pgtrigger.Deferred, PARENT_EXISTS_NOW)
            ImmediateChild.objects.create(parent_id=5002)
            assert ImmediateChild.objects.filter(parent_id=5002).exists()  # raised by COMMIT
    assert list(ImmediateChild.objects.values_list("parent_id", flat=True)) == [5001]


@pytest.mark.django_db(transaction=True)
def test_constraints_immediate_runs_the_queued_checks_at_once():
    with transaction.atomic():
        Child.objects.create(parent_id=6000)  # queued until commit
        with pytest.raises(DatabaseError, match="parent 6000 does not exist"):
            with transaction.atomic():
                pgtrigger.constraints(pgtrigger.Immediate, PARENT_EXISTS)
        Parent.objects.create(id=6000)  # the failed check is queued again, for commit
    assert Child.objects.filter(parent_id=6000).exists()


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_constraints_defaults_to_the_databases_in_a_transaction():
    with pytest.raises(DatabaseError, match="parent 7000 is missing"):
        with transaction.atomic(using="other"):
            pgtrigger.constraints(pgtrigger.Deferred)  # "default" is in autocommit mode
            ImmediateChild.objects.using("other").create(parent_id=7000)
            assert ImmediateChild.objects.using("other").exists()  # deferred on "other"
    with pytest.raises(RuntimeError, match='"default" is not in a transaction'):
        with transaction.atomic(using="other"):
            pgtrigger.constraints(pgtrigger.Deferred, databases=["default", "other"])


def test_constraints_refuses_a_trigger_that_is_not_deferrable():
    with pytest.raises(ValueError, match=r"runtime_tests\.Guarded:guard is not a deferrable"):
        pgtrigger.constraints(pgtrigger.Deferred, PARENT_EXISTS, "runtime_tests.Guarded:guard")


def test_constraints_needs_a_transaction_and_a_timing():
    with pytest.raises(ValueError, match=r"not pgtrigger\.Immediate"):
        pgtrigger.constraints("IMMEDIATE")


@pytest.mark.django_db(transaction=True)
def test_constraints_outside_transaction_is_an_error():
    with pytest.raises(RuntimeError, match="inside a transaction"):
        pgtrigger.constraints(pgtrigger.Deferred)


@pytest.mark.django_db
def test_schema_sets_and_restores_search_path():
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "tenant one"')
        cursor.execute("SHOW search_path")
        before = cursor.fetchone()[0]
    # Names are written bare, as in 4.x: one that needs quotes is passed quoted.
    with pgtrigger.schema('"tenant one"', "public"), connection.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)")
        assert cursor.fetchone()[0] == ["tenant one", "public"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == before
