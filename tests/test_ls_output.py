"""``pgtrigger ls`` prints 4.x's layout (``STATUS ENABLED uri``, columns padded, ``N/A`` when
not installed) and 4.x's colours, but only on a terminal and never with --no-color."""

from __future__ import annotations

import io
import os
import pathlib
import subprocess
import sys

import pytest
from django.core.management import call_command

import pgtrigger

REPO = pathlib.Path(__file__).resolve().parents[1]
PROTECT = "tests.ProtectedModel:protect_delete"
LOG = "tests.Registered:log_update"


def ls(*args: str) -> str:
    out = io.StringIO()
    call_command("pgtrigger", *args, "ls", PROTECT, LOG, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ls_layout_is_4x_layout_without_colour():
    pgtrigger.uninstall(LOG)
    assert ls().splitlines() == [
        f"INSTALLED   ENABLED {PROTECT}",
        f"UNINSTALLED N/A     {LOG}",
    ]
    pgtrigger.install(LOG)
    pgtrigger.disable(LOG)
    assert ls().splitlines() == [
        f"INSTALLED ENABLED  {PROTECT}",
        f"INSTALLED DISABLED {LOG}",
    ]


@pytest.mark.django_db
def test_ls_colours_are_4x_colours_when_forced():
    pgtrigger.uninstall(LOG)
    assert ls("--force-color").splitlines() == [
        f"\033[92mINSTALLED\033[0m   \033[92mENABLED\033[0m {PROTECT}",
        f"\033[91mUNINSTALLED\033[0m \033[94mN/A\033[0m     {LOG}",
    ]


@pytest.fixture
def project(tmp_path: pathlib.Path):
    pytest.importorskip("psycopg")  # the project harness talks to PostgreSQL with psycopg 3
    from tests.migrations_project import Project, protected_models

    made = Project(tmp_path, contrib=())
    made.models(protected_models())
    made.makemigrations("app")
    made.migrate()
    yield made
    made.drop()


def _ls_on_terminal(project, *args: str) -> str:
    """``pgtrigger ls`` with its stdout on a pseudo-terminal, as a user at a shell runs it."""
    primary, secondary = os.openpty()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings", PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(project.path), str(REPO)])
    env.pop("DJANGO_COLORS", None)
    env["TERM"] = "xterm"
    with subprocess.Popen(
        [sys.executable, "-m", "django", "pgtrigger", *args, "ls"],
        cwd=project.path,
        env=env,
        stdout=secondary,
        stderr=subprocess.PIPE,
    ) as process:
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed: the command exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    os.close(primary)
    output = b"".join(chunks).decode().replace("\r\n", "\n")
    # On a terminal, Django 4.2 ends the command's output with a bare colour reset after the
    # last line (seen in CI); it styles nothing, so it is not part of what ls prints.
    return output.removesuffix("\n\033[0m") + "\n" if output.endswith("\n\033[0m") else output


def test_ls_on_a_terminal_is_coloured_unless_no_color(project):
    assert _ls_on_terminal(project) == (
        "\033[92mINSTALLED\033[0m \033[92mENABLED\033[0m app.Item:protect_delete\n"
    )
    assert _ls_on_terminal(project, "--no-color") == "INSTALLED ENABLED app.Item:protect_delete\n"
    # Piped (a script reading the output): no colour.
    assert project.run("pgtrigger", "ls").stdout == "INSTALLED ENABLED app.Item:protect_delete\n"
