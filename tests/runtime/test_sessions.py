"""With psycopg's connection pool, a database session never keeps a block's settings."""

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
    """The setting on the wrapper's database session, read past Django."""
    wrapper.ensure_connection()
    with wrapper.connection.cursor() as raw:
        raw.execute(IGNORE_SQL)
        return raw.fetchone()[0]


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


def refused():
    with pytest.raises(DatabaseError, match="Cannot insert rows"):
        Guarded.objects.create(name="refused")


def test_a_session_handed_back_inside_a_block_carries_nothing(pooled):
    def inside_a_block():
        with pgtrigger.ignore(GUARD):
            Guarded.objects.create(name="ignored")
            # read past Django: the value was for the INSERT's own transaction only
            assert session_value(connections["default"]) == ""
            connections["default"].close()  # back to the pool, the block still open

    assert next_request(pooled, inside_a_block) == ""
    assert next_request(pooled, refused) == ""  # the same session, not ignoring


def test_a_session_handed_back_after_a_transaction_carries_nothing(pooled):
    def in_a_transaction():
        with pgtrigger.ignore(GUARD), transaction.atomic():
            Guarded.objects.create(name="ignored")
            Guarded.objects.create(name="ignored too")

    assert next_request(pooled, in_a_transaction) == ""
    assert next_request(pooled, refused) == ""


def test_a_block_spanning_pool_checkouts_prepares_each(pooled):
    """Closing the Django connection inside a block gives the session back to the pool; the
    session checked out next is prepared at its first query too, in a transaction or not."""

    def body():
        wrapper = connections["default"]
        with pgtrigger.ignore(GUARD):
            with transaction.atomic():
                Guarded.objects.create(name="first session")
            wrapper.close()
            with transaction.atomic():
                Guarded.objects.create(name="second session")
            wrapper.close()
            Guarded.objects.create(name="third session, autocommit")
        refused()

    assert next_request(pooled, body) == ""
    with pgtrigger.ignore(GUARD):
        assert Guarded.objects.count() == 3
