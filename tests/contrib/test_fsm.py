"""The ``FSM`` trigger on a real database, including its failure messages."""

import pytest

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_fsm_allows_declared_transitions_and_wildcards():
    doc = models.Document.objects.create()
    for status in ("published", "archived", "cancelled"):
        doc.status = status
        doc.save()
    models.Document.objects.update(title="same status is fine")


def test_fsm_rejects_with_attempted_and_allowed_transitions():
    doc = models.Document.objects.create()
    with fails(
        r"""Invalid transition of field "status" from 'draft' to 'archived' on table """
        r"""contrib_tests_document \(trigger "status_fsm"\); allowed transitions: 'draft' -> """
        r"""'published', 'published' -> 'archived', \* -> 'cancelled'"""
    ):
        models.Document.objects.filter(pk=doc.pk).update(status="archived")


def test_fsm_nullable_integer_with_initial_states():
    ticket = models.Ticket.objects.create(priority=None)
    for priority in (1, 2, 3, None):
        ticket.priority = priority
        ticket.save()
    with fails("Invalid initial state '2' .* allowed initial states: NULL, 1"):
        models.Ticket.objects.create(priority=2)
    with fails("Invalid transition of field \"priority\" from NULL to '3'"):
        models.Ticket.objects.filter(pk=ticket.pk).update(priority=3)


def test_fsm_check_flags_states_outside_choices():
    bad = pgtrigger.FSM(name="bad", field="status", transitions=[("draft", "nope")])
    errors = list(check_trigger(models.Document, bad))
    assert [e.id for e in errors] == ["pgtrigger.E102"]
    (error,) = errors
    assert error.msg.startswith('Trigger "bad" on contrib_tests.Document: ')
    assert "FSM state 'nope' is not a choice of field \"status\"" in error.msg
    assert "'draft'" not in error.msg


def test_fsm_condition_enforces_transitions_only_when_true():
    free = models.GatedDocument.objects.create(locked=False)
    locked = models.GatedDocument.objects.create(locked=True)
    # Outside the declared transitions, but the condition (old row locked) is false.
    models.GatedDocument.objects.filter(pk=free.pk).update(status="archived")
    with fails(
        r"""Invalid transition of field "status" from 'draft' to 'archived' on table """
        r"""contrib_tests_gateddocument \(trigger "gated_fsm"\)"""
    ):
        models.GatedDocument.objects.filter(pk=locked.pk).update(status="archived")
    models.GatedDocument.objects.filter(pk=locked.pk).update(status="published")  # declared
    assert dict(models.GatedDocument.objects.values_list("pk", "status")) == {
        free.pk: "archived",
        locked.pk: "published",
    }


def test_fsm_wildcard_target_allows_any_state_from_the_source_only():
    for status in ("published", "archived", "cancelled", "draft"):
        doc = models.OpenDraft.objects.create()
        models.OpenDraft.objects.filter(pk=doc.pk).update(status=status)
        doc.refresh_from_db()
        assert doc.status == status
    published = models.OpenDraft.objects.create(status="published")
    with fails(
        r"""Invalid transition of field "status" from 'published' to 'draft' .*"""
        r"""allowed transitions: 'draft' -> \*, 'published' -> 'archived'"""
    ):
        models.OpenDraft.objects.filter(pk=published.pk).update(status="draft")
    archived = models.OpenDraft.objects.create(status="archived")
    with fails("from 'archived' to 'published'"):
        models.OpenDraft.objects.filter(pk=archived.pk).update(status="published")
    models.OpenDraft.objects.filter(pk=published.pk).update(status="archived")
    published.refresh_from_db()
    assert published.status == "archived"


def test_fsm_integer_choices():
    job = models.Job.objects.create()
    job.stage = models.Stage.RUNNING
    job.save()
    models.Job.objects.filter(pk=job.pk).update(stage=models.Stage.DONE)
    job.refresh_from_db()
    assert job.stage == models.Stage.DONE
    with fails(
        r"""Invalid transition of field "stage" from '3' to '2' on table contrib_tests_job """
        r"""\(trigger "stage_fsm"\); allowed transitions: 1 -> 2, 2 -> 3, 2 -> 4"""
    ):
        models.Job.objects.filter(pk=job.pk).update(stage=models.Stage.RUNNING)
    queued = models.Job.objects.create()
    with fails("from '1' to '4'"):
        models.Job.objects.filter(pk=queued.pk).update(stage=models.Stage.FAILED)
    assert dict(models.Job.objects.values_list("pk", "stage")) == {job.pk: 3, queued.pk: 1}
    assert list(check_trigger(models.Job, models.Job._meta.triggers[0])) == []
