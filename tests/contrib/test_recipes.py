"""Across the contrib recipes: construction errors, check messages and exports.

Each recipe's behaviour on the database is tested in ``test_<recipe module>.py``.
"""

import pytest
from django.core.management import call_command
from django.db.models import F

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.contrib import models

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: pgtrigger.SoftDelete(name="sd"), r'SoftDelete trigger "sd" needs a field'),
        (
            lambda: pgtrigger.SyncField(name="sf", expression=F("name")),
            r'SyncField trigger "sf" needs a field and an expression',
        ),
        (
            lambda: pgtrigger.SyncField(name="sf", field="name_copy"),
            r'SyncField trigger "sf" needs a field and an expression',
        ),
        (
            lambda: pgtrigger.SyncAggregate(name="sa", parent_field="line_count"),
            r'SyncAggregate trigger "sa" needs fk and parent_field',
        ),
        (
            lambda: pgtrigger.SyncAggregate(
                name="sa", fk="order", parent_field="amount", aggregate="median", of="amount"
            ),
            r'SyncAggregate trigger "sa": aggregate must be in \(\'count\', \'sum\'',
        ),
        (
            lambda: pgtrigger.SyncAggregate(
                name="sa", fk="order", parent_field="amount", aggregate="sum"
            ),
            r'SyncAggregate trigger "sa": "sum" needs of=<field>',
        ),
        (
            lambda: pgtrigger.TrackChanges(name="tc", to="contrib_tests.Change"),
            r'TrackChanges trigger "tc" needs fields to track',
        ),
        (
            lambda: pgtrigger.TrackChanges(name="tc", fields=[], to="contrib_tests.Change"),
            r'TrackChanges trigger "tc" needs fields to track',
        ),
        (
            lambda: pgtrigger.TrackChanges(name="tc", fields=["status"]),
            r'TrackChanges trigger "tc" needs an event model \("to"\)',
        ),
        (
            lambda: pgtrigger.UpdateSearchVector(name="usv", document_fields=["title"]),
            r'UpdateSearchVector trigger "usv" needs a vector_field',
        ),
        (
            lambda: pgtrigger.UpdateSearchVector(name="usv", vector_field="search_vector"),
            r'UpdateSearchVector trigger "usv" needs document_fields',
        ),
        (
            lambda: pgtrigger.UpdateSearchVector(
                name="usv", vector_field="search_vector", document_fields=[]
            ),
            r'UpdateSearchVector trigger "usv" needs document_fields',
        ),
    ],
    ids=[
        "soft_delete_no_field",
        "sync_field_no_field",
        "sync_field_no_expression",
        "sync_aggregate_no_fk",
        "sync_aggregate_unknown_aggregate",
        "sync_aggregate_sum_without_of",
        "track_changes_no_fields",
        "track_changes_empty_fields",
        "track_changes_no_to",
        "search_vector_no_vector_field",
        "search_vector_no_document_fields",
        "search_vector_empty_document_fields",
    ],
)
def test_recipe_construction_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def _check(model, trigger, error_id):
    """The messages of ``trigger``'s check errors with ``error_id``, checked for their label."""
    errors = [e for e in check_trigger(model, trigger) if e.id == error_id]
    assert errors, [(e.id, e.msg) for e in check_trigger(model, trigger)]
    label = f'Trigger "{trigger.name}" on {model._meta.label}: '
    assert all(e.msg.startswith(label) and e.obj is model for e in errors)
    return [e.msg for e in errors]


@pytest.mark.parametrize(
    ("model", "field"), [(models.Document, "missing"), (models.Order, "lines")]
)
def test_fsm_check_field_not_a_column(model, field):
    trigger = pgtrigger.FSM(name="fsm_column", field=field, transitions=[("a", "b")])
    assert _check(model, trigger, "pgtrigger.E101") == [
        f'Trigger "fsm_column" on {model._meta.label}: FSM field "{field}" is not a column '
        "of the model."
    ]


def test_track_changes_checks_event_model_and_fields():
    missing = pgtrigger.TrackChanges(
        name="tc_missing", fields=["status"], to="contrib_tests.NoSuchModel"
    )
    (msg,) = _check(models.Tracked, missing, "pgtrigger.E103")
    assert "event model 'contrib_tests.NoSuchModel' not found" in msg
    lacking = pgtrigger.TrackChanges(name="tc_lacking", fields=["status"], to=models.Person)
    (msg,) = _check(models.Tracked, lacking, "pgtrigger.E103")
    assert "event model contrib_tests.Person lacks fields object_pk, field, old_value" in msg
    unknown = pgtrigger.TrackChanges(
        name="tc_unknown", fields=["status", "nope"], to="contrib_tests.Change"
    )
    (msg,) = _check(models.Tracked, unknown, "pgtrigger.E104")
    assert "tracked fields nope are not columns of the model" in msg
    reverse = pgtrigger.TrackChanges(name="tc_reverse", fields=["lines"], to=models.Change)
    (msg,) = _check(models.Order, reverse, "pgtrigger.E104")
    assert "tracked fields lines are not columns" in msg
    assert list(check_trigger(models.Tracked, models.Tracked._meta.triggers[0])) == []


def test_every_recipe_is_exported_and_checks_pass():
    for name in (
        "Protect",
        "ReadOnly",
        "SoftDelete",
        "FSM",
        "Composer",
        "UpdateSearchVector",
        "TrackChanges",
        "Versioning",
        "SyncField",
        "SyncAggregate",
        "OfficialInterface",
    ):
        assert issubclass(getattr(pgtrigger, name), pgtrigger.Trigger)
    call_command("check")
