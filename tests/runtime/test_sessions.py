"""Restores pending on a database session follow the session, wherever Django uses it next."""

import threading

import django
import pytest
from django.db import DatabaseError, connections, transaction

import pgtrigger
from tests.runtime.models import Guarded
from tests.runtime.test_ignore import GUARD, IGNORE_SQL

pytest.importorskip("psycopg_pool")
pytestmark = [
    pytest.mark.skipif(django.VERSION < (5, 1), reason="connection pools are new in Django 5.1"),
    pytest.mark.django_db(transaction=True),
]

INSERT = "INSERT INTO runtime_tests_guarded (name) VALUES ('x')"


@pytest.fixture
def pooled():
    """Django connection objects over a pool of one session (each for one thread, which
    closes it: closing gives the session back to the pool)."""
    made = []

    def make():
        wrapper = connections.create_connection("default")
        options = {**wrapper.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
        wrapper.settings_dict = {**wrapper.settings_dict, "OPTIONS": options}
        made.append(wrapper)
        return wrapper

    yield make
    made[0].close_pool()


def in_thread(func):
    result = {}

    def run():
        try:
            result["value"] = func()
        except Exception as exc:  # handed to the test thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def session_value(wrapper):
    with wrapper.connection.cursor() as raw:
        raw.execute(IGNORE_SQL)
        return raw.fetchone()[0]


def leave_a_pending_restore(wrapper):
    """The async ORM's situation: the block's exit cannot reach the connection it used."""
    with pgtrigger.ignore(GUARD), wrapper.cursor() as cursor:
        cursor.execute(INSERT)  # ignored
    assert session_value(wrapper) != ""  # read past Django: the value is still set
    wrapper.close()  # back to the pool, with the value


def test_next_django_connection_restores_before_its_first_query(pooled):
    in_thread(lambda: leave_a_pending_restore(pooled()))

    def next_request():
        wrapper = pooled()
        try:
            with (
                pytest.raises(DatabaseError, match="Cannot insert rows"),
                wrapper.cursor() as cursor,
            ):
                cursor.execute(INSERT)  # the same session, no longer ignoring
            return session_value(wrapper)
        finally:
            wrapper.close()

    assert in_thread(next_request) == ""


def next_request(pooled, body):
    """Run ``body`` in a new thread whose Django connection is the next one from the pool."""

    def run():
        wrapper = connections["default"] = pooled()
        try:
            body()
            return session_value(wrapper)
        finally:
            wrapper.close()

    return in_thread(run)


def test_restore_from_inside_a_transaction_is_session_wide(pooled):
    in_thread(lambda: leave_a_pending_restore(pooled()))

    def body():
        with transaction.atomic():
            assert Guarded.objects.count() == 1  # restores inside the transaction...

    assert next_request(pooled, body) == ""  # ...for the session, not only for it


def test_restore_undone_by_a_rollback_is_sent_again(pooled):
    in_thread(lambda: leave_a_pending_restore(pooled()))

    def body():
        with pytest.raises(RuntimeError), transaction.atomic():
            assert Guarded.objects.count() == 1  # restores...
            raise RuntimeError  # ...and the rollback undoes it
        with pytest.raises(DatabaseError, match="Cannot insert rows"):
            Guarded.objects.create(name="y")  # restored again first

    assert next_request(pooled, body) == ""
