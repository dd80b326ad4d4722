"""The import contracts of ``pyproject.toml`` (``lint-imports``, run by ``make lint``): the
package keeps them, and a copy of it with one bad import breaks them, naming that import."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINT_IMPORTS = pathlib.Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the ``pgtrigger`` package and the ``pyproject.toml`` in ``cwd``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=cwd,
        # The copy in cwd, not the installed package, is the one analysed.
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_package_keeps_its_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "expected"),
    [
        # A layer violation: a condition reaching up to the registry.
        (
            "conditions.py",
            "from pgtrigger import registry",
            "pgtrigger.conditions is not allowed to import pgtrigger.registry:\n\n"
            "- pgtrigger.conditions -> pgtrigger.registry (l.{line})",
        ),
        # The cycle this package had, closed by an import inside a function: it still counts.
        (
            "registry.py",
            "def _trigger_class():\n    from pgtrigger.trigger import Trigger",
            "- pgtrigger.registry -> pgtrigger.trigger (l.{line})",
        ),
        # A cycle inside the recipes, which no layer sees: the acyclic contract does.
        (
            "contrib/fsm_graph.py",
            "def _any():\n    from pgtrigger.contrib.fsm import ANY",
            "No cycles are allowed in pgtrigger.contrib.\nIt could be made acyclic by removing",
        ),
        # A recipe importing another.
        (
            "contrib/versioning.py",
            "from pgtrigger.contrib import sync",
            "pgtrigger.contrib.versioning is not allowed to import pgtrigger.contrib.sync:\n\n"
            "- pgtrigger.contrib.versioning -> pgtrigger.contrib.sync (l.{line})",
        ),
        # A new module that no layer holds.
        ("helpers.py", "", "pgtrigger.helpers"),
    ],
)
def test_a_bad_import_breaks_a_contract(tmp_path, module, bad_import, expected):
    shutil.copytree(
        ROOT / "pgtrigger", tmp_path / "pgtrigger", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "pgtrigger" / module
    source = path.read_text() if path.exists() else ""
    # The line number of the import statement: the last line of what is appended.
    line = len(source.splitlines()) + len(bad_import.splitlines())
    path.write_text(source + bad_import + "\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert expected.format(line=line) in result.stdout, result.stdout
