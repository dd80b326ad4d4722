"""django-pgtrigger 4.17.0 from the package index, run beside this package.

The "as in 4.x" tests compare with the real 4.17.0, not with a reading of its docs: `make test`
installs it in a venv of its own (``$(VENV)-pgtrigger417``, on the Django release of the test
venv) and passes its interpreter as ``PGTRIGGER417_PYTHON``. Both packages import as
``pgtrigger``, so 4.17 only ever runs in a subprocess whose ``sys.path`` holds neither this
repository nor its venv: see :meth:`tests.migrations_project.Project.run417`.

Without that interpreter the tests that need it are skipped, saying why, unless
``PGTRIGGER_REQUIRE_417=1`` (set by ``.ci/run``) makes the absence a failure.
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

VERSION = "4.17.0"
_VERSION_CODE = "import importlib.metadata as m; print(m.version('django-pgtrigger'))"


def python() -> str:
    """The 4.17.0 venv's interpreter; skips (or fails under CI) the calling test without it."""
    # Absolute, not resolved: the venv's python is a symlink to the base interpreter.
    path = (
        os.path.abspath(os.environ["PGTRIGGER417_PYTHON"])
        if os.environ.get("PGTRIGGER417_PYTHON")
        else ""
    )
    reason = ""
    if not path or not pathlib.Path(path).exists():
        reason = "django-pgtrigger 4.17.0 is not installed: run the tests with `make test`"
    else:
        found = subprocess.run(
            [path, "-I", "-c", _VERSION_CODE],
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", "")},
        ).stdout.strip()
        if found != VERSION:
            reason = f"{path} has django-pgtrigger {found or 'missing'}, not {VERSION}"
    if reason:
        if os.environ.get("PGTRIGGER_REQUIRE_417") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def env(pythonpath: list[str]) -> dict[str, str]:
    """The environment of a 4.17 subprocess: this repository is kept off ``sys.path``."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "DJANGO_"))
    }
    environ["PYTHONPATH"] = os.pathsep.join(pythonpath)
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    return environ
