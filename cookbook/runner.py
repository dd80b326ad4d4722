"""Run cookbook pages against a throwaway database and print what each trigger did."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from types import ModuleType

from django.db import connection, transaction

from cookbook.pages import PAGES


class _Rollback(Exception):
    pass


def load(name: str) -> ModuleType:
    if name not in PAGES:
        raise SystemExit(f"Unknown page {name!r}. Pages: {', '.join(PAGES)}")
    return importlib.import_module(f"cookbook.pages.{name}")


def title(page: ModuleType) -> str:
    return (page.__doc__ or page.__name__).strip().splitlines()[0]


def run_page(name: str) -> list[str]:
    """Run one page's demo in a transaction that is rolled back, and return its outcome."""
    page = load(name)
    outcome: list[str] = []
    try:
        with transaction.atomic():
            outcome = page.demo()
            raise _Rollback
    except _Rollback:
        pass
    return outcome


def run(names: Iterable[str], write_to: str | None = None) -> int:
    """Run pages, print their outcome (and write it to ``write_to/<page>.txt``)."""
    failures = 0
    for name in names:
        page = load(name)
        print(f"\n== {name}: {title(page)}")
        try:
            outcome = run_page(name)
        except AssertionError as exc:
            failures += 1
            print(f"   FAILED: {exc}")
            continue
        for line in outcome:
            print(f"   {line}")
        if write_to:
            with open(f"{write_to}/{name}.txt", "w") as file:
                file.write("\n".join(outcome) + "\n")
    return failures


def main(argv: list[str]) -> int:
    """Create a throwaway database, migrate it, run the pages, drop it."""
    write_to = None
    if argv[:1] == ["--write"]:  # used to refresh the outputs shown in the docs
        write_to, argv = argv[1], argv[2:]
    names = argv or PAGES
    for name in names:
        load(name)  # unknown names fail before anything is created
    original_name = connection.settings_dict["NAME"]
    # A name of its own: other runs (or a test suite) may share the server.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"pgtrigger_cookbook_{os.getpid()}"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"cookbook: {len(names)} page(s) on a throwaway database ({test_db})")
    try:
        failures = run(names, write_to)
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    print(f"\n{len(names) - failures} passed, {failures} failed")
    return 1 if failures else 0
