"""What ignore() and schema() send, counted on the wire (a proxy in front of the server).

In autocommit mode each query carries its setting in the same round trip; inside a transaction
the setting is sent with the first query only, and again only after a savepoint rollback that
may have undone it; leaving a block sends nothing; nothing is ever set for the session.
"""

import re

import pytest
from django.db import DatabaseError, connections, transaction

import pgtrigger
from benchmarks.wire import WireCounter
from tests.runtime.models import Guarded, Parent
from tests.runtime.test_ignore import GUARD
from tests.runtime.test_pooler import BINDINGS

pytestmark = pytest.mark.django_db(transaction=True)

N = 20


@pytest.fixture(params=BINDINGS)
def wire(request, transactional_db):
    """This thread's default connection, through a counting proxy."""
    counter = WireCounter(connections["default"].settings_dict)
    original = connections["default"]
    wrapper = connections.create_connection("default")
    options = dict(wrapper.settings_dict["OPTIONS"])
    if request.param == "server-side binding":
        options["server_side_binding"] = True
    wrapper.settings_dict = {
        **counter.settings(wrapper.settings_dict),
        "NAME": original.settings_dict["NAME"],
        "OPTIONS": options,
    }
    connections["default"] = wrapper
    wrapper.ensure_connection()
    counter.reset()
    try:
        yield counter
    finally:
        wrapper.close()
        connections["default"] = original
        counter.close()


@pytest.fixture
def row():
    with pgtrigger.ignore(GUARD):
        return Guarded.objects.create(name="row").pk


def statements(messages):
    """The SQL statements of the client's messages (simple queries and Parse messages)."""
    found = []
    for kind, payload in messages:
        if kind == b"Q":
            found += payload.rstrip(b"\0").decode().split(";")
        elif kind == b"P":
            found += payload.split(b"\0")[1].decode().split(";")
    return [statement.strip() for statement in found if statement.strip()]


def count(wire, body):
    """Round trips and our statements sent while ``body`` runs."""
    wire.reset()
    body()
    sent = statements(wire.messages)
    # Never anything for the session: no set_config(..., false), no plain SET.
    assert not [s for s in sent if re.match(r"SET\s|.*set_config\([^)]*false\)", s, re.I)]
    return wire.round_trips, len([s for s in sent if s.startswith("SELECT set_config(")])


def updates(pk, n=N, table="runtime_tests_guarded"):
    """``n`` single-row updates of ``table`` (a protected table, or one without trigger)."""

    def run():
        for _ in range(n):
            with connections["default"].cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [pk])

    return run


def many(pk, table="runtime_tests_guarded"):
    with connections["default"].cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET id = id WHERE id = %s", [[pk], [pk]])


@pytest.fixture
def unprotected():
    return Parent.objects.create().pk


def test_autocommit_one_round_trip_per_query(wire, row, unprotected):
    def plain():
        updates(unprotected, table="runtime_tests_parent")()
        Parent.objects.filter(pk=unprotected).update(id=unprotected)
        many(unprotected, table="runtime_tests_parent")

    def ignoring():
        with pgtrigger.ignore(GUARD):
            updates(row)()
            Guarded.objects.filter(pk=row).update(name="orm")
            many(row)

    plain_round_trips, _ = count(wire, plain)
    round_trips, ours = count(wire, ignoring)
    # Each round trip carries the setting (executemany: one pipeline with psycopg 3).
    assert round_trips == plain_round_trips == ours
    with pytest.raises(DatabaseError, match="Cannot update rows"):
        updates(row, 1)()


def test_schema_in_autocommit_one_round_trip_per_query(wire):
    def in_schema():
        with pgtrigger.schema("pg_catalog"):
            for _ in range(N):
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM pg_class")

    assert count(wire, in_schema) == (N, N)


def test_leaving_a_block_sends_nothing(wire, row):
    block = pgtrigger.ignore(GUARD)
    block.__enter__()
    updates(row, 1)()
    with transaction.atomic():
        updates(row, 1)()
        assert count(wire, lambda: block.__exit__(None, None, None)) == (0, 0)
        with pytest.raises(DatabaseError, match="Cannot update rows"), transaction.atomic():
            updates(row, 1)()  # the value from before the block, put back with this query


def test_atomic_sends_the_setting_once_per_transaction(wire, row, unprotected):
    def plain():
        with transaction.atomic():
            updates(unprotected, table="runtime_tests_parent")()

    def ignoring():
        with transaction.atomic(), pgtrigger.ignore(GUARD):
            updates(row)()

    plain_round_trips, _ = count(wire, plain)
    assert count(wire, ignoring) == (plain_round_trips, 1)


def test_savepoint_rollback_resends_only_what_it_may_have_undone(wire, row):
    def body():
        with transaction.atomic(), pgtrigger.ignore(GUARD):
            # A savepoint made before the setting: rolling back to it undoes the setting.
            try:
                with transaction.atomic():
                    updates(row, 1)()  # sends it (1)
                    raise RuntimeError
            except RuntimeError:
                pass
            updates(row, 1)()  # sends it again (2)
            # A savepoint made after the setting: rolling back to it cannot undo it.
            try:
                with transaction.atomic():
                    updates(row, 1)()
                    raise RuntimeError
            except RuntimeError:
                pass
            updates(row, 1)()  # nothing to send
            # An error rolled back to a savepoint: the setting made before it holds.
            try:
                with transaction.atomic():
                    Guarded.objects.create(name="row")  # unique name: IntegrityError
            except DatabaseError:
                pass
            updates(row, 1)()
        with pytest.raises(DatabaseError, match="Cannot update rows"):
            updates(row, 1)()

    assert count(wire, body)[1] == 2


def test_named_cursor(wire, row):
    def read():
        with pgtrigger.ignore(GUARD):
            assert [g.pk for g in Guarded.objects.iterator(chunk_size=10)] == [row]

    plain_round_trips, _ = count(wire, lambda: list(Guarded.objects.iterator(chunk_size=10)))
    # Autocommit mode: BEGIN with the setting before the DECLARE, COMMIT after it.
    assert count(wire, read) == (plain_round_trips + 2, 1)

    def in_transaction():
        with transaction.atomic():
            read()
            read()

    def plain_transaction():
        with transaction.atomic():
            list(Guarded.objects.iterator(chunk_size=10))
            list(Guarded.objects.iterator(chunk_size=10))

    plain_round_trips, _ = count(wire, plain_transaction)
    # In a transaction: a separate statement, once.
    assert count(wire, in_transaction) == (plain_round_trips + 1, 1)
