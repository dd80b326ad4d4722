"""``pgtrigger.hard_delete()``: a real delete through soft-deleting parents and children."""

import pytest
from django.db import IntegrityError, connection, transaction

import pgtrigger
from cookbook.pages.soft_delete_cascade import Project, Task
from tests.contrib import models as m

pytestmark = pytest.mark.django_db


def check_foreign_keys():
    """What the commit would do: Django's foreign keys are checked at the end of the
    transaction (DEFERRABLE INITIALLY DEFERRED); the test runs inside one."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def site():
    project = Project.objects.create(name="site")
    Task.objects.create(project=project, title="logo")
    Task.objects.create(project=project, title="menu").delete()  # soft-deleted earlier
    return project


def test_ignoring_the_parent_trigger_alone_breaks_the_foreign_key():
    """The 4.x-era mapping of HARD_DELETE the safedelete page showed: the tasks stay."""
    project = site()
    with pytest.raises(IntegrityError), transaction.atomic():
        with pgtrigger.ignore("cookbook.Project:soft_delete"):
            project.delete()
        check_foreign_keys()


def test_hard_delete_of_an_instance_deletes_its_soft_deleting_children():
    project, other = site(), Project.objects.create(name="other")
    kept = Task.objects.create(project=other, title="kept")
    assert pgtrigger.hard_delete(project) == (3, {"cookbook.Task": 2, "cookbook.Project": 1})
    check_foreign_keys()
    assert list(Project.all_objects.all()) == [other]
    assert list(Task.all_objects.all()) == [kept]
    other.delete()  # the triggers hold again after the call
    assert Project.all_objects.get().is_active is False
    assert Task.all_objects.get().deleted_at is not None


def test_hard_delete_of_a_queryset_and_of_a_list():
    first = site()
    second, third = Project.objects.create(name="b"), Project.objects.create(name="c")
    Task.objects.create(project=second, title="t")
    deleted, per_model = pgtrigger.hard_delete(Project.all_objects.filter(name__in=["site", "b"]))
    assert (deleted, per_model) == (5, {"cookbook.Task": 3, "cookbook.Project": 2})
    Project.objects.filter(pk=third.pk).delete()  # soft: hard_delete takes deleted rows too
    assert pgtrigger.hard_delete([third]) == (1, {"cookbook.Project": 1})
    assert third.pk is None  # as delete() does
    check_foreign_keys()
    assert not Project.all_objects.exists()
    assert not Task.all_objects.exists()
    assert first.pk is not None  # a queryset delete leaves the instances as they were


def test_hard_delete_reaches_grandchildren_and_leaves_set_null_children():
    parent = m.SoftParent.objects.create(name="p")
    child = m.SoftChild.objects.create(parent=parent)
    m.SoftGrandchild.objects.create(child=child)
    m.PlainChild.objects.create(parent=parent)
    set_null = m.SetNullSoftChild.objects.create(parent=parent)
    count, _ = pgtrigger.hard_delete(m.SoftParent.all_objects.filter(pk=parent.pk))
    check_foreign_keys()
    assert count == 4
    for model in (m.SoftParent, m.SoftChild, m.SoftGrandchild, m.PlainChild):
        assert not model._base_manager.exists()
    set_null = m.SetNullSoftChild.objects.get(pk=set_null.pk)
    assert (set_null.parent_id, set_null.is_active) == (None, True)


def test_hard_delete_of_nothing_ignores_nothing():
    assert pgtrigger.hard_delete([]) == (0, {})
    assert pgtrigger.hard_delete(Project.objects.none()) == (0, {})
    project = site()
    pk = project.pk
    project.delete()
    assert Project.all_objects.get(pk=pk).is_active is False
