"""Transition-table names as 4.x declared them: plain names unquoted (folded to lower case by
PostgreSQL), so a 4.x function body reading ``OldRows`` unquoted finds its table."""

import pytest

import pgtrigger
from pgtrigger import installation
from tests import models


def test_plain_names_are_folded_and_others_keep_their_spelling():
    assert str(pgtrigger.Referencing(old="OldRows", new="new_values")) == (
        'REFERENCING OLD TABLE AS "oldrows" NEW TABLE AS "new_values"'
    )
    assert str(pgtrigger.Referencing(old="Old Rows")) == 'REFERENCING OLD TABLE AS "Old Rows"'


@pytest.mark.django_db
def test_mixed_case_transition_table_is_installed_as_declared(install):
    trigger = pgtrigger.Trigger(
        name="old_rows_mixed",
        when=pgtrigger.After,
        level=pgtrigger.Statement,
        operation=pgtrigger.Delete,
        referencing=pgtrigger.Referencing(old="OldRows"),
        func="PERFORM count(*) FROM OldRows; RETURN NULL;",
    )
    trigger.register(models.TestModel)
    try:
        install(models.TestModel, trigger)
        models.TestModel.objects.create(int_field=1)
        models.TestModel.objects.all().delete()  # the body finds its table
        (state,) = installation.status(trigger.get_uri(models.TestModel))
        assert state.status == "INSTALLED"  # the catalog's oldrows matches the declaration
    finally:
        trigger.unregister(models.TestModel)
