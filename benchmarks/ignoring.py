"""What ignore(), schema() and context() cost per query: round trips and time, side by side.

Loops of single-row ORM updates of a table with a pgtrigger trigger, in autocommit mode and
inside one ``atomic()``, with psycopg 3's client-side binding (the default, and psycopg2's only
kind) and server-side binding; each against the same loop without a block. Round trips are
counted by a proxy in front of the server (benchmarks/wire.py), times measured without it.
Target: inside ``atomic()``, a block costs at most 1.03x the loop without it.

A second table compares, at the driver level (psycopg 3, autocommit), the ways the setting can
travel with a query; the package uses the prefix, and the pipeline where a prefix is refused.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections, transaction

import pgtrigger
from benchmarks import models, timing
from benchmarks.wire import WireCounter

TARGET = 1.03
URI = "benchmarks.RecipeRow:bench_ignorable"
ROWS = 100


@contextlib.contextmanager
def _default(settings_dict: dict[str, Any]) -> Iterator[None]:
    """Run Django's queries in this thread on a new connection made from ``settings_dict``."""
    original = connections["default"]
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = settings_dict
    connections["default"] = wrapper
    try:
        yield
    finally:
        wrapper.close()
        connections["default"] = original


def _binding_settings(server_side: bool) -> dict[str, Any]:
    """The default alias's settings, with the binding asked for; no disk flush per commit, so
    that autocommit loops measure queries rather than the disk."""
    base = connections["default"].settings_dict
    options = {**base["OPTIONS"], "options": "-c synchronous_commit=off"}
    if server_side:
        options["server_side_binding"] = True
    return {**base, "OPTIONS": options}


def _loop(queries: int, block: Callable[[], Any], atomic: bool) -> Callable[[], Sample]:
    ids = list(models.RecipeRow.objects.values_list("pk", flat=True)[:ROWS])

    def run() -> Sample:
        with contextlib.ExitStack() as stack:
            if atomic:
                stack.enter_context(transaction.atomic())
            stack.enter_context(block())
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(queries):
                models.RecipeRow.objects.filter(pk=ids[i % ROWS]).update(n=i)
            sample = (time.perf_counter() - wall, time.process_time() - cpu)
            if atomic:
                transaction.set_rollback(True)
        return sample

    return run


Sample = tuple[float, float]  # wall and client CPU seconds


def _paired(variants: dict[str, Callable[[], Sample]], samples: int) -> dict[str, list[float]]:
    """Per variant: median wall seconds, and the medians of the per-round wall and CPU ratios
    to the first variant. The variants take turns in each round (in a rotated order), so a
    ratio compares runs a few milliseconds apart, which a busy machine slows alike."""
    names = list(variants)
    rounds: list[dict[str, Sample]] = []
    for round_ in range(samples):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        rounds.append({name: variants[name]() for name in order})
    base = names[0]
    return {
        name: [
            statistics.median(r[name][0] for r in rounds),
            statistics.median(r[name][0] / r[base][0] for r in rounds),
            statistics.median(r[name][1] / r[base][1] for r in rounds),
        ]
        for name in names
    }


BLOCKS: dict[str, Callable[[], Any]] = {
    "none": contextlib.nullcontext,
    "ignore()": lambda: pgtrigger.ignore(URI),
    "schema()": lambda: pgtrigger.schema("public"),
    "context()": lambda: pgtrigger.context(actor=1, reason="bench"),
}


def _bindings() -> list[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return ["client-side"]
    return ["client-side", "server-side"]


def _orm_table(queries: int, rounds: int) -> tuple[str, bool]:
    rows, ok = [], True
    for binding in _bindings():
        settings_dict = _binding_settings(binding == "server-side")
        for atomic in (False, True):
            mode = "atomic()" if atomic else "autocommit"
            # Many short samples, the variants taking turns: a busy machine slows them alike.
            batch, samples = max(queries // 10, 20), rounds * 10
            with _default(settings_dict):
                variants = {name: _loop(batch, block, atomic) for name, block in BLOCKS.items()}
                measured = _paired(variants, samples)
            counter = WireCounter(settings_dict)
            try:
                trips = {}
                with _default(counter.settings(settings_dict)):
                    connections["default"].ensure_connection()
                    for name, block in BLOCKS.items():
                        run = _loop(ROWS, block, atomic)
                        counter.reset()
                        run()
                        trips[name] = counter.round_trips / ROWS
            finally:
                counter.close()
            for name, (seconds, ratio, cpu_ratio) in measured.items():
                verdict = ""
                if atomic and name != "none":
                    verdict = "OK" if ratio <= TARGET else "FAIL"
                    ok &= ratio <= TARGET
                rows.append(
                    [
                        mode,
                        binding,
                        name,
                        f"{trips[name]:.2f}",
                        f"{seconds * 1e6 / batch:.0f}",
                        f"{ratio:.3f}x",
                        f"{cpu_ratio:.3f}x",
                        verdict,
                    ]
                )
    report = timing.table(
        f"ignore(), schema() and context(): single-row updates, {rounds * 10} samples of "
        f"{max(queries // 10, 20)}; round trips per query on the wire; time (wall) and client CPU "
        f"ratios to the loop without block (median of per-sample ratios); target in atomic() "
        f"{TARGET}x",
        rows,
        [
            "mode",
            "binding",
            "block",
            "round trips",
            "us/query",
            "ratio",
            "CPU ratio",
            f"<= {TARGET}x",
        ],
    )
    return report, ok


SETTING = "SELECT set_config('pgtrigger.ignore', '{\"pgtrigger_bench_00000\"}', true)"


def _driver_table(queries: int, rounds: int) -> str:
    """The ways the setting can travel with a query, at the driver level (psycopg 3)."""
    try:
        import psycopg
    except ImportError:
        return "\nHow the setting travels: skipped (psycopg 3 is not installed)"
    update = f"UPDATE {models.RecipeRow._meta.db_table} SET n = n + 1 WHERE id = %s"

    def plain(conn: Any, cursor: Any, i: int) -> None:
        cursor.execute(update, [i])

    def prefix(conn: Any, cursor: Any, i: int) -> None:
        cursor.execute(f"{SETTING}; {update}", [i])
        cursor.nextset()

    def pipeline(conn: Any, cursor: Any, i: int) -> None:
        with conn.pipeline():
            conn.cursor().execute(SETTING, prepare=False)
            cursor.execute(update, [i])

    def separate(conn: Any, cursor: Any, i: int) -> None:
        conn.cursor().execute(SETTING)
        cursor.execute(update, [i])

    ways = {
        "no setting": plain,
        "prefix, one request (used)": prefix,
        "pipeline, one sync (used for server-side binding)": pipeline,
        "separate statement (leaks in autocommit)": separate,
    }
    ids = list(models.RecipeRow.objects.values_list("pk", flat=True)[:ROWS])

    def connect(settings_dict: dict[str, Any]) -> Any:
        wrapper = connections.create_connection("default")
        wrapper.settings_dict = settings_dict
        params = wrapper.get_connection_params()
        params["cursor_factory"] = psycopg.ClientCursor
        return psycopg.connect(**params, autocommit=True)

    def timed(way: Callable[..., None], conn: Any) -> Callable[[], float]:
        cursor = conn.cursor()

        def run() -> float:
            start = time.perf_counter()
            for i in range(queries):
                way(conn, cursor, ids[i % ROWS])
            return time.perf_counter() - start

        return run

    settings_dict = _binding_settings(server_side=False)
    with contextlib.closing(connect(settings_dict)) as conn:
        medians = timing.measure({name: timed(way, conn) for name, way in ways.items()}, rounds)
    counter = WireCounter(settings_dict)
    trips = {}
    try:
        with contextlib.closing(connect(counter.settings(settings_dict))) as conn:
            for name, way in ways.items():
                counter.reset()
                timed(way, conn)()
                trips[name] = counter.round_trips / queries
    finally:
        counter.close()
    rows = [
        [
            name,
            f"{trips[name]:.2f}",
            f"{s * 1e6 / queries:.0f}",
            f"{s / medians['no setting']:.2f}x",
        ]
        for name, s in medians.items()
    ]
    return timing.table(
        "How the setting travels with a query (psycopg 3, client-side binding, autocommit; "
        f"{queries:,} updates, median of {rounds} rounds)",
        rows,
        ["way", "round trips", "us/query", "ratio"],
    )


def run(queries: int, rounds: int) -> tuple[str, bool]:
    trigger = pgtrigger.Protect(
        name="bench_ignorable",
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(old__status="locked"),
    )
    models.fill([models.RecipeRow], ROWS)
    trigger.install(models.RecipeRow)
    trigger.register(models.RecipeRow)
    try:
        report, ok = _orm_table(queries, rounds)
        report += "\n" + _driver_table(queries, rounds)
    finally:
        trigger.unregister(models.RecipeRow)
        trigger.uninstall(models.RecipeRow)
    return report, ok
