"""Side-by-side measurement: variants alternate within each round; medians and ratios."""

from __future__ import annotations

import pathlib
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction


def backend_clock(cursor: Any) -> Callable[[], float]:
    """The CPU seconds the connection's server process has run, or else wall-clock seconds.

    A statement's triggers run in its server process. On a shared machine, wall time mostly
    measures waiting for a core (on 2 busy cores a 450 ms statement took 2 s, varying by
    +-30%); the process's own CPU time, from ``/proc/<pid>/schedstat`` in nanoseconds, varies
    by a few percent. It is used when the server runs on this machine; wall time otherwise.
    """
    cursor.execute("SELECT pg_backend_pid()")
    proc = pathlib.Path(f"/proc/{cursor.fetchone()[0]}")
    try:
        is_postgres = b"postgres" in (proc / "cmdline").read_bytes()
        schedstat = proc / "schedstat"
        schedstat.read_text()
    except OSError:
        is_postgres = False
    if not is_postgres:
        return time.perf_counter
    return lambda: int(schedstat.read_text().split()[0]) / 1e9


def clock_name() -> str:
    """What ``run_rolled_back`` measures on this connection."""
    with connection.cursor() as cursor:
        clock = backend_clock(cursor)
    return "wall-clock time" if clock is time.perf_counter else "server CPU time"


def run_rolled_back(sql: str) -> float:
    """Seconds ``sql`` takes in a transaction that is then rolled back (data unchanged).

    Server CPU seconds when the server is local (see ``backend_clock``), else wall seconds.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        clock = backend_clock(cursor)
        start = clock()
        cursor.execute(sql)
        elapsed = clock() - start
        transaction.set_rollback(True)
    return elapsed


def statement_runner(sql: str) -> Callable[[], float]:
    """A variant that runs ``sql`` rolled back."""
    return lambda: run_rolled_back(sql)


def vacuum(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM "{table}"')


def measure(
    variants: dict[str, Callable[[], float]],
    rounds: int,
    between: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """Median seconds per variant; each round runs every variant, in a rotated order."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for round_ in range(rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            samples[name].append(variants[name]())
        between()
    return {name: statistics.median(values) for name, values in samples.items()}


def table(title: str, rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join(
        [f"\n{title}", line(header), line(["-" * w for w in widths]), *map(line, rows)]
    )
