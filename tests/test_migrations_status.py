"""Right after a clean ``migrate`` of the test settings, no trigger of any app is OUTDATED.

pytest-django builds the test database with ``migrate``, so the triggers in it are the ones the
apps' migration files installed; ``installation.status()`` compares them with what each
registered trigger (every recipe the test apps declare) compiles to today.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from pgtrigger import installation, registry
from pgtrigger.installation import Status


@pytest.mark.django_db
def test_no_trigger_is_outdated_after_migrate():
    statuses = installation.status()
    assert len([s for s in statuses if s.model is not None]) == len(registry.registered())
    outdated = [s.uri for s in statuses if s.status == Status.OUTDATED]
    assert outdated == [], f"installed by migrations but compiled differently now: {outdated}"
    assert [s.uri for s in statuses if s.status == Status.PRUNE] == []


@pytest.mark.django_db
def test_migration_files_are_up_to_date():
    """Otherwise the database above would lack triggers (UNINSTALLED), not show them OUTDATED."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
