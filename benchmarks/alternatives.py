"""pgtrigger recipes against the app-level libraries a user would otherwise pick.

SoftDelete vs django-safedelete (queryset delete, cascading delete of parents with 10 children
each, undelete), FSM vs django-fsm-2 (transitions), TrackChanges vs django-simple-history
(history of an update of every row: the bulk update it does not record, and the save() loop
it needs), on the same number of rows. Each variant runs in a rolled-back transaction, but the FSM
rows marked "autocommit", which commit each transition (their rows are deleted after).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction

import pgtrigger
from benchmarks import models, timing
from pgtrigger import registry

FSM_2 = "django-fsm-2 transition + save() per row, in atomic()"
FSM_2_AUTOCOMMIT = "django-fsm-2 transition + save() per row, autocommit"


def _rolled_back(
    action: Callable[[], object],
    setup: Callable[[], object],
    after: Callable[[], object] | None = None,
) -> Callable[[], float]:
    """``action`` timed after ``setup``; ``after`` (untimed) sees its effects before rollback."""

    def run() -> float:
        with transaction.atomic():
            setup()
            start = time.perf_counter()
            action()
            elapsed = time.perf_counter() - start
            if after is not None:
                after()
            transaction.set_rollback(True)
        return elapsed

    return run


def _committed(
    action: Callable[[], object], setup: Callable[[], object], model: type
) -> Callable[[], float]:
    """``action`` timed in autocommit mode after ``setup``; ``model``'s rows deleted after."""

    def run() -> float:
        setup()
        try:
            start = time.perf_counter()
            action()
            return time.perf_counter() - start
        finally:
            with pgtrigger.ignore():
                model.objects.all().delete()

    return run


def run(app_rows: int, rounds: int) -> tuple[str, bool]:
    if models.SafeDeleteModel is None:
        return "\nApp-level alternatives: skipped (pip install django-pgtrigger[bench])", True
    m = models
    soft = pgtrigger.SoftDelete(name="bench_soft", field="is_active")
    fsm = pgtrigger.FSM(name="bench_fsm_alt", field="status", transitions=[("draft", "published")])
    # cascade=True and SoftDeleteQuerySet find SoftDelete among the registered triggers.
    parent_soft = pgtrigger.SoftDelete(name="bench_parent_soft", field="is_active", cascade=True)
    child_soft = pgtrigger.SoftDelete(name="bench_child_soft", field="is_active")
    registry.add(m.TriggerChild, child_soft)
    registry.add(m.TriggerSoftDeleted, soft)  # for SoftDeleteQuerySet
    soft.install(m.TriggerSoftDeleted)
    fsm.install(m.TriggerFsmDocument)
    child_soft.install(m.TriggerChild)
    parent_soft.install(m.TriggerParent)
    parents = max(app_rows // 10, 1)

    def fill(model: type) -> Callable[[], object]:
        return lambda: model.objects.bulk_create([model() for _ in range(app_rows)])

    def family(parent: type, child: type) -> Callable[[], object]:
        def fill_family() -> None:
            created = parent.objects.bulk_create([parent() for _ in range(parents)])
            child.objects.bulk_create([child(parent=p) for p in created for _ in range(10)])

        return fill_family

    def deleted(model: type) -> Callable[[], object]:
        def fill_deleted() -> None:
            fill(model)()
            model.objects.all().delete()

        return fill_deleted

    def raw_delete(model: type) -> Callable[[], object]:
        def delete() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f'DELETE FROM "{model._meta.db_table}"')

        return delete

    def fsm_2_transitions() -> None:
        for doc in m.FsmDocument.objects.all():
            doc.publish()
            doc.save()

    def trigger_per_object() -> None:
        for doc in m.TriggerFsmDocument.objects.all():
            doc.status = "published"
            doc.save()

    def trigger_transitions() -> None:
        # FSM.transition(): one UPDATE guarded by the allowed sources, RETURNING the state.
        for doc in m.TriggerFsmDocument.objects.all():
            fsm.transition(doc, "published")

    variants = {
        "django-safedelete queryset.delete()": _rolled_back(
            lambda: m.SafeDeleted.objects.all().delete(), fill(m.SafeDeleted)
        ),
        "pgtrigger.SoftDelete queryset.delete()": _rolled_back(
            lambda: m.TriggerSoftDeleted.objects.all().delete(), fill(m.TriggerSoftDeleted)
        ),
        "django-safedelete cascade: parents' queryset.delete()": _rolled_back(
            lambda: m.SafeParent.objects.all().delete(), family(m.SafeParent, m.SafeChild)
        ),
        "pgtrigger.SoftDelete(cascade=True) parents' queryset.delete()": _rolled_back(
            lambda: m.TriggerParent.objects.all().delete(), family(m.TriggerParent, m.TriggerChild)
        ),
        "pgtrigger.SoftDelete(cascade=True) one SQL DELETE of the parents": _rolled_back(
            raw_delete(m.TriggerParent), family(m.TriggerParent, m.TriggerChild)
        ),
        "django-safedelete queryset.undelete()": _rolled_back(
            lambda: m.SafeDeleted.all_objects.all().undelete(), deleted(m.SafeDeleted)
        ),
        "pgtrigger SoftDeleteQuerySet.undelete()": _rolled_back(
            lambda: pgtrigger.SoftDeleteQuerySet(model=m.TriggerSoftDeleted).undelete(),
            deleted(m.TriggerSoftDeleted),
        ),
        FSM_2: _rolled_back(fsm_2_transitions, fill(m.FsmDocument)),
        "pgtrigger.FSM save() per row, in atomic()": _rolled_back(
            trigger_per_object, fill(m.TriggerFsmDocument)
        ),
        "pgtrigger.FSM.transition() per row, in atomic()": _rolled_back(
            trigger_transitions, fill(m.TriggerFsmDocument)
        ),
        FSM_2_AUTOCOMMIT: _committed(fsm_2_transitions, fill(m.FsmDocument), m.FsmDocument),
        "pgtrigger.FSM.transition() per row, autocommit": _committed(
            trigger_transitions, fill(m.TriggerFsmDocument), m.TriggerFsmDocument
        ),
        "pgtrigger.FSM one bulk update()": _rolled_back(
            lambda: m.TriggerFsmDocument.objects.update(status="published"),
            fill(m.TriggerFsmDocument),
        ),
    }
    history_rows: dict[str, int] = {}
    track = pgtrigger.TrackChanges(name="bench_track_alt", fields=["n"], to=m.Change)
    if m.HistoricalRecords is not None:
        track.install(m.TrackedRow)

        def history_count(name: str, model: type) -> Callable[[], object]:
            # The history rows the timed action wrote (the last round's count is reported).
            return lambda: history_rows.__setitem__(name, model.objects.count())

        def emptied(model: type, history_model: type) -> Callable[[], object]:
            # Rows of earlier benchmarks in the history table would be counted (rolled back).
            return lambda: (history_model.objects.all().delete(), fill(model)())

        def simple_history_saves() -> None:
            for row in m.SimpleHistoryRow.objects.all():
                row.n = 1
                row.save()

        history = m.SimpleHistoryRow.history.model
        variants.update(
            {
                "django-simple-history save() per row": _rolled_back(
                    simple_history_saves,
                    emptied(m.SimpleHistoryRow, history),
                    history_count("django-simple-history save() per row", history),
                ),
                "django-simple-history one bulk update()": _rolled_back(
                    lambda: m.SimpleHistoryRow.objects.update(n=1),
                    emptied(m.SimpleHistoryRow, history),
                    history_count("django-simple-history one bulk update()", history),
                ),
                "pgtrigger.TrackChanges one bulk update()": _rolled_back(
                    lambda: m.TrackedRow.objects.update(n=1),
                    emptied(m.TrackedRow, m.Change),
                    history_count("pgtrigger.TrackChanges one bulk update()", m.Change),
                ),
            }
        )
    try:
        medians = timing.measure(variants, rounds)
    finally:
        if m.HistoricalRecords is not None:
            track.uninstall(m.TrackedRow)
        soft.uninstall(m.TriggerSoftDeleted)
        fsm.uninstall(m.TriggerFsmDocument)
        parent_soft.uninstall(m.TriggerParent)
        child_soft.uninstall(m.TriggerChild)
        registry.remove(m.TriggerChild, child_soft)
        registry.remove(m.TriggerSoftDeleted, soft)
    base = {
        "django-safedelete queryset.delete()": "django-safedelete queryset.delete()",
        "pgtrigger.SoftDelete queryset.delete()": "django-safedelete queryset.delete()",
        "django-safedelete queryset.undelete()": "django-safedelete queryset.undelete()",
        "pgtrigger SoftDeleteQuerySet.undelete()": "django-safedelete queryset.undelete()",
    }
    cascade = "django-safedelete cascade: parents' queryset.delete()"
    base.update({name: cascade for name in medians if "cascade" in name})
    base.update({name: "django-simple-history save() per row" for name in history_rows})
    base.update({name: FSM_2_AUTOCOMMIT for name in medians if name.endswith("autocommit")})
    rows = []
    for name, seconds in medians.items():
        reference = base.get(name, FSM_2)
        recorded = f"{history_rows[name]:,}" if name in history_rows else ""
        rows.append(
            [name, f"{seconds * 1000:.0f}", f"{seconds / medians[reference]:.2f}x", recorded]
        )
    report = timing.table(
        f"App-level alternatives: {app_rows:,} rows, median of {rounds} rounds (ms); ratio vs "
        "the library's own approach; history rows the update wrote",
        rows,
        ["variant", "ms", "ratio", "history"],
    )
    return report, True
