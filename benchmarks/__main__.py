"""``python -m benchmarks [--quick] [row_overhead statement_level installation alternatives
ignoring versus417]``."""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys

import django

BENCHMARKS = [
    "row_overhead",
    "statement_level",
    "installation",
    "alternatives",
    "ignoring",
    "versus417",
]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    parser.add_argument("--quick", action="store_true", help="few rows, for a smoke run")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    django.setup()
    from django.db import connection

    names = args.names or BENCHMARKS
    sizes = {
        "rows": 500 if args.quick else 200_000,
        "rounds": 1 if args.quick else 9,
        "model_counts": (3, 12) if args.quick else (30, 300),
        "app_rows": 200 if args.quick else 5_000,
        "queries": 100 if args.quick else 3_000,
        "quick": args.quick,
    }
    original = connection.settings_dict["NAME"]
    # A name of its own: other runs (or a test suite) may share the server.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"pgtrigger_bench_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    missed = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            print(
                f"benchmarks on {cursor.fetchone()[0].split(',')[0]}"
                f"{' (quick mode)' if args.quick else ''}"
            )
        for name in names:
            module = importlib.import_module(f"benchmarks.{name}")
            wanted = inspect.signature(module.run).parameters
            report, ok = module.run(**{k: v for k, v in sizes.items() if k in wanted})
            print(report, flush=True)
            if not ok:
                missed.append(name)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    verdict = f"targets missed in {', '.join(missed)} (FAIL rows)" if missed else "all targets met"
    print(f"\nbenchmarks: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
