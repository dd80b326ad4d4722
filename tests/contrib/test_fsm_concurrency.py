"""``FSM.transition()``'s guard under a concurrent writer: it judges the committed state."""

import threading

import pytest
from django.db import connection, connections, transaction

import pgtrigger
from pgtrigger import TransitionNotAllowed
from tests.contrib.models import Document, Status

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transition_waits_for_a_concurrent_writer_and_judges_what_it_committed():
    doc = Document.objects.create()
    stale = Document.objects.get()  # "draft" in memory
    fsm = pgtrigger.FSM.get(Document, "status")
    locked, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                Document.objects.filter(pk=doc.pk).update(status=Status.CANCELLED)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '10s'")  # a deadlock fails, not hangs
        timer = threading.Timer(0.5, release.set)  # commit while the UPDATE below waits
        timer.start()
        with pytest.raises(TransitionNotAllowed, match="the database holds 'cancelled'") as raised:
            fsm.transition(stale, Status.PUBLISHED)  # allowed from "draft", not "cancelled"
        assert raised.value.source == "cancelled"
    finally:
        release.set()
        thread.join(10)
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    assert Document.objects.get().status == "cancelled"
    assert stale.status == "draft"
