"""Every cookbook page runs and shows its trigger at work: a broken recipe fails the suite."""

import os
import subprocess
import sys

import pytest

from cookbook import runner
from cookbook.pages import PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_page_demo(name):
    outcome = runner.run_page(name)  # each demo checks its own outcome and raises if wrong
    assert outcome and all(isinstance(line, str) and line for line in outcome)
    page = runner.load(name)
    assert page.__doc__ and ":" in runner.title(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("protect", "Cannot delete rows from cookbook_invoice"),
        ("fsm", "Invalid transition of field \"status\" from 'paid' to 'cart'"),
        ("official_interface", "use Member.objects.join()"),
        ("versioning", "Cannot set version field"),
        ("composer", "price changes over 50% are refused"),
        ("deferrable_child", "team empty has no member"),
    ],
)
def test_refusals_are_shown(name, refusal):
    assert any(line.startswith("refused:") and refusal in line for line in runner.run_page(name))


def test_pages_are_all_registered():
    modules = {
        f.removesuffix(".py")
        for f in os.listdir(os.path.dirname(runner.__file__) + "/pages")
        if f.endswith(".py") and not f.startswith("_")
    }
    assert modules == set(PAGES)


def test_demo_command_runs_one_page_end_to_end():
    result = subprocess.run(
        [sys.executable, "-m", "cookbook", "soft_delete"],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alice.delete() kept the row" in result.stdout
    assert "1 passed, 0 failed" in result.stdout


def test_demo_command_rejects_unknown_page():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # The test run's server: no server of its own to boot (the test above boots one).
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or os.environ["PGTRIGGER_TEST_SERVER"]
    result = subprocess.run(
        [sys.executable, "-m", "cookbook", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode != 0 and "Unknown page 'nope'" in result.stderr
