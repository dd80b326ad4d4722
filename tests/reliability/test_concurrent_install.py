"""Installs racing on one database (app servers deploying at once) run one after the other.

Without the install lock, concurrent ``CREATE OR REPLACE FUNCTION``s of one outdated trigger's
function fail with "tuple concurrently updated". Each round makes the trigger outdated, then
starts the installs together (threads, each with its own connection); ``statement_timeout``
makes a deadlock fail the round instead of hanging it.

``PGTRIGGER_STRESS=1`` runs the long version (CI's embedded-PostgreSQL leg sets it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

import pgtrigger
from pgtrigger import installation
from tests.reliability.models import Account

pytestmark = pytest.mark.django_db(transaction=True)

URI = "reliability_tests.Account:account_fsm"
ROUNDS = 25 if os.environ.get("PGTRIGGER_STRESS") else 3
WORKERS = 4


def _pgid() -> str:
    ((model, trigger),) = pgtrigger.registered(URI)
    return trigger.get_pgid(model)


def _make_outdated() -> None:
    """A hand edit of the function: every install has the function and trigger to replace."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE OR REPLACE FUNCTION "{_pgid()}"() RETURNS TRIGGER AS $$ '
            "BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
        )


def _race(installs: list[Callable[[], None]]) -> list[str]:
    """Run ``installs`` at once, one connection each; the errors they raised."""
    barrier = threading.Barrier(len(installs))
    errors: list[str] = []

    def worker(install: Callable[[], None]) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = '20s'")
            barrier.wait(timeout=20)
            install()
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(install,)) for install in installs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "an install is stuck"
    return errors


def _installs() -> list[Callable[[], None]]:
    """``pgtrigger install URI``, full installs and install-on-migrate, mixed."""
    kinds: list[Callable[[], None]] = [
        lambda: pgtrigger.install(URI),
        lambda: installation.install_present(),
        lambda: pgtrigger.install(),
    ]
    return [kinds[i % len(kinds)] for i in range(WORKERS)]


def test_concurrent_installs_of_an_outdated_trigger_all_succeed():
    Account.objects.create()  # the table is in use, as in production
    for round_ in range(ROUNDS):
        _make_outdated()
        assert installation.status(URI)[0].status == installation.Status.OUTDATED
        errors = _race(_installs())
        assert errors == [], f"round {round_}: {errors}"
        assert installation.status(URI)[0].status == installation.Status.INSTALLED


def test_an_install_that_waited_sends_nothing_when_the_other_installed_it():
    """The catalog is read again under the lock: the second install has nothing left to do."""
    _make_outdated()
    batches: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if str(sql).lstrip().upper().startswith(("CREATE", "DO", "DROP", "ALTER", "COMMENT")):
            batches.append(str(sql))
        return execute(sql, params, many, context)

    def install_recording() -> None:
        with connection.execute_wrapper(record):
            pgtrigger.install(URI)

    assert _race([install_recording, install_recording]) == []
    # One of the two sent the batch; the other found the trigger installed.
    assert len(batches) == 1
    assert installation.status(URI)[0].status == installation.Status.INSTALLED
