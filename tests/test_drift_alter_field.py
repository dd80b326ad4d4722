"""A column type change re-creates dependent triggers: still INSTALLED, drift still seen.

PostgreSQL renders the re-created ``WHEN`` clause for the new type (``varchar`` compared through
a ``::text`` cast, ``text`` without one): the schema editor records the new rendering's
fingerprint when the old one was as installed, and keeps a hand edit's mismatch otherwise.
"""

from __future__ import annotations

import pytest
from django.db import connection, models

import pgtrigger
from pgtrigger import installation
from pgtrigger.drift import Drift
from tests.models import ProtectedModel

pytestmark = pytest.mark.django_db

NAME_FROZEN = pgtrigger.Trigger(
    name="name_frozen",
    when=pgtrigger.Before,
    operation=pgtrigger.Update,
    condition=pgtrigger.Q(old__name="frozen"),
    func="RAISE EXCEPTION 'frozen';",
)


def _name_to_text() -> None:
    old = ProtectedModel._meta.get_field("name")
    new = models.TextField(default="")
    new.set_attributes_from_name("name")
    new.model = ProtectedModel
    with connection.schema_editor() as editor:
        editor.alter_field(ProtectedModel, old, new)


def _definition() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = %s",
            [NAME_FROZEN.get_pgid(ProtectedModel)],
        )
        return cursor.fetchone()[0]


def test_type_change_keeps_the_trigger_installed():
    NAME_FROZEN.install(ProtectedModel)
    assert "::text" in _definition()
    _name_to_text()
    assert "::text = 'frozen" not in _definition()  # rendered anew for the new type
    status = installation.trigger_status(ProtectedModel, NAME_FROZEN)
    assert (status.status, status.drift) == (installation.Status.INSTALLED, ())


def test_type_change_keeps_a_hand_edited_when_reported():
    NAME_FROZEN.install(ProtectedModel)
    pgid = NAME_FROZEN.get_pgid(ProtectedModel)
    table = ProtectedModel._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER "{pgid}" BEFORE UPDATE ON "{table}" FOR EACH ROW '
            f"WHEN (OLD.name = 'nothing') EXECUTE FUNCTION \"{pgid}\"()"
        )
    _name_to_text()
    status = installation.trigger_status(ProtectedModel, NAME_FROZEN)
    assert (status.status, status.drift) == (installation.Status.OUTDATED, (Drift.WHEN,))


def test_type_change_keeps_a_trigger_of_4x_layout_installed():
    """4.x's layout keeps the fingerprint on the function (its comment is 4.x's hash alone)."""
    legacy = NAME_FROZEN.compile_4x(ProtectedModel)
    assert legacy is not None
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(legacy.sql.install_sql(connection.pg_version)))
    status = installation.trigger_status(ProtectedModel, NAME_FROZEN)
    assert (status.status, status.drift) == (installation.Status.INSTALLED, ())
    _name_to_text()
    assert "::text = 'frozen" not in _definition()
    status = installation.trigger_status(ProtectedModel, NAME_FROZEN)
    assert (status.status, status.drift) == (installation.Status.INSTALLED, ())
    # The new rendering's fingerprint is on the function; the trigger's comment is still 4.x's
    # hash alone, which 4.17's ls reads.
    assert status.installed.fingerprint == status.installed.current_fingerprint
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(oid, 'pg_trigger') FROM pg_trigger WHERE tgname = %s",
            [NAME_FROZEN.get_pgid(ProtectedModel)],
        )
        assert cursor.fetchone()[0] == legacy.sql.hash
