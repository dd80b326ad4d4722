"""``TrackChanges`` on a real database."""

import pytest

import pgtrigger
from tests.contrib import models

pytestmark = pytest.mark.django_db


def test_track_changes_records_changed_fields_with_one_statement():
    rows = models.Tracked.objects.bulk_create([models.Tracked() for _ in range(3)])
    models.Tracked.objects.update(status="paid", untracked=9)
    models.Tracked.objects.filter(pk=rows[0].pk).update(price="9.50")
    events = list(
        models.Change.objects.order_by("id").values_list(
            "object_pk", "field", "old_value", "new_value"
        )
    )
    assert events[:3] == [(str(r.pk), "status", "new", "paid") for r in rows]
    assert events[3:] == [(str(rows[0].pk), "price", 0.0, 9.5)]
    assert all(c.changed_at for c in models.Change.objects.all())


def test_track_changes_runs_one_function_call_per_bulk_update(run_sql):
    ((model, trigger),) = pgtrigger.registered("contrib_tests.Tracked:track_changes")
    assert model is models.Tracked
    pgid = trigger.get_pgid(model)
    models.Tracked.objects.bulk_create([models.Tracked() for _ in range(3)])
    run_sql("SET LOCAL track_functions = 'pl'")  # undone by the test transaction's rollback

    def calls():
        rows = run_sql("SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = %s", [pgid])
        return rows[0][0] if rows else 0

    assert calls() == 0
    assert models.Tracked.objects.update(status="paid") == 3
    assert calls() == 1
    assert models.Tracked.objects.update(status="shipped") == 3
    assert calls() == 2
    assert models.Change.objects.filter(field="status").count() == 6


def test_track_changes_ignore_suppresses_events():
    row = models.Tracked.objects.create()
    with pgtrigger.ignore("contrib_tests.Tracked:track_changes"):
        models.Tracked.objects.update(status="quiet", price="1.00")
    assert not models.Change.objects.exists()
    models.Tracked.objects.update(status="loud")
    assert list(
        models.Change.objects.values_list("object_pk", "field", "old_value", "new_value")
    ) == [(str(row.pk), "status", "quiet", "loud")]
