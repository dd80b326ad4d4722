"""SoftDelete cascades under concurrent writers, on two real connections.

The invariant: once the writers commit, a soft-deleted row has no alive row below it along
the foreign keys its ``cascade=True`` follows. A child inserted, restored or moved under a
parent whose delete commits first is refused (``PGT07``); a child that commits first is
reached by the parent's cascade. Every connection has a ``statement_timeout``: a deadlock or
a lock wait that never ends fails the test instead of hanging it.

``PGTRIGGER_STRESS=1`` (set by ``.ci/run``) turns on the long randomised runs (``stress``).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections

from pgtrigger import errors
from tests.contrib import models as m

pytestmark = pytest.mark.django_db(transaction=True)

PARENT = f'"{m.SoftParent._meta.db_table}"'
CHILD = f'"{m.SoftChild._meta.db_table}"'
GRANDCHILD = f'"{m.SoftGrandchild._meta.db_table}"'
DEADLOCK, SERIALIZATION = "40P01", "40001"


class Conn:
    """A raw driver connection (psycopg 3 or psycopg2) in autocommit, BEGIN/COMMIT by hand."""

    def __init__(self) -> None:
        self.raw = connection.Database.connect(**connection.get_connection_params())
        self.raw.autocommit = True
        self.pid = self.one("SELECT pg_backend_pid()")
        self.run("SET statement_timeout = '10s'")

    def run(self, statement: str, params: Any = ()) -> int:
        with self.raw.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount

    def one(self, statement: str, params: Any = ()) -> Any:
        with self.raw.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchone()[0]

    def close(self) -> None:
        self.raw.close()


@pytest.fixture
def conns() -> Iterator[Callable[[], Conn]]:
    opened: list[Conn] = []

    def make() -> Conn:
        opened.append(Conn())
        return opened[-1]

    yield make
    for conn in opened:
        conn.close()


def sqlstate(exc: BaseException) -> str | None:
    return getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)


class Background:
    """Run ``statements`` on ``conn`` in a thread; the outcome is "ok" or the SQLSTATE."""

    def __init__(self, conn: Conn, *statements: tuple[str, Any]) -> None:
        self.conn, self.outcome = conn, None
        self.thread = threading.Thread(target=self._run, args=(statements,))
        self.thread.start()

    def _run(self, statements: tuple[tuple[str, Any], ...]) -> None:
        try:
            for statement, params in statements:
                self.conn.run(statement, params)
            self.outcome = "ok"
        except Exception as exc:  # a driver error: report its SQLSTATE
            self.outcome = sqlstate(exc) or repr(exc)
            self.conn.run("ROLLBACK")

    def blocked(self, observer: Conn, seconds: float = 3.0) -> bool:
        """Whether the thread waits on a lock (False once it finished or after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.thread.is_alive():
            if observer.one("SELECT cardinality(pg_blocking_pids(%s))", [self.conn.pid]):
                return True
            time.sleep(0.02)
        return False

    def join(self) -> str:
        self.thread.join(30)
        assert not self.thread.is_alive(), "a writer is stuck"
        assert self.outcome is not None
        return self.outcome


def alive_under_deleted(conn: Conn) -> int:
    """Rows that break the invariant: alive children of deleted parents, and so on down."""
    return conn.one(
        f"SELECT (SELECT count(*) FROM {CHILD} c JOIN {PARENT} p ON p.id = c.parent_id"
        "         WHERE NOT p.is_active AND c.deleted_at IS NULL)"
        f"     + (SELECT count(*) FROM {GRANDCHILD} g JOIN {CHILD} c ON c.id = g.child_id"
        "         WHERE c.deleted_at IS NOT NULL AND g.status <> 'gone')"
    )


def family(conn: Conn, children: int = 1) -> tuple[int, list[int]]:
    parent = conn.one(
        f"INSERT INTO {PARENT} (name, is_active) VALUES (%s, true) RETURNING id",
        [f"p{random.random()}"],
    )
    kids = [
        conn.one(f"INSERT INTO {CHILD} (parent_id) VALUES (%s) RETURNING id", [parent])
        for _ in range(children)
    ]
    for kid in kids:
        conn.run(f"INSERT INTO {GRANDCHILD} (child_id, status) VALUES (%s, 'active')", [kid])
    return parent, kids


INSERT_CHILD = f"INSERT INTO {CHILD} (parent_id) VALUES (%s)"
DELETE_PARENT = f"DELETE FROM {PARENT} WHERE id = %s"
UNDELETE_CHILDREN = f"UPDATE {CHILD} SET deleted_at = NULL WHERE parent_id = %s"


def test_a_child_inserted_while_its_parent_is_deleted_is_refused(conns):
    deleter, inserter, observer = conns(), conns(), conns()
    parent, _ = family(observer)
    deleter.run("BEGIN")
    deleter.run(DELETE_PARENT, [parent])
    insert = Background(inserter, ("BEGIN", ()), (INSERT_CHILD, [parent]), ("COMMIT", ()))
    assert insert.blocked(observer)  # the key-share lock waits for the delete to commit
    deleter.run("COMMIT")
    assert insert.join() == errors.SOFT_DELETED_PARENT
    assert alive_under_deleted(observer) == 0


def test_a_child_inserted_before_its_parent_is_deleted_is_cascaded_to(conns):
    deleter, inserter, observer = conns(), conns(), conns()
    parent, _ = family(observer)
    inserter.run("BEGIN")
    inserter.run(INSERT_CHILD, [parent])
    delete = Background(deleter, (DELETE_PARENT, [parent]))
    assert delete.blocked(observer)
    inserter.run("COMMIT")
    assert delete.join() == "ok"
    assert observer.one(f"SELECT count(*) FROM {CHILD} WHERE deleted_at IS NULL") == 0
    assert alive_under_deleted(observer) == 0


def test_undelete_as_the_docs_show_it_against_a_delete_in_between(conns):
    """The parent restored, then its delete committed, then the children restored: refused."""
    deleter, restorer, observer = conns(), conns(), conns()
    parent, _ = family(observer, children=2)
    observer.run(DELETE_PARENT, [parent])
    restorer.run(f"UPDATE {PARENT} SET is_active = true WHERE id = %s", [parent])
    deleter.run("BEGIN")
    deleter.run(DELETE_PARENT, [parent])
    undelete = Background(restorer, (UNDELETE_CHILDREN, [parent]))
    assert undelete.blocked(observer)
    deleter.run("COMMIT")
    assert undelete.join() == errors.SOFT_DELETED_PARENT
    assert alive_under_deleted(observer) == 0


def test_undelete_in_one_transaction_then_a_delete(conns):
    """Parent and children restored in one transaction: the delete waits, then cascades."""
    deleter, restorer, observer = conns(), conns(), conns()
    parent, _ = family(observer, children=2)
    observer.run(DELETE_PARENT, [parent])
    restorer.run("BEGIN")
    restorer.run(f"UPDATE {PARENT} SET is_active = true WHERE id = %s", [parent])
    restorer.run(UNDELETE_CHILDREN, [parent])
    delete = Background(deleter, (DELETE_PARENT, [parent]))
    assert delete.blocked(observer)
    restorer.run("COMMIT")
    assert delete.join() == "ok"
    assert observer.one(f"SELECT count(*) FROM {CHILD} WHERE deleted_at IS NULL") == 0
    assert alive_under_deleted(observer) == 0


def test_undelete_locks_the_parents_before_the_rows(conns):
    """undelete() waits for the parent's delete before it locks a child: a SQL delete, which
    locks the parent and then its children, cannot deadlock with it."""
    deleter, observer = conns(), conns()
    parent, _ = family(observer, children=2)
    observer.run(DELETE_PARENT, [parent])
    observer.run(f"UPDATE {PARENT} SET is_active = true WHERE id = %s", [parent])
    deleter.run("BEGIN")
    deleter.run(DELETE_PARENT, [parent])
    outcome: list[BaseException | int] = []

    def undelete() -> None:
        try:
            outcome.append(m.SoftChild.objects.filter(parent_id=parent).undelete())
        except DatabaseError as exc:
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=undelete)
    thread.start()
    deadline = time.monotonic() + 5
    while not observer.one(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
        ["%FOR KEY SHARE%"],
    ):
        assert time.monotonic() < deadline, "undelete() did not wait for the parent"
        time.sleep(0.02)
    # It waits in the statement that locks the parent: it has not sent its UPDATE yet.
    deleter.run("COMMIT")
    thread.join(30)
    [result] = outcome
    assert isinstance(result, DatabaseError)
    assert errors.refused_by(result) == "contrib_tests.SoftChild:soft_delete"
    assert alive_under_deleted(observer) == 0


# --- Randomised races --------------------------------------------------------------------
def _deletes(parent: int, kids: list[int]) -> list[list[tuple[str, Any]]]:
    """Ways to delete the parent: SQL, and the statements Django's collector sends."""
    collector = [
        (f"DELETE FROM {GRANDCHILD} WHERE child_id = ANY(%s)", [kids]),
        (f"DELETE FROM {CHILD} WHERE id = ANY(%s)", [kids]),
        (DELETE_PARENT, [parent]),
    ]
    return [[(DELETE_PARENT, [parent])], collector]


def _writes(parent: int, kids: list[int]) -> list[list[tuple[str, Any]]]:
    """Writes that make rows alive below the parent: insert, restore, restore the family."""
    restore_parent = (f"UPDATE {PARENT} SET is_active = true WHERE id = %s", [parent])
    lock_parent = (f"SELECT 1 FROM {PARENT} WHERE id = %s FOR KEY SHARE", [parent])
    return [
        [(INSERT_CHILD, [parent])],
        [lock_parent, (UNDELETE_CHILDREN, [parent])],  # as undelete() does: parent first
        [restore_parent, (UNDELETE_CHILDREN, [parent])],
        [(f"UPDATE {GRANDCHILD} SET status = 'active' WHERE child_id = ANY(%s)", [kids])],
    ]


def race_once(make: Callable[[], Conn], observer: Conn, rng: random.Random) -> set[str]:
    parent, kids = family(observer, children=2)
    if rng.random() < 0.5:
        observer.run(DELETE_PARENT, [parent])  # start from a deleted family half the time
    first = rng.choice(_deletes(parent, kids))
    second = rng.choice(_writes(parent, kids))
    if rng.random() < 0.5:
        first, second = second, first
    writers = []
    for statements in (first, second):
        pause = [("SELECT pg_sleep(%s)", [rng.random() / 100])]
        writers.append(Background(make(), ("BEGIN", ()), *statements, *pause, ("COMMIT", ())))
    outcomes = {writer.join() for writer in writers}
    for writer in writers:
        writer.conn.close()
    assert alive_under_deleted(observer) == 0, outcomes
    return outcomes


def run_races(iterations: int) -> None:
    observer_conn = Conn()
    rng = random.Random(iterations)
    allowed = {"ok", errors.SOFT_DELETED_PARENT, DEADLOCK, SERIALIZATION}
    try:
        for _ in range(iterations):
            outcomes = race_once(Conn, observer_conn, rng)
            assert outcomes <= allowed, outcomes
    finally:
        observer_conn.close()


def test_random_races_hold_the_invariant():
    run_races(25)


@pytest.mark.stress
@pytest.mark.skipif(not os.environ.get("PGTRIGGER_STRESS"), reason="PGTRIGGER_STRESS=1 runs it")
def test_random_races_hold_the_invariant_long():
    run_races(600)
