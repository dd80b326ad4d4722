"""This project against django-pgtrigger 4.17.0, side by side in one run: ratio ours / 4.17.

4.17.0 comes from the package index into its own venv (``make bench`` creates
``.venv-pgtrigger417``; ``PGTRIGGER417_PYTHON`` names another interpreter). Both libraries
import as ``pgtrigger``, so 4.17 runs in a subprocess (``pgtrigger417/worker.py``) with its
own database on the same server and the same tables. Each round runs one variant of each side
in turn, alternating which goes first; medians are compared.

Compared: the row overhead of FSM, version bumping, SoftDelete, Protect and ReadOnly on a bulk
statement (the statements of ``row_overhead``), installing every trigger of 3 x N models
(round trips and time, from a clean database each round), and ``pgtrigger.ignore()`` around
a one-row update in a loop. No target: the ratios are printed for users deciding to switch.
"""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

import pgtrigger
from benchmarks import installation, models, row_overhead, timing
from benchmarks.models import IgnoreRow, RecipeRow

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORKER = pathlib.Path(__file__).resolve().parent / "pgtrigger417" / "worker.py"
DEFAULT_PYTHON = ROOT / ".venv-pgtrigger417" / "bin" / "python"
SCENARIOS = [
    ("FSM", "FSM"),
    ("version bump", "Versioning"),
    ("SoftDelete", "SoftDelete"),
    ("Protect", "Protect"),
    ("ReadOnly", "ReadOnly"),
]
IGNORE_URI = "benchmarks.IgnoreRow:protect_updates"


class Unavailable(Exception):
    """The 4.17 interpreter is missing or cannot start the worker."""


class Worker:
    """The 4.17 subprocess: one JSON command per line, one JSON reply per line."""

    def __init__(self, python: str) -> None:
        python = os.path.abspath(python)  # the worker runs elsewhere; no symlink resolving
        if not pathlib.Path(python).exists():
            raise Unavailable(f"{python} does not exist")
        settings = connection.settings_dict
        database = {
            key: settings[key]
            for key in ("ENGINE", "HOST", "PORT", "USER", "PASSWORD", "OPTIONS")
            if key in settings
        }
        # The server's maintenance database; the worker creates its own and drops it at exit.
        database["NAME"] = "postgres"
        database["TEST"] = {"NAME": f"pgtrigger417_bench_{os.getpid()}"}
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        self.process = subprocess.Popen(
            [python, "-E", "-s", str(WORKER), json.dumps(database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=WORKER.parent,
            env=env,
        )
        try:
            self.info = self._read()
        except RuntimeError as error:
            self.close()
            raise Unavailable(str(error)) from error

    def _read(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the 4.17 worker exited ({self.process.wait()}); see stderr")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"the 4.17 worker failed:\n{reply['error']}")
        return reply["ok"]

    def call(self, cmd: str, **kwargs: Any) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=120)


def side_by_side(
    ours: Callable[[], float], theirs: Callable[[], float], rounds: int, between: Callable[[], None]
) -> tuple[float, float]:
    """Median seconds of each side; the side going first alternates between rounds."""
    samples: dict[str, list[float]] = {"ours": [], "417": []}
    for round_ in range(rounds):
        order = [("ours", ours), ("417", theirs)]
        for name, variant in order if round_ % 2 == 0 else order[::-1]:
            samples[name].append(variant())
        between()
    return statistics.median(samples["ours"]), statistics.median(samples["417"])


def row_overhead_rows(worker: Worker, rows: int, rounds: int) -> list[list[str]]:
    models.fill([RecipeRow], rows)
    worker.call("fill", rows=rows)

    def vacuum() -> None:
        timing.vacuum(RecipeRow._meta.db_table, "benchmarks_change")
        worker.call("vacuum")

    result = []
    for label, recipe in SCENARIOS:
        trigger = row_overhead.RECIPES[recipe]()
        trigger.install(RecipeRow)
        worker.call("recipe", name=recipe)
        try:
            for statement_label, statement in row_overhead.STATEMENTS[recipe]:
                ours, theirs = side_by_side(
                    timing.statement_runner(statement.format(table=RecipeRow._meta.db_table)),
                    lambda statement=statement: worker.call("statement", sql=statement),
                    rounds,
                    vacuum,
                )
                result.append(
                    [
                        f"{label}, {statement_label} ({rows:,} rows)",
                        f"{ours * 1000:.0f} ms",
                        f"{theirs * 1000:.0f} ms",
                        f"{ours / theirs:.2f}x",
                    ]
                )
        finally:
            trigger.uninstall(RecipeRow)
            worker.call("recipe", name=None)
    return result


def install_rows(worker: Worker, count: int, rounds: int) -> list[list[str]]:
    created = installation.make_models(count, "Versus")
    try:
        for model, triggers in created:
            for trigger in triggers:
                trigger.register(model)
        queries: dict[str, int] = {}
        triggers = len(pgtrigger.registered())

        def ours() -> float:
            pgtrigger.uninstall()
            connection.queries_log.clear()  # as on the 4.17 side (the log keeps 9,000)
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                pgtrigger.install()
                elapsed = time.perf_counter() - start
            queries["ours"] = len(ctx.captured_queries)
            return elapsed

        def theirs() -> float:
            reply = worker.call("install_many", count=count)
            queries["417"] = reply["queries"]
            assert reply["triggers"] == triggers, (reply, triggers)
            return float(reply["seconds"])

        ours_s, theirs_s = side_by_side(ours, theirs, rounds, lambda: None)
    finally:
        pgtrigger.uninstall()
        installation.drop_models(created)
        worker.call("drop_many", count=count)
    return [
        [
            f"install {triggers} triggers: round trips",
            str(queries["ours"]),
            str(queries["417"]),
            f"{queries['ours'] / queries['417']:.3f}x",
        ],
        [
            f"install {triggers} triggers: time",
            f"{ours_s * 1000:.0f} ms",
            f"{theirs_s * 1000:.0f} ms",
            f"{ours_s / theirs_s:.2f}x",
        ],
    ]


def ignore_loop(iterations: int, atomic: bool) -> float:
    pk = IgnoreRow.objects.get().pk

    def loop() -> float:
        start = time.perf_counter()
        for _ in range(iterations):
            with pgtrigger.ignore(IGNORE_URI):
                IgnoreRow.objects.filter(pk=pk).update(n=F("n") + 1)
        return time.perf_counter() - start

    if not atomic:
        return loop()
    with transaction.atomic():
        elapsed = loop()
        transaction.set_rollback(True)
    return elapsed


def ignore_rows(worker: Worker, iterations: int, rounds: int) -> list[list[str]]:
    IgnoreRow.objects.all().delete()
    IgnoreRow.objects.create()
    pgtrigger.install(IGNORE_URI)
    result = []
    try:
        for atomic, label in ((True, "in atomic()"), (False, "autocommit")):
            ours, theirs = side_by_side(
                lambda atomic=atomic: ignore_loop(iterations, atomic),
                lambda atomic=atomic: float(
                    worker.call("ignore_loop", iterations=iterations, atomic=atomic)
                ),
                rounds,
                lambda: None,
            )
            result.append(
                [
                    f"ignore() + 1-row update x {iterations:,}, {label}",
                    f"{ours * 1000:.0f} ms",
                    f"{theirs * 1000:.0f} ms",
                    f"{ours / theirs:.2f}x",
                ]
            )
    finally:
        pgtrigger.uninstall(IGNORE_URI)
    return result


def run(rows: int, rounds: int, model_counts: tuple[int, int], quick: bool) -> tuple[str, bool]:
    title = "Versus django-pgtrigger 4.17.0"
    python = os.environ.get("PGTRIGGER417_PYTHON") or str(DEFAULT_PYTHON)
    try:
        worker = Worker(python)
    except Unavailable as error:
        message = f"4.17 interpreter unavailable: {error}; `make bench` installs it"
        if quick:
            return f"\n{title}: skipped in quick mode ({message})", True
        return f"\n{title}: FAIL ({message})", False
    try:
        result = [
            *row_overhead_rows(worker, rows, rounds),
            *install_rows(worker, model_counts[1], max(3, rounds // 2)),
            *ignore_rows(worker, 50 if quick else 1_000, rounds),
        ]
    finally:
        worker.close()
    header = ["measure", "ours", "4.17.0", "ratio ours/4.17"]
    version = f"django-pgtrigger {worker.info['version']}, Django {worker.info['django']}"
    report = timing.table(
        f"{title}: side by side, median of {rounds} rounds ({version}, own venv and "
        f"database); bulk statements: {timing.clock_name()}, install and ignore(): wall-clock "
        "time as the application sees it",
        result,
        header,
    )
    return report, True
