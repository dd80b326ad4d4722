"""SoftDelete(cascade=True) around a cycle of models: a check error naming the cycle."""

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models.functions import Now

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.contrib import models as m

pytestmark = pytest.mark.django_db


def cascading_b():
    return pgtrigger.SoftDelete(name="cascade", field="deleted_at", value=Now(), cascade=True)


def test_a_cycle_of_cascades_is_a_check_error_naming_it():
    [error] = check_trigger(m.CycB, cascading_b())
    assert error.id == "pgtrigger.E108"
    assert error.obj is m.CycB
    assert error.msg == (
        'Trigger "cascade" on contrib_tests.CycB: SoftDelete cascade=True closes a cycle of '
        "cascades: contrib_tests.CycB -> contrib_tests.CycA (contrib_tests.CycA.b) -> "
        "contrib_tests.CycB (contrib_tests.CycB.a)."
    )
    assert "Drop cascade=True on one model of the cycle" in error.hint
    # The declared models: CycB does not cascade, so there is no cycle.
    assert list(check_trigger(m.CycA, m.CycA._meta.triggers[0])) == []
    no_cascade = pgtrigger.SoftDelete(name="plain", field="deleted_at", value=Now())
    assert list(check_trigger(m.CycB, no_cascade)) == []


def test_a_hidden_reverse_relation_is_followed():
    """CycA.b has related_name="+": Django's collector follows it, so the cascade does."""
    assert 'DELETE FROM "contrib_tests_cyca"' in cascading_b().render_func(m.CycB)


def cycle_rows():
    """a1 <- b1 <- a2 <- b2 <- a1 (each row points to the previous one)."""
    a1 = m.CycA.objects.create()
    b1 = m.CycB.objects.create(a=a1)
    a2 = m.CycA.objects.create(b=b1)
    b2 = m.CycB.objects.create(a=a2)
    m.CycA.objects.filter(pk=a1.pk).update(b=b2)
    return a1, a2


def test_why_the_cycle_is_refused():
    """Installed anyway, a statement deleting two rows of the cycle reaches the second one
    through the cascade first, and PostgreSQL refuses to delete it again (27000)."""
    a1, a2 = cycle_rows()
    with cascading_b().install(m.CycB), pgtrigger.ignore("contrib_tests.CycB:soft_delete"):
        with pytest.raises(OperationalError, match="already modified"), transaction.atomic():
            m.CycA.objects.filter(pk__in=[a1.pk, a2.pk]).delete()
        # One row of the cycle per statement: each row is reached once, the cascade ends.
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{m.CycA._meta.db_table}" WHERE id = %s', [a1.pk])
    assert m.CycA.objects.filter(deleted_at=None).count() == 0
    assert m.CycB.objects.filter(deleted_at=None).count() == 0
