"""App servers deploying at once: ``pgtrigger install`` and ``migrate`` (install-on-migrate)
processes on one outdated trigger, while a writer holds the table.

The writer's open transaction makes the first install wait for the table lock after it has
replaced the function; without the install lock, every other install then replaces the same
function and fails with "tuple concurrently updated" when the first commits. With it, they wait
for the first, read the catalog again and have nothing left to do. ``PGOPTIONS`` gives every
process a ``statement_timeout``: a deadlock fails the test instead of hanging it.
``PGTRIGGER_STRESS=1`` runs more rounds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3

from tests.migrations_project import REPO, Project, protected_models

ROUNDS = 5 if os.environ.get("PGTRIGGER_STRESS") else 1
COMMANDS = [
    ("pgtrigger", "install"),
    ("migrate", "--noinput"),
    ("pgtrigger", "install", "app.Item:protect_delete"),
    ("migrate", "--noinput"),
]


@pytest.fixture
def project(tmp_path):
    made = Project(tmp_path, contrib=(), extra_settings="PGTRIGGER_INSTALL_ON_MIGRATE = True\n")
    made.models(protected_models())
    made.makemigrations("app")
    made.migrate()
    yield made
    made.drop()


def _start(project: Project, args: tuple[str, ...]) -> subprocess.Popen[str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings", PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(project.path), str(REPO)])
    env["PGOPTIONS"] = "-c statement_timeout=60s"
    return subprocess.Popen(
        [sys.executable, "-m", "django", *args],
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _waiting(project: Project) -> int:
    """Backends of the project's database waiting for a lock."""
    ((count,),) = project.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    return int(count)


def test_concurrent_deploys_all_succeed(project):
    (function,) = project.functions()
    for round_ in range(ROUNDS):
        project.sql(
            f'CREATE OR REPLACE FUNCTION "{function}"() RETURNS TRIGGER AS $$ '
            "BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql"
        )
        assert project.ls() == {"app.Item:protect_delete": "OUTDATED"}
        with project.connect() as writer:
            writer.execute("BEGIN")
            writer.execute("INSERT INTO app_item (name) VALUES ('traffic')")
            processes = [_start(project, args) for args in COMMANDS]
            deadline = time.monotonic() + 90
            while _waiting(project) < len(processes) and time.monotonic() < deadline:
                if any(process.poll() is not None for process in processes):
                    break  # one ended early: its output says why
                time.sleep(0.05)
            writer.execute("ROLLBACK")
            outcomes = [process.communicate(timeout=120) for process in processes]
        failed = [
            f"{' '.join(args)}: {err.strip().splitlines()[-1:]}"
            for args, process, (_, err) in zip(COMMANDS, processes, outcomes, strict=True)
            if process.returncode != 0
        ]
        assert failed == [], f"round {round_}"
        assert project.ls() == {"app.Item:protect_delete": "INSTALLED"}
