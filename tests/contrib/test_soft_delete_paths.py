"""SoftDelete cascades: a Django delete and a SQL delete leave the same rows; a row keeps the
stamp of its first delete; children may not be alive under a soft-deleted parent."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError

import pgtrigger
from pgtrigger import errors
from tests.contrib import models as m
from tests.runtime.models import ContextSoftDeleted

pytestmark = pytest.mark.django_db
EARLIER = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def raw(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def restored_grandchild_under_deleted_child(name):
    """A parent, a child deleted earlier, and that child's grandchild restored by hand (past
    the guard, as a hand edit or data older than the guard would be)."""
    parent = m.SoftParent.objects.create(name=name)
    child = m.SoftChild.objects.create(parent=parent)
    grandchild = m.SoftGrandchild.objects.create(child=child)
    m.SoftChild.objects.filter(pk=child.pk).delete()
    with pgtrigger.ignore("contrib_tests.SoftGrandchild:soft_delete"):
        m.SoftGrandchild.objects.filter(pk=grandchild.pk).update(status="active")
    return parent, child, grandchild


def visible_rows():
    return (
        sorted(m.SoftParent.all_objects.values_list("name", "is_active")),
        sorted(
            (name, stamp is None)
            for name, stamp in m.SoftChild.objects.values_list("parent__name", "deleted_at")
        ),
        sorted(m.SoftGrandchild.objects.values_list("child__parent__name", "status")),
    )


def test_sql_and_django_deletes_reach_alive_descendants_of_a_deleted_child():
    django_parent, _, _ = restored_grandchild_under_deleted_child("p")
    sql_parent, _, _ = restored_grandchild_under_deleted_child("q")
    raw(f'DELETE FROM "{m.SoftParent._meta.db_table}" WHERE id = %s', [sql_parent.pk])
    django_parent.delete()
    parents, children, grandchildren = visible_rows()
    assert parents == [("p", False), ("q", False)]
    assert children == [("p", False), ("q", False)]
    assert grandchildren == [("p", "gone"), ("q", "gone")]


@pytest.mark.parametrize("path", ["django", "queryset", "sql"])
def test_a_parent_delete_keeps_the_stamp_of_children_deleted_earlier(path):
    parent = m.SoftParent.objects.create(name="p")
    earlier, fresh = (m.SoftChild.objects.create(parent=parent) for _ in range(2))
    m.SoftChild.objects.filter(pk=earlier.pk).delete()
    m.SoftChild.objects.filter(pk=earlier.pk).update(deleted_at=EARLIER)
    if path == "django":
        parent.delete()  # the collector deletes both children, the deleted one too
    elif path == "queryset":
        m.SoftParent.objects.filter(pk=parent.pk).delete()
    else:
        raw(f'DELETE FROM "{m.SoftParent._meta.db_table}" WHERE id = %s', [parent.pk])
    stamps = dict(m.SoftChild.objects.values_list("pk", "deleted_at"))
    assert stamps[earlier.pk] == EARLIER
    assert stamps[fresh.pk] > EARLIER


def test_a_second_delete_keeps_deleted_by():
    first, second = (User.objects.create_user(name) for name in ("alice", "bob"))
    row = ContextSoftDeleted.objects.create()
    with pgtrigger.context(actor=first.pk):
        ContextSoftDeleted.objects.filter(pk=row.pk).delete()
    with pgtrigger.context(actor=second.pk):
        ContextSoftDeleted.objects.filter(pk=row.pk).delete()
    assert ContextSoftDeleted.objects.get(pk=row.pk).deleted_by_id == first.pk


def refused(call):
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        call()
    return errors.refusal(caught.value)


def test_a_child_cannot_be_alive_under_a_soft_deleted_parent():
    parent = m.SoftParent.objects.create(name="p")
    child = m.SoftChild.objects.create(parent=parent)
    other = m.SoftParent.objects.create(name="other")
    m.SoftParent.objects.filter(pk=parent.pk).delete()
    found = refused(lambda: m.SoftChild.objects.create(parent=parent))
    assert found.uri == "contrib_tests.SoftChild:soft_delete"
    assert found.sqlstate == errors.SOFT_DELETED_PARENT
    assert found.message == (
        "Cannot have an alive row of contrib_tests_softchild under a soft-deleted row of "
        f"contrib_tests_softparent (parent = {parent.pk})"
    )
    assert refused(lambda: m.SoftChild.objects.filter(pk=child.pk).undelete())
    moved = m.SoftChild.objects.create(parent=other)
    assert refused(lambda: m.SoftChild.objects.filter(pk=moved.pk).update(parent=parent))
    # A deleted child under a deleted parent is consistent; so is any child of an alive one.
    m.SoftChild.objects.create(parent=parent, deleted_at=EARLIER)
    m.SoftParent.all_objects.filter(pk=parent.pk).undelete()
    assert m.SoftChild.objects.filter(pk=child.pk).undelete() == 1
    assert m.SoftChild.objects.filter(pk=moved.pk).update(parent=parent) == 1


def test_the_guard_is_only_on_children_of_cascading_parents():
    """SetNullSoftChild does not cascade, PlainChild does not soft-delete: only DELETE."""
    for model in (m.SoftParent, m.SetNullSoftChild, m.SoftNode):
        assert model._meta.triggers[0].render_event(model) == "BEFORE DELETE"
    event = m.SoftChild._meta.triggers[0].render_event(m.SoftChild)
    assert event == 'BEFORE DELETE OR INSERT OR UPDATE OF "deleted_at", "parent_id"'


def test_a_soft_deleted_protecting_child_still_protects_its_parent():
    """Django's collector reads children through _base_manager, deleted ones included; the
    django-safedelete page says so (django-safedelete lets the parent go)."""
    parent = m.SoftParent.objects.create(name="p")
    m.ProtectedSoftChild.objects.create(parent=parent).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        parent.delete()
    pgtrigger.hard_delete(m.ProtectedSoftChild.objects.filter(parent=parent))
    parent.delete()
    assert m.SoftParent.all_objects.get(name="p").is_active is False
