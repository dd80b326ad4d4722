"""``FSM.transition()`` on the wire: one round trip per transition, as a plain ``UPDATE``."""

import pytest
from django.db import transaction

import pgtrigger
from tests.contrib.models import Document, Status
from tests.contrib.test_fsm_transition import publish_needs_title  # noqa: F401 (fixture)
from tests.runtime.test_round_trips import count, wire  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

N = 10


def transitions(pks):
    fsm = pgtrigger.FSM.get(Document, "status")
    docs = list(Document.objects.filter(pk__in=pks))

    def run():
        for doc in docs:
            fsm.transition(doc, Status.PUBLISHED)

    return run


def plain_updates(pks):
    def run():
        for pk in pks:
            Document.objects.filter(pk=pk).update(status=Status.PUBLISHED)

    return run


def in_atomic(body):
    def run():
        with transaction.atomic():
            body()

    return run


@pytest.fixture
def docs():
    return [Document.objects.create(title="t").pk for _ in range(N)]


def test_one_round_trip_per_transition_in_autocommit_and_in_atomic(wire, docs):  # noqa: F811
    assert count(wire, transitions(docs)) == (N, 0)
    with pgtrigger.ignore("contrib_tests.Document:status_fsm"):
        Document.objects.update(status=Status.DRAFT)
    plain, _ = count(wire, in_atomic(plain_updates(docs)))
    with pgtrigger.ignore("contrib_tests.Document:status_fsm"):
        Document.objects.update(status=Status.DRAFT)
    assert count(wire, in_atomic(transitions(docs)))[0] == plain == N + 2  # BEGIN, COMMIT
    assert set(Document.objects.values_list("status", flat=True)) == {"published"}


def test_context_values_travel_in_the_same_round_trip(wire, docs):  # noqa: F811
    run = transitions(docs)

    def with_context():
        with pgtrigger.context(actor=1):
            run()

    assert count(wire, with_context) == (N, N)


@pytest.mark.usefixtures("publish_needs_title")
def test_a_savepoint_only_where_another_trigger_may_refuse(wire, docs):  # noqa: F811
    # Autocommit: the statement is its own transaction, no savepoint whatever may refuse it.
    assert count(wire, transitions(docs)) == (N, 0)
    with pgtrigger.ignore("contrib_tests.Document:status_fsm"):
        Document.objects.update(status=Status.DRAFT)
    # Inside atomic(): SAVEPOINT and RELEASE around each UPDATE.
    assert count(wire, in_atomic(transitions(docs)))[0] == 3 * N + 2
