"""Side-by-side measurement: variants alternate within each round; medians and ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction


def run_rolled_back(sql: str) -> float:
    """Seconds to run ``sql`` in a transaction that is then rolled back (data unchanged)."""
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(sql)
        elapsed = time.perf_counter() - start
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
