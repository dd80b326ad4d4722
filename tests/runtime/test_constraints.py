"""Deferrable triggers, ``pgtrigger.constraints`` and ``pgtrigger.schema``."""

import pytest
from django.db import DatabaseError, connection, transaction

import pgtrigger
from tests.runtime.models import Child, Parent

PARENT_EXISTS = "runtime_tests.Child:parent_exists"


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
    Child.objects.all().delete()
    Parent.objects.all().delete()


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
    Child.objects.all().delete()
    Parent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_ignore_is_decided_when_the_row_changes_not_at_commit():
    # WHEN clauses of constraint triggers are evaluated when the event is queued.
    with transaction.atomic():
        with pgtrigger.ignore(PARENT_EXISTS):
            Child.objects.create(parent_id=4000)  # ignored: never checked, even at commit
    assert Child.objects.filter(parent_id=4000).exists()
    with pytest.raises(DatabaseError, match="parent 4001 does not exist"):
        with transaction.atomic():
            Child.objects.create(parent_id=4001)
            with pgtrigger.ignore(PARENT_EXISTS):
                pass  # an ignore active at commit time does not cancel a queued check
    Child.objects.all().delete()


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
    with pgtrigger.schema("tenant one", "public"), connection.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)")
        assert cursor.fetchone()[0] == ["tenant one", "public"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == before


@pytest.mark.django_db
def test_instead_of_trigger_honours_ignore():
    from tests.models import TestModel, TestView

    trigger = pgtrigger.Trigger(
        name="view_guard",
        when=pgtrigger.InsteadOf,
        operation=pgtrigger.Insert,
        func="RAISE EXCEPTION 'view is read-only';",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW tests_testview AS SELECT id, char_field AS name FROM tests_testmodel"
        )
    trigger.install(TestView)
    trigger.register(TestView)
    try:
        with pytest.raises(DatabaseError, match="view is read-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO tests_testview (id, name) VALUES (1, 'x')")
        with pgtrigger.ignore("tests.TestView:view_guard"), connection.cursor() as cursor:
            cursor.execute("INSERT INTO tests_testview (id, name) VALUES (1, 'x')")
        assert TestModel.objects.count() == 0  # ignored: the row went nowhere
    finally:
        trigger.unregister(TestView)
