"""The ignore check reads a trigger id in both spellings of the setting, and only that id.

This package sends ``{"id1","id2"}``; django-pgtrigger 4.17 (an app server not yet upgraded
during a rolling deploy) sends ``{tbl:id1,id1,tbl:id2,id2}``. The check must find an id in
either, and never inside a longer entry (one id can be a substring of another).
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtrigger
from pgtrigger.trigger import ignore_check_sql
from tests.runtime.models import Child, Guarded, Parent

PGID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-"
ids = st.text(PGID_CHARS, min_size=1, max_size=12).map(lambda s: f"pgtrigger_{s}")


def _checks(setting: str, pgids: list[str]) -> list[bool]:
    """What the check of each of ``pgids`` says (True: fire) with ``setting`` in place."""
    checks = ", ".join(f"({ignore_check_sql(pgid)})" for pgid in pgids)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [setting])
        cursor.execute(f"SELECT {checks}")
        return list(cursor.fetchone())


def _ours(entries: list[str]) -> str:
    return "{" + ",".join(f'"{entry}"' for entry in entries) + "}"


def _417(entries: list[str], table: str = "app_item") -> str:
    """As 4.17's ``ignore()`` sends it: ``table:pgid`` and ``pgid`` for each trigger."""
    return "{" + ",".join(f"{table}:{entry},{entry}" for entry in entries) + "}"


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(ignored=st.lists(ids, max_size=4), probes=st.lists(ids, min_size=1, max_size=4))
def test_the_check_matches_exactly_the_ids_listed_in_both_spellings(ignored, probes):
    # Probes made to be substrings and superstrings of the ignored ids, and the ids themselves.
    near = [p for i in ignored for p in (i, i[:-1], f"{i}x", f"x{i}", f"{i}-1")]
    pgids = list(dict.fromkeys(probes + near))
    expected = [pgid not in ignored for pgid in pgids]
    assert _checks(_ours(ignored), pgids) == expected
    assert _checks(_417(ignored), pgids) == expected


@pytest.mark.django_db
def test_table_entries_and_unset_values_do_not_ignore():
    pgid = "pgtrigger_guard_abcde"
    assert _checks("{app_item:pgtrigger_guard_abcde}", [pgid]) == [True]
    assert _checks(f"{{{pgid}:x}}", [pgid]) == [True]
    assert _checks("", [pgid]) == [True]
    # A quoted schema-qualified table, as 4.17 sends a db_table '"s"."t"'.
    assert _checks(f'{{"s"."t":{pgid},{pgid}}}', [pgid]) == [False]


def _delete_guarded_with_setting(value: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [value])
        cursor.execute("DELETE FROM runtime_tests_guarded")


@pytest.mark.django_db
def test_an_installed_trigger_honours_the_417_spelling():
    with pgtrigger.ignore("runtime_tests.Guarded:guard"):
        Guarded.objects.create(name="a")
    pgid = Guarded._meta.triggers[0].get_pgid(Guarded)
    with pytest.raises(DatabaseError, match="Cannot delete"):
        _delete_guarded_with_setting(_417([f"{pgid}0"]))
    _delete_guarded_with_setting(_417([pgid]))
    assert not Guarded.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_deferred_trigger_honours_the_417_spelling_when_it_fires():
    trigger = Child._meta.triggers[0]
    pgid = trigger.get_pgid(Child)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [_417([pgid])])
        cursor.execute("INSERT INTO runtime_tests_child (parent_id) VALUES (-1)")
    assert Child.objects.filter(parent_id=-1).exists()
    Child.objects.all().delete()
    assert Parent.objects.count() == 0


@pytest.mark.django_db
def test_an_instead_of_trigger_honours_both_spellings_in_its_body():
    from tests.models import TestModel, TestView

    trigger = pgtrigger.Trigger(
        name="view_guard",
        when=pgtrigger.InsteadOf,
        operation=pgtrigger.Insert,
        func="RAISE EXCEPTION 'view is read-only';",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW tests_testview AS SELECT id, char_field AS name FROM tests_testmodel"
        )
    trigger.install(TestView)
    pgid = trigger.get_pgid(TestView)
    insert = "INSERT INTO tests_testview (id, name) VALUES (1, 'x')"
    for setting in (_417([f"x{pgid}"]), _ours([f"{pgid}x"])):
        with pytest.raises(DatabaseError, match="view is read-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [setting])
                cursor.execute(insert)
    for setting in (_417([pgid]), _ours([pgid])):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [setting])
            cursor.execute(insert)
    assert TestModel.objects.count() == 0  # ignored: the rows went nowhere
