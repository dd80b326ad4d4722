"""Testing your triggers: assert which trigger refused, ignore triggers per test.

`pgtrigger.testing.refused(uri)` passes only when that trigger refused the write, inside or
outside a transaction. The pytest plugin installs triggers in test databases created without
migrations, and ignores triggers per test with a marker or a fixture. The demo runs the test
module below with `pytest --nomigrations`.
"""

import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Callable

from django.db import models

import pgtrigger
from cookbook import database
from cookbook.show import check
from pgtrigger import testing


# --8<-- [start:models]
class Receipt(models.Model):
    amount = models.IntegerField()

    class Meta:
        triggers = [
            pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="freeze_amount",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("amount"),
            ),
        ]


# --8<-- [end:models]

EXAMPLE = pathlib.Path(__file__).parent.parent / "testing_example"


def _fails(block: Callable[[], object], uri: str) -> str:
    """The first words of ``refused``'s assertion error when ``block`` runs in it."""
    try:
        with testing.refused(uri):
            block()
    except AssertionError as exc:
        return str(exc).split(";")[1].split(":")[0].strip()
    raise AssertionError(f"refused({uri!r}) passed")


def run_example_tests() -> str:
    """``pytest --nomigrations`` on the example module, against the cookbook's server."""
    root = EXAMPLE.parent.parent
    env = {
        **os.environ,
        "DATABASE_URL": database.url(),
        "DJANGO_SETTINGS_MODULE": "cookbook.testing_example.settings",
        "PYTHONPATH": str(root),
    }
    options = ["--nomigrations", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *options,
            "--rootdir",
            str(EXAMPLE),
            str(EXAMPLE / "test_receipts.py"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=root,
    )
    counts = re.findall(r"\d+ (?:passed|failed|errors?)", result.stdout)
    if result.returncode != 0:
        raise AssertionError(f"example tests failed: {result.stdout[-2000:]}{result.stderr}")
    return ", ".join(counts)


def demo() -> list[str]:
    receipt = Receipt.objects.create(amount=10)
    with testing.refused("cookbook.Receipt:protect_deletes"):
        receipt.delete()
    kept = Receipt.objects.filter(pk=receipt.pk).exists()
    with pgtrigger.ignore("cookbook.Receipt:protect_deletes"):
        through = _fails(receipt.delete, "cookbook.Receipt:protect_deletes")
    other = Receipt.objects.create(amount=5)
    by_other = _fails(other.delete, "cookbook.Receipt:freeze_amount")
    summary = run_example_tests()
    return [
        check(
            kept,
            'refused("cookbook.Receipt:protect_deletes") passed for receipt.delete()',
        ),
        f"refused(...) with the trigger ignored: fails, {through}",
        f'refused("cookbook.Receipt:freeze_amount") around a delete: fails, {by_other}',
        check("3 passed" in summary, f"pytest --nomigrations test_receipts.py: {summary}"),
    ]
