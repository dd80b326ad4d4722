"""pytest plugin (``pytest11`` entry point ``pgtrigger``), for projects tested with pytest-django.

- When a test database is created without migrations (``--nomigrations``, or an alias with
  ``DATABASES[...]["TEST"]["MIGRATE"] = False``), the registered triggers are installed once
  pytest-django's ``django_db_setup`` has created it, whatever created the tables.
- ``@pytest.mark.pgtrigger_ignore("app.Model:name", ...)`` ignores triggers for a whole test
  (its fixtures included); with no URI, every trigger.
- The ``pgtrigger_ignore`` fixture is a function: ``pgtrigger_ignore("app.Model:name")`` ignores
  triggers from that call to the end of the test.

Disable it with ``-p no:pgtrigger``. Outside a pytest-django session it does nothing.
Everything from Django and pgtrigger is imported lazily: the plugin loads before settings are.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pgtrigger.registry import Selector

MARKER = "pgtrigger_ignore"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*uris): ignore these pgtrigger triggers (all when none given) in the test.",
    )


def _without_migrations(nomigrations: bool) -> list[str]:
    """PostgreSQL aliases whose test database this run created without migrations.

    An alias that pytest-django did not set up still points at its real database (its NAME is
    not the test database's): it is never touched. Mirrors share another alias's database.
    """
    from django.db import connections

    aliases = []
    for alias in connections:
        connection = connections[alias]
        test = connection.settings_dict.get("TEST") or {}
        if connection.vendor != "postgresql" or test.get("MIRROR"):
            continue
        if not nomigrations and test.get("MIGRATE", True) is not False:
            continue
        test_name = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
        if connection.settings_dict["NAME"] != test_name:
            continue
        aliases.append(alias)
    return aliases


def install_without_migrations(aliases: Iterable[str]) -> None:
    """Install the triggers of every existing table in each alias (a full install's work)."""
    from pgtrigger import installation

    for alias in aliases:
        installation.install_present(database=alias)


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Generator[None, Any, None]:
    """After ``django_db_setup`` (pytest-django's or a project's override), install triggers.

    A hook rather than a fixture override, so a project that overrides ``django_db_setup``
    in its conftest still gets the triggers.
    """
    outcome = yield
    if fixturedef.argname != "django_db_setup" or outcome.excinfo is not None:
        return
    # pytest-django's own answer to --nomigrations/--migrations (a project may override it).
    nomigrations = not request.getfixturevalue("django_db_use_migrations")
    aliases = _without_migrations(nomigrations)
    if aliases:
        with request.getfixturevalue("django_db_blocker").unblock():
            install_without_migrations(aliases)


@contextlib.contextmanager
def _unblocked_exit(request: pytest.FixtureRequest) -> Generator[contextlib.ExitStack, None, None]:
    """An exit stack closed with database access allowed.

    Leaving ``pgtrigger.ignore`` may put back a connection's session settings, and this
    fixture's teardown can run after pytest-django blocked database access again.
    """
    try:
        unblock = request.getfixturevalue("django_db_blocker").unblock
    except pytest.FixtureLookupError:  # no pytest-django: no blocker to lift
        unblock = contextlib.nullcontext
    stack = contextlib.ExitStack()
    try:
        yield stack
    finally:
        with unblock():
            stack.close()


@pytest.fixture(autouse=True)
def _pgtrigger_ignore_marker(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Apply ``@pytest.mark.pgtrigger_ignore`` markers (nothing to do for other tests)."""
    markers = list(request.node.iter_markers(MARKER))
    if not markers:
        yield
        return
    import pgtrigger

    with _unblocked_exit(request) as stack:
        for marker in markers:
            stack.enter_context(pgtrigger.ignore(*marker.args, **marker.kwargs))
        yield


@pytest.fixture
def pgtrigger_ignore(
    request: pytest.FixtureRequest,
) -> Generator[Callable[..., None], None, None]:
    """``pgtrigger_ignore(*uris, tags=(), databases=None)`` ignores triggers until the test
    ends; it selects triggers as ``pgtrigger.ignore`` does (URIs, classes, patterns, tags)."""
    import pgtrigger

    with _unblocked_exit(request) as stack:

        def ignore(
            *uris: Selector, tags: Iterable[str] = (), databases: Iterable[str] | None = None
        ) -> None:
            stack.enter_context(pgtrigger.ignore(*uris, tags=tags, databases=databases))

        yield ignore
