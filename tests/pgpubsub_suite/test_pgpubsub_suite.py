"""django-pgpubsub 1.3.1's own test suite (its wheel ships it), unchanged, on this package.

pgpubsub is built on django-pgtrigger: its channels compile to pgtrigger triggers and its
test app ships migrations written by 4.x. Installed from the package index with ``--no-deps``
(Makefile), like django-pghistory. Its test app's label ("tests") is this suite's, so it runs
in a pytest process of its own with ``tests/pgpubsub_suite/settings.py``.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

TESTS = 40  # in django-pgpubsub 1.3.1's wheel


def test_pgpubsub_suite_passes():
    pytest.importorskip("pgpubsub", reason="django-pgpubsub is installed by `make test`")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "pgpubsub.tests",
            "--ds",
            "tests.pgpubsub_suite.settings",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-o",
            "addopts=",
            "-q",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert re.fullmatch(rf"{TESTS} passed(, \d+ warnings?)? in .*", summary), summary
