"""SoftDelete cascade=True, SoftDeleteManager / SoftDeleteQuerySet, undelete, partial unique."""

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.contrib import models as m

pytestmark = pytest.mark.django_db


def family():
    parent = m.SoftParent.objects.create(name="p")
    children = [m.SoftChild.objects.create(parent=parent) for _ in range(2)]
    grandchild = m.SoftGrandchild.objects.create(child=children[0])
    plain = m.PlainChild.objects.create(parent=parent)
    set_null = m.SetNullSoftChild.objects.create(parent=parent)
    return parent, children, grandchild, plain, set_null


def raw(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def assert_family_soft_deleted(parent_pk, grandchild):
    assert m.SoftParent.all_objects.get(pk=parent_pk).is_active is False
    assert m.SoftChild.objects.filter(parent_id=parent_pk, deleted_at__isnull=True).count() == 0
    assert m.SoftChild.objects.filter(parent_id=parent_pk).count() == 2  # kept
    assert m.SoftGrandchild.objects.get(pk=grandchild.pk).status == "gone"


def test_parent_delete_through_django_soft_deletes_the_family():
    parent, _children, grandchild, plain, set_null = family()
    pk = parent.pk
    parent.delete()  # collector: children, then parent; no IntegrityError
    assert_family_soft_deleted(pk, grandchild)
    assert not m.PlainChild.objects.filter(pk=plain.pk).exists()  # Django deleted it
    set_null = m.SetNullSoftChild.objects.get(pk=set_null.pk)
    assert (set_null.parent_id, set_null.is_active) == (None, True)  # SET_NULL, not deleted


def test_queryset_delete_of_parents_through_django():
    first, _, first_grandchild, _, _ = family()
    m.SoftParent.objects.filter(pk=first.pk).update(name="q")
    second, _, second_grandchild, _, _ = family()
    m.SoftParent.objects.all().delete()
    assert_family_soft_deleted(first.pk, first_grandchild)
    assert_family_soft_deleted(second.pk, second_grandchild)


def test_raw_sql_parent_delete_cascades_through_the_triggers():
    parent, _children, grandchild, plain, set_null = family()
    raw(f'DELETE FROM "{m.SoftParent._meta.db_table}" WHERE id = %s', [parent.pk])
    assert_family_soft_deleted(parent.pk, grandchild)
    assert m.PlainChild.objects.filter(pk=plain.pk).exists()  # no SoftDelete: untouched
    assert m.SetNullSoftChild.objects.get(pk=set_null.pk).parent_id == parent.pk


def test_cascade_keeps_the_stamp_of_an_earlier_delete():
    parent, children, _, _, _ = family()
    m.SoftChild.objects.filter(pk=children[0].pk).delete()
    earlier = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    m.SoftChild.objects.filter(pk=children[0].pk).update(deleted_at=earlier)
    raw(f'DELETE FROM "{m.SoftParent._meta.db_table}" WHERE id = %s', [parent.pk])
    stamps = dict(m.SoftChild.objects.values_list("pk", "deleted_at"))
    assert stamps[children[0].pk] == earlier
    assert stamps[children[1].pk] > earlier


def test_without_cascade_a_raw_parent_delete_leaves_children_alive():
    """The behaviour cascade=True changes: the same parent without it flags only itself."""
    parent, _children, _, _, _ = family()
    trigger = pgtrigger.SoftDelete(name="no_cascade", field="is_active")
    assert "DELETE FROM" not in trigger.render_func(m.SoftParent)
    assert 'DELETE FROM "contrib_tests_softchild"' in m.SoftParent._meta.triggers[0].render_func(
        m.SoftParent
    )
    assert "contrib_tests_plainchild" not in m.SoftParent._meta.triggers[0].render_func(
        m.SoftParent
    )
    with trigger.install(m.SoftParent), pgtrigger.ignore("contrib_tests.SoftParent:soft_delete"):
        raw(f'DELETE FROM "{m.SoftParent._meta.db_table}" WHERE id = %s', [parent.pk])
    assert m.SoftParent.all_objects.get(pk=parent.pk).is_active is False
    assert m.SoftChild.objects.filter(parent_id=parent.pk).alive().count() == 2


def test_self_referential_fk_is_not_followed_and_django_deletes_a_tree():
    root = m.SoftNode.objects.create()
    child = m.SoftNode.objects.create(parent=root)
    leaf = m.SoftNode.objects.create(parent=child)
    assert "DELETE FROM" not in m.SoftNode._meta.triggers[0].render_func(m.SoftNode)
    root_pk = root.pk
    root.delete()  # one DELETE for the whole tree, each row flagged by its own trigger
    assert list(m.SoftNode.objects.values_list("pk", "is_active").order_by("pk")) == [
        (root_pk, False),
        (child.pk, False),
        (leaf.pk, False),
    ]


# --- Manager and queryset ------------------------------------------------------------------
def test_managers_filter_on_the_declared_field_and_value():
    alive = m.SoftParent.objects.create(name="alive")
    gone = m.SoftParent.objects.create(name="gone")
    m.SoftParent.objects.filter(pk=gone.pk).delete()
    assert list(m.SoftParent.objects.all()) == [alive]
    assert list(m.SoftParent.deleted_objects.all()) == [gone]
    assert set(m.SoftParent.all_objects.all()) == {alive, gone}
    assert list(m.SoftParent.all_objects.alive()) == [alive]
    assert list(m.SoftParent.all_objects.deleted()) == [gone]
    # Django's own filters as the oracle, for each kind of value
    child = m.SoftChild.objects.create(parent=alive)
    m.SoftChild.objects.create(parent=alive).delete()
    assert (
        list(m.SoftChild.objects.alive())
        == list(m.SoftChild.objects.filter(deleted_at__isnull=True))
        == [child]
    )
    grandchild = m.SoftGrandchild.objects.create(child=child)
    assert list(m.SoftGrandchild.objects.all()) == [grandchild]
    null = m.SoftNullable.objects.create()
    m.SoftNullable.objects.create().delete()
    queryset = pgtrigger.SoftDeleteQuerySet(model=m.SoftNullable)
    assert list(queryset.alive()) == list(m.SoftNullable.objects.exclude(owner=None)) == [null]


def test_related_manager_hides_deleted_rows():
    parent = m.SoftParent.objects.create(name="p")
    alive = m.SoftChild.objects.create(parent=parent)
    m.SoftChild.objects.create(parent=parent).delete()
    assert list(parent.softchild_set.alive()) == [alive]


def test_undelete_restores_in_one_update_and_counts():
    parent, _children, grandchild, _, _ = family()
    m.SoftParent.objects.filter(pk=parent.pk).delete()
    assert m.SoftParent.all_objects.filter(pk=parent.pk).undelete() == 1
    assert m.SoftParent.objects.get(pk=parent.pk).is_active is True
    assert m.SoftChild.objects.filter(parent=parent).undelete() == 2
    assert m.SoftChild.objects.filter(parent=parent).alive().count() == 2
    grandchildren = pgtrigger.SoftDeleteQuerySet(model=m.SoftGrandchild)
    assert grandchildren.undelete() == 1  # declared restore_value="active"
    assert m.SoftGrandchild.objects.get(pk=grandchild.pk).status == "active"
    assert m.SoftParent.all_objects.all().undelete() == 0  # nothing deleted left


def test_undelete_needs_restore_value_for_other_values():
    row = m.SoftChar.objects.create()
    row.delete()
    queryset = pgtrigger.SoftDeleteQuerySet(model=m.SoftChar)
    with pytest.raises(
        ValueError, match=r"contrib_tests.SoftChar: undelete needs .*restore_value="
    ):
        queryset.undelete()


def test_undelete_ignores_the_named_triggers_for_that_statement_only():
    m.SoftFrozen.objects.create(name="x").delete()
    with pytest.raises(DatabaseError, match='trigger "frozen"'), transaction.atomic():
        m.SoftFrozen.objects.undelete()
    assert m.SoftFrozen.objects.undelete(ignore=["frozen"]) == 1
    assert m.SoftFrozen.objects.get().is_active is True
    m.SoftFrozen.objects.get().delete()
    # The ignore ended with the statement: the row is frozen again.
    with pytest.raises(DatabaseError, match='trigger "frozen"'), transaction.atomic():
        m.SoftFrozen.objects.update(name="y")
    assert m.SoftFrozen.objects.undelete(ignore=["contrib_tests.SoftFrozen:frozen"]) == 1


def test_manager_errors_name_the_model():
    with pytest.raises(LookupError, match=r"contrib_tests\.PlainChild declares no SoftDelete"):
        pgtrigger.SoftDeleteQuerySet(model=m.PlainChild).alive()
    with pytest.raises(ValueError, match="rows must be"):
        pgtrigger.SoftDeleteManager(rows="every")


def test_restore_value_equal_to_value_is_a_check_error():
    trigger = pgtrigger.SoftDelete(name="sd", field="is_active", restore_value=False)
    [error] = check_trigger(m.SoftBool, trigger)
    assert error.id == "pgtrigger.E108"
    assert "restore_value False is the value of a deleted row" in error.msg


# --- Partial unique constraint -------------------------------------------------------------
def test_a_deleted_row_does_not_block_its_name():
    old = m.SoftParent.objects.create(name="acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.SoftParent.objects.create(name="acme")
    m.SoftParent.objects.filter(pk=old.pk).delete()
    new = m.SoftParent.objects.create(name="acme")
    assert new.pk != old.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        m.SoftParent.all_objects.filter(pk=old.pk).undelete()
