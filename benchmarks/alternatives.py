"""pgtrigger recipes against the app-level libraries a user would otherwise pick.

SoftDelete vs django-safedelete (queryset delete), FSM vs django-fsm-2 (transitions), on the
same number of rows. Each variant runs in a rolled-back transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import transaction

import pgtrigger
from benchmarks import models, timing


def _rolled_back(action: Callable[[], object], setup: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        with transaction.atomic():
            setup()
            start = time.perf_counter()
            action()
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        return elapsed

    return run


def run(app_rows: int, rounds: int) -> tuple[str, bool]:
    if models.SafeDeleteModel is None:
        return "\nApp-level alternatives: skipped (pip install django-pgtrigger[bench])", True
    m = models
    soft = pgtrigger.SoftDelete(name="bench_soft", field="is_active")
    fsm = pgtrigger.FSM(name="bench_fsm_alt", field="status", transitions=[("draft", "published")])
    soft.install(m.TriggerSoftDeleted)
    fsm.install(m.TriggerFsmDocument)

    def fill(model: type) -> Callable[[], object]:
        return lambda: model.objects.bulk_create([model() for _ in range(app_rows)])

    def fsm_2_transitions() -> None:
        for doc in m.FsmDocument.objects.all():
            doc.publish()
            doc.save()

    def trigger_per_object() -> None:
        for doc in m.TriggerFsmDocument.objects.all():
            doc.status = "published"
            doc.save()

    def trigger_transitions() -> None:
        # FSM.transition(): locked read of the stored state, Python check, one-column save.
        for doc in m.TriggerFsmDocument.objects.all():
            fsm.transition(doc, "published")

    variants = {
        "django-safedelete queryset.delete()": _rolled_back(
            lambda: m.SafeDeleted.objects.all().delete(), fill(m.SafeDeleted)
        ),
        "pgtrigger.SoftDelete queryset.delete()": _rolled_back(
            lambda: m.TriggerSoftDeleted.objects.all().delete(), fill(m.TriggerSoftDeleted)
        ),
        "django-fsm-2 transition + save() per row": _rolled_back(
            fsm_2_transitions, fill(m.FsmDocument)
        ),
        "pgtrigger.FSM save() per row": _rolled_back(
            trigger_per_object, fill(m.TriggerFsmDocument)
        ),
        "pgtrigger.FSM.transition() per row": _rolled_back(
            trigger_transitions, fill(m.TriggerFsmDocument)
        ),
        "pgtrigger.FSM one bulk update()": _rolled_back(
            lambda: m.TriggerFsmDocument.objects.update(status="published"),
            fill(m.TriggerFsmDocument),
        ),
    }
    try:
        medians = timing.measure(variants, rounds)
    finally:
        soft.uninstall(m.TriggerSoftDeleted)
        fsm.uninstall(m.TriggerFsmDocument)
    base = {
        "django-safedelete queryset.delete()": "django-safedelete queryset.delete()",
        "pgtrigger.SoftDelete queryset.delete()": "django-safedelete queryset.delete()",
    }
    rows = []
    for name, seconds in medians.items():
        reference = base.get(name, "django-fsm-2 transition + save() per row")
        rows.append([name, f"{seconds * 1000:.0f}", f"{seconds / medians[reference]:.2f}x"])
    report = timing.table(
        f"App-level alternatives: {app_rows:,} rows, median of {rounds} rounds (ms); ratio vs "
        "the library's own approach",
        rows,
        ["variant", "ms", "ratio"],
    )
    return report, True
