"""``Protect`` on a real database, including its failure messages."""

import pytest
from django.db import connection

import pgtrigger
from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_protect_names_operation_table_and_trigger():
    obj = models.ProtectedDelete.objects.create(name="x")
    with fails(
        r"pgtrigger: Cannot delete rows from contrib_tests_protecteddelete table "
        r'\(trigger "protect_deletes"\)'
    ):
        obj.delete()
    with fails("Cannot delete rows"):
        models.ProtectedDelete.objects.all().delete()


def test_statement_level_protect_blocks_bulk_update_even_of_zero_rows():
    models.ProtectedDelete.objects.create(name="x")
    with fails("Cannot update rows from contrib_tests_protecteddelete table .*protect_bulk"):
        models.ProtectedDelete.objects.update(name="y")
    with fails("Cannot update rows"):
        models.ProtectedDelete.objects.filter(name="nothing").update(name="y")


def test_conditional_protect_and_truncate(install):
    active = models.ConditionallyProtected.objects.create(is_active=True)
    inactive = models.ConditionallyProtected.objects.create(is_active=False)
    inactive.delete()
    with fails("Cannot delete rows"):
        active.delete()
    # Installed for this test only: a protected TRUNCATE would also stop the test runner's flush.
    install(
        models.ConditionallyProtected,
        pgtrigger.Protect(
            name="protect_truncate", operation=pgtrigger.Truncate, level=pgtrigger.Statement
        ),
    )
    with fails("Cannot truncate rows"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE contrib_tests_conditionallyprotected")


def test_conditional_protect_checks_its_condition_before_the_ignore_check():
    """Rows the condition rules out stop at the condition (AND stops at its first false
    operand), never paying for the ignore check; an ignored trigger still lets a row through."""
    trigger = models.ConditionallyProtected._meta.triggers[0]
    body = trigger.compile(models.ConditionallyProtected).sql.body
    condition = trigger.render_condition(models.ConditionallyProtected)
    assert f"WHEN (({condition}) AND (strpos(" in body, body
    active = models.ConditionallyProtected.objects.create(is_active=True)
    with pgtrigger.ignore("contrib_tests.ConditionallyProtected:protect_active_deletes"):
        active.delete()
    assert not models.ConditionallyProtected.objects.filter(pk=active.pk).exists()
    active = models.ConditionallyProtected.objects.create(is_active=True)
    with fails("Cannot delete rows"):
        active.delete()
