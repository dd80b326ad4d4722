"""``pgtrigger.testing.refused`` with trigger names that PostgreSQL must quote (``no-insert``)."""

import pytest
from django.db import DatabaseError, transaction

import pgtrigger
from pgtrigger import testing
from tests import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def hyphenated():
    """A plain trigger named ``no-insert`` (a bare ``RAISE``: no URI in the error), registered
    and installed on ``TestModel``."""
    trigger = pgtrigger.Trigger(
        name="no-insert",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert,
        func="RAISE EXCEPTION 'no inserts';",
    )
    pgtrigger.registry.add(models.TestModel, trigger)
    trigger.install(models.TestModel)  # the test's transaction rolls it back
    try:
        yield trigger
    finally:
        pgtrigger.registry.remove(models.TestModel, trigger)


def test_refused_recognises_a_trigger_whose_name_has_a_hyphen(hyphenated):
    with testing.refused("tests.TestModel:no-insert"):
        models.TestModel.objects.create()
    assert not models.TestModel.objects.exists()


def test_refusing_trigger_reads_the_quoted_function_name(hyphenated):
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        models.TestModel.objects.create()
    assert '"pgtrigger_no-insert_' in raised.value.__cause__.diag.context
    assert testing.refusing_trigger(raised.value) == hyphenated.get_pgid(models.TestModel)
