"""The benchmarks run end to end (quick mode). Timings are printed, never asserted."""

import os
import re
import subprocess
import sys


def test_quick_benchmarks_produce_every_table():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # The test run's server (the benchmarks make a database of their own on it).
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or os.environ["PGTRIGGER_TEST_SERVER"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for title in (
        "Row overhead:",
        "Statement-level vs row-level:",
        "Installation:",
        "App-level alternatives:",
        "ignore(), schema() and context():",
        "How the setting travels",
        "Versus django-pgtrigger 4.17.0",
    ):
        assert title in result.stdout, result.stdout
    row_overhead = result.stdout.split("Row overhead:")[1].split("Statement-level")[0]
    for recipe in (
        "FSM",
        "SoftDelete",
        "Versioning",
        "Protect",
        "ReadOnly",
        "SyncField",
        "UpdateSearchVector",
        "TrackChanges",
    ):
        assert f"\n{recipe} " in row_overhead, row_overhead
    assert "context()" in result.stdout.split("and context():")[1].split("How the setting")[0]
    # Round trips are counted, not timed: they must not grow with the number of triggers.
    assert "NO " not in result.stdout.split("Installation:")[1].split("App-level")[0]
    # History rows are counted, not timed: simple-history's bulk update() records none of the
    # 200 changed rows (the gap the page documents), its save() loop and TrackChanges all 200.
    alternatives = result.stdout.split("App-level alternatives:")[1].split("ignore() and")[0]
    if "django-fsm-2" in alternatives:  # FSM.transition() beside django-fsm-2, in both modes
        for mode in ("in atomic()", "autocommit"):
            assert f"django-fsm-2 transition + save() per row, {mode}" in alternatives
            assert f"pgtrigger.FSM.transition() per row, {mode}" in alternatives
    if "django-simple-history" in alternatives:  # the "bench" extra is installed
        columns = [
            re.split(r"\s{2,}", line.strip())  # variant, ms, ratio, history
            for line in alternatives.splitlines()
            if "simple-history" in line or "TrackChanges" in line
        ]
        recorded = {row[0]: row[-1] for row in columns}
        assert recorded == {
            "django-simple-history save() per row": "200",
            "django-simple-history one bulk update()": "0",
            "pgtrigger.TrackChanges one bulk update()": "200",
        }, alternatives
    # `make bench` installs 4.17.0 in .venv-pgtrigger417; offline, quick mode says it skipped.
    versus = result.stdout.split("Versus django-pgtrigger 4.17.0")[1]
    if "skipped in quick mode" not in versus:
        for measure in (
            "FSM, valid transition",
            "version bump",
            "SoftDelete",
            "Protect",
            "install",
            "ignore()",
        ):
            assert measure in versus, versus
