"""Installation round trips and time for install, ls (status) and prune: 30 vs 300 models.

``install (no-op)`` runs install again with everything installed: it reads the catalog and
sends no DDL.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

import pgtrigger
from benchmarks import timing
from pgtrigger import installation

TRIGGERS_PER_MODEL = 3

Declared = list[tuple[type[models.Model], list[pgtrigger.Trigger]]]


def make_models(count: int, prefix: str) -> Declared:
    created = []
    for i in range(count):
        name = f"{prefix}{i}"
        model = type(
            name,
            (models.Model,),
            {
                "__module__": "benchmarks.models",
                "status": models.CharField(max_length=16, default="draft"),
                "n": models.IntegerField(default=0),
                "Meta": type("Meta", (), {"app_label": "benchmarks"}),
            },
        )
        triggers = [
            pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(name="read_only_status", fields=["status"]),
            pgtrigger.Trigger(
                name="touch",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("n"),
                func="RETURN NEW;",
            ),
        ]
        created.append((model, triggers))
    with connection.schema_editor() as editor:
        for model, _ in created:
            editor.create_model(model)
    return created


def drop_models(created: Declared) -> None:
    with connection.schema_editor() as editor:
        for model, triggers in created:
            for trigger in triggers:
                trigger.unregister(model)
            editor.delete_model(model)
            apps.all_models["benchmarks"].pop(model._meta.model_name, None)
    apps.clear_cache()


def measure_calls(created: Declared) -> dict[str, tuple[int, float]]:
    for model, triggers in created:
        for trigger in triggers:
            trigger.register(model)
    results = {}
    for label, call in (
        ("install", pgtrigger.install),
        ("install (no-op)", pgtrigger.install),
        ("ls", installation.status),
        ("prune", pgtrigger.prune),
    ):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            call()
            elapsed = time.perf_counter() - start
        results[label] = (len(ctx.captured_queries), elapsed)
    for model, triggers in created:
        for trigger in triggers:
            trigger.unregister(model)
    return results


def run(model_counts: tuple[int, int]) -> tuple[str, bool]:
    small_count, large_count = model_counts
    rows, ok = [], True
    per_size = {}
    for count, prefix in ((small_count, "Small"), (large_count, "Large")):
        created = make_models(count, prefix)
        try:
            per_size[count] = measure_calls(created)
        finally:
            drop_models(created)
    for label in ("install", "install (no-op)", "ls", "prune"):
        small_q, small_t = per_size[small_count][label]
        large_q, large_t = per_size[large_count][label]
        constant = small_q == large_q
        ok &= constant
        rows.append(
            [
                label,
                str(small_q),
                str(large_q),
                f"{small_t * 1000:.0f}",
                f"{large_t * 1000:.0f}",
                "yes" if constant else "NO",
            ]
        )
    report = timing.table(
        f"Installation: {small_count} vs {large_count} models x {TRIGGERS_PER_MODEL} triggers",
        rows,
        [
            "call",
            f"queries ({small_count})",
            f"queries ({large_count})",
            f"ms ({small_count})",
            f"ms ({large_count})",
            "round trips constant",
        ],
    )
    return report, ok
