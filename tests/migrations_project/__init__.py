"""A throwaway Django project for migration tests: real ``makemigrations`` and ``migrate`` runs.

Each :class:`Project` lives in a temporary directory with its own database on the test server.
Commands run in a process of their own so every run starts from a fresh app registry, exactly
like ``manage.py`` does, and the trigger registry of the test process is left alone: a child of
a fork server that has already imported Django (:mod:`.forkserver`, several times faster), or a
new interpreter when the command sets ``PYTHON*`` variables, runs in another thread's command's
time, or ``PGTRIGGER_TEST_FORK=0`` is set.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings

from tests.migrations_project.forkserver import SERVER_PROCESS

REPO = pathlib.Path(__file__).resolve().parents[2]

SETTINGS = """\
SECRET_KEY = "pgtrigger-migrations-project"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = {installed_apps!r}
DATABASES = {databases!r}
{extra}
"""


def _connect_kwargs(config: dict[str, Any], name: str) -> dict[str, Any]:
    kwargs = {
        "dbname": name,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    return {k: v for k, v in kwargs.items() if v is not None}


class Project:
    """A Django project in ``path`` whose apps' files are written by the test.

    Args:
        path: an empty directory (pytest's ``tmp_path``).
        apps: the project's app labels, in ``INSTALLED_APPS`` order after pgtrigger (or
            around it, when ``"pgtrigger"`` is one of them).
        databases: aliases; each gets a fresh database on the test server.
        extra_settings: Python source appended to ``settings.py``.
        databases_options: ``OPTIONS`` per alias (``search_path`` for instance).
        contrib: the ``django.contrib`` apps to install.
        same_database: all aliases share one database (per-schema aliases, for instance).
        server: the Django database settings of another server to create the databases on
            (the test server's by default).
    """

    def __init__(
        self,
        path: pathlib.Path,
        apps: tuple[str, ...] = ("app",),
        databases: tuple[str, ...] = ("default",),
        extra_settings: str = "",
        databases_options: dict[str, dict[str, Any]] | None = None,
        contrib: tuple[str, ...] = ("django.contrib.contenttypes", "django.contrib.auth"),
        same_database: bool = False,
        server: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.apps = apps
        base = dict(server or settings.DATABASES["default"])
        base.pop("TEST", None)
        suffix = uuid.uuid4().hex[:10]
        self.databases = {}
        for alias in databases:
            name = f"pgt_mig_{suffix}" if same_database else f"pgt_mig_{suffix}_{alias}"
            config = dict(base, NAME=name)
            config["OPTIONS"] = {
                **base.get("OPTIONS", {}),
                **(databases_options or {}).get(alias, {}),
            }
            self.databases[alias] = config
        self.base = base
        # pgtrigger comes before the apps unless ``apps`` places it.
        installed = [*contrib, *(apps if "pgtrigger" in apps else ("pgtrigger", *apps))]
        self.write(
            "settings.py",
            SETTINGS.format(
                installed_apps=installed, databases=self.databases, extra=extra_settings
            ),
        )
        for app in (app for app in apps if app != "pgtrigger"):
            self.write(f"{app}/__init__.py", "")
            self.write(f"{app}/migrations/__init__.py", "")
            self.write(f"{app}/models.py", "")
        with self._admin() as conn:
            for name in dict.fromkeys(config["NAME"] for config in self.databases.values()):
                conn.execute(f'CREATE DATABASE "{name}"')

    @contextmanager
    def _admin(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(
            **_connect_kwargs(self.base, self.base["NAME"]), autocommit=True
        ) as conn:
            yield conn

    def drop(self) -> None:
        """Drop the project's databases."""
        with self._admin() as conn:
            for name in dict.fromkeys(config["NAME"] for config in self.databases.values()):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # --- files ----------------------------------------------------------------------------------
    def write(self, relative: str, source: str) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))

    def models(self, source: str, app: str = "app") -> None:
        """Replace ``app``'s models.py (and drop stale bytecode, mtimes may not move)."""
        self.write(f"{app}/models.py", source)
        for cache in self.path.rglob("__pycache__"):
            for pyc in cache.iterdir():
                pyc.unlink()

    def migration_files(self, app: str = "app") -> list[str]:
        return sorted(p.name for p in (self.path / app / "migrations").glob("0*.py"))

    def migration_source(self, name: str, app: str = "app") -> str:
        return (self.path / app / "migrations" / name).read_text()

    # --- commands -------------------------------------------------------------------------------
    def run(
        self, *args: str, check: bool = True, input: str | None = None, **env_vars: str
    ) -> subprocess.CompletedProcess[str]:
        """``django-admin *args`` in the project; raises with the output on failure.

        ``input`` answers interactive questions (model and field renames); ``env_vars`` are
        added to the environment.
        """
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "settings"
        env["PYTHONPATH"] = os.pathsep.join([str(self.path), str(REPO)])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(env_vars)
        forkable = os.environ.get("PGTRIGGER_TEST_FORK") != "0" and not any(
            name.startswith("PYTHON") for name in env_vars
        )
        if forkable and SERVER_PROCESS.lock.acquire(blocking=False):
            try:
                path = [str(self.path), str(REPO)]
                result = SERVER_PROCESS.run(list(args), self.path, env, path, input, timeout=120)
            finally:
                SERVER_PROCESS.lock.release()
        else:
            result = subprocess.run(
                [sys.executable, "-m", "django", *args],
                cwd=self.path,
                env=env,
                input=input,
                capture_output=True,
                text=True,
                timeout=120,
            )
        if check and result.returncode != 0:
            raise AssertionError(
                f"django-admin {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def run417(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``django-admin *args`` in the project under django-pgtrigger 4.17.0 (its own venv).

        Only the project's directory is on ``sys.path``: its apps must not import this
        repository. Skips the test when 4.17.0 is not installed (see :mod:`tests.pgtrigger417`).
        """
        from tests import pgtrigger417

        env = pgtrigger417.env([str(self.path)])
        env["DJANGO_SETTINGS_MODULE"] = "settings"
        result = subprocess.run(
            [pgtrigger417.python(), "-m", "django", *args],
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"4.17: django-admin {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def shell417(self, code: str) -> str:
        """Run ``code`` in ``manage.py shell`` under django-pgtrigger 4.17.0; what it prints."""
        return self.run417("shell", "-v", "0", "-c", textwrap.dedent(code)).stdout

    def makemigrations(self, *args: str, input: str | None = None) -> str:
        interactive = () if input is not None else ("--noinput",)
        return self.run("makemigrations", *interactive, *args, input=input).stdout

    def migrate(self, *args: str) -> str:
        return self.run("migrate", "--noinput", *args).stdout

    def shell(self, code: str) -> str:
        """Run ``code`` in ``manage.py shell`` and return what it prints."""
        return self.run("shell", "-v", "0", "-c", textwrap.dedent(code)).stdout

    def ls(self, *args: str) -> dict[str, str]:
        """``pgtrigger ls``: ``{uri: status}``."""
        out = self.run("pgtrigger", "--no-color", "ls", *args).stdout
        return {line.split()[-1]: line.split()[0] for line in out.splitlines() if line.strip()}

    def operations(self, name: str, app: str = "app") -> list[str]:
        """The operation class names of a migration, in order (imported fresh, not parsed)."""
        out = self.shell(
            f"""
            import importlib
            module = importlib.import_module("{app}.migrations.{name.removesuffix(".py")}")
            print(" ".join(type(op).__name__ for op in module.Migration.operations))
            """
        )
        return out.split()

    # --- database -------------------------------------------------------------------------------
    @contextmanager
    def connect(self, alias: str = "default") -> Iterator[psycopg.Connection]:
        config = self.databases[alias]
        with psycopg.connect(**_connect_kwargs(config, config["NAME"]), autocommit=True) as conn:
            yield conn

    def sql(self, query: str, params: Any = None, alias: str = "default") -> list[tuple]:
        with self.connect(alias) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def triggers(self, table: str | None = None, alias: str = "default") -> dict[str, str]:
        """``{trigger name: definition}`` of the ``pgtrigger_*`` triggers (not partition clones)."""
        rows = self.sql(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "WHERE t.tgname LIKE 'pgtrigger\\_%%' AND t.tgparentid = 0 "
            "AND (%(table)s::text IS NULL OR t.tgrelid = to_regclass(%(table)s))",
            {"table": table},
            alias=alias,
        )
        return dict(rows)

    def functions(self, alias: str = "default") -> set[str]:
        rows = self.sql(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'pgtrigger\\_%%'", alias=alias
        )
        return {name for (name,) in rows}


def protected_models(model: str = "Item", func: str = "RAISE EXCEPTION 'protected';") -> str:
    """The ``models.py`` of one model whose deletes a trigger refuses by running ``func``."""
    return f"""
from django.db import models
import pgtrigger


class {model}(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="protect_delete",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                func={func!r},
            )
        ]
"""
