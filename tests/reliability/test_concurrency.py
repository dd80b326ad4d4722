"""Two connections racing FSM transitions and soft deletes: only valid outcomes commit."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, connections, transaction

from tests.reliability.models import Account

pytestmark = pytest.mark.django_db(transaction=True)


def race(first: Callable[[], None], second: Callable[[], None]) -> dict[str, str]:
    """Run ``first`` then, while its transaction holds the row, ``second``; report outcomes.

    ``first`` commits only after ``second`` has started (and blocked on the row lock), so the
    second statement re-checks its trigger against the committed row.
    """
    started = threading.Event()
    outcomes: dict[str, str] = {}

    def worker(name: str, action: Callable[[], None], before_commit: Callable[[], None]) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '10s'")
                action()
                before_commit()
            outcomes[name] = "committed"
        except DatabaseError as exc:
            outcomes[name] = str(exc).splitlines()[0]
        finally:
            connections.close_all()

    def wait_for_second() -> None:
        started.wait(10)
        threading.Event().wait(0.3)  # let the second statement reach the row lock

    a = threading.Thread(target=worker, args=("first", first, wait_for_second))
    b = threading.Thread(
        target=worker, args=("second", lambda: (started.set(), second()), lambda: None)
    )
    a.start()
    threading.Event().wait(0.1)
    b.start()
    a.join(30)
    b.join(30)
    assert not a.is_alive() and not b.is_alive(), "a worker is stuck"
    return outcomes


def update_status(pk: int, status: str) -> Callable[[], None]:
    return lambda: Account.objects.filter(pk=pk).update(status=status)


def test_conflicting_transitions_only_the_valid_one_commits():
    pk = Account.objects.create(status="open").pk
    outcomes = race(update_status(pk, "closed"), update_status(pk, "frozen"))
    assert outcomes["first"] == "committed"
    assert "Invalid transition of field \"status\" from 'closed' to 'frozen'" in outcomes["second"]
    assert Account.objects.get(pk=pk).status == "closed"
    with connection.cursor() as cursor:  # nothing left waiting
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        assert cursor.fetchone() == (0,)


def test_compatible_transitions_both_commit_in_order():
    pk = Account.objects.create(status="open").pk
    outcomes = race(update_status(pk, "frozen"), update_status(pk, "closed"))
    assert outcomes == {"first": "committed", "second": "committed"}
    assert Account.objects.get(pk=pk).status == "closed"


def test_soft_delete_racing_an_update_loses_no_row():
    pk = Account.objects.create(balance=10).pk
    outcomes = race(
        lambda: Account.objects.filter(pk=pk).delete(),
        lambda: Account.objects.filter(pk=pk).update(balance=20),
    )
    assert outcomes == {"first": "committed", "second": "committed"}
    account = Account.objects.get(pk=pk)
    assert (account.is_active, account.balance) == (False, 20)


def test_two_soft_deletes_keep_the_row():
    pk = Account.objects.create().pk
    outcomes = race(
        lambda: Account.objects.filter(pk=pk).delete(),
        lambda: Account.objects.filter(pk=pk).delete(),
    )
    assert outcomes == {"first": "committed", "second": "committed"}
    assert Account.objects.filter(pk=pk, is_active=False).count() == 1


def test_fsm_transition_waits_for_the_row_and_refuses_in_python():
    """Both load the row as "open"; the second ``FSM.transition()`` blocks on the first's lock,
    then reads the committed "closed" and refuses before sending its ``UPDATE``."""
    import pgtrigger

    pk = Account.objects.create(status="open").pk
    fsm = pgtrigger.FSM.get(Account, "status")
    first, second = Account.objects.get(pk=pk), Account.objects.get(pk=pk)
    refused: list[pgtrigger.TransitionNotAllowed] = []

    def second_transition() -> None:
        try:
            fsm.transition(second, "frozen")
        except pgtrigger.TransitionNotAllowed as exc:
            refused.append(exc)

    outcomes = race(lambda: fsm.transition(first, "closed"), second_transition)
    assert outcomes == {"first": "committed", "second": "committed"}
    (exc,) = refused
    assert (exc.source, exc.target) == ("closed", "frozen")
    assert "the database holds 'closed'; the instance holds 'open' in memory" in str(exc)
    assert (second.status, Account.objects.get(pk=pk).status) == ("open", "closed")
