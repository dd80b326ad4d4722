"""Regenerate ``tests/pgtrigger4x_app/migrations`` with the real django-pgtrigger 4.17.0.

The app stands for an installed package whose migration files 4.x wrote; its files are committed
exactly as 4.17.0's ``makemigrations`` writes them. After changing ``tests/pgtrigger4x_app/
models.py``, run (from the repository, once ``make test`` has built the 4.17.0 venv)::

    .venv/bin/python scripts/regenerate_pgtrigger4x_app.py

It deletes the app's ``0*.py`` files, then runs ``makemigrations pgtrigger4x_app`` under
``.venv-pgtrigger417`` (or ``$PGTRIGGER417_PYTHON``) in a throwaway project that holds only a
copy of the app, the way ``tests.migrations_project.Project.run417`` does, and copies the new
files back. ``makemigrations`` needs no database, so none is created.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
APP = "pgtrigger4x_app"
SETTINGS = """\
SECRET_KEY = "regenerate"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.postgres", "pgtrigger", {app!r}]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "unused"}}}}
"""


def main() -> int:
    python = os.environ.get("PGTRIGGER417_PYTHON") or str(REPO / ".venv-pgtrigger417/bin/python")
    source = REPO / "tests" / APP
    with tempfile.TemporaryDirectory() as tmp:
        project = pathlib.Path(tmp)
        shutil.copytree(source, project / APP, ignore=shutil.ignore_patterns("__pycache__"))
        for old in (project / APP / "migrations").glob("0*.py"):
            old.unlink()
        (project / "settings.py").write_text(SETTINGS.format(app=APP))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "VIRTUAL_ENV", "DJANGO_"))
        }
        env.update(PYTHONPATH=str(project), DJANGO_SETTINGS_MODULE="settings")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        result = subprocess.run(
            [python, "-m", "django", "makemigrations", APP, "--noinput"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        sys.stdout.write(result.stdout + result.stderr)
        if result.returncode:
            return result.returncode
        for old in (source / "migrations").glob("0*.py"):
            old.unlink()
        for new in sorted((project / APP / "migrations").glob("0*.py")):
            shutil.copy(new, source / "migrations" / new.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
