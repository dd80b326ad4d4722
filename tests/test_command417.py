"""``manage.py pgtrigger`` prints what 4.17's command prints, where scripts read it.

The same sequence of subcommands runs under the real django-pgtrigger 4.17.0 and under this
package, on the same database, each call's standard output, standard error and exit status
recorded: action lines on standard error (4.x's logger), ``ls`` rows of triggers to prune as
PostgreSQL's regclass text, ``-d <SQLite alias>`` exiting 0, and ``ls --force-color`` giving
4.17's bytes.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest

pytest.importorskip("psycopg")

from tests.migrations_project import Project, protected_models

SCRIPT = """
import contextlib
import io
import json

import pgtrigger
from django.core.management import call_command
from django.db import connection

results = {}


def run(key, *args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            call_command("pgtrigger", *args, stdout=out, stderr=err)
        except SystemExit as exc:
            code = exc.code
        except Exception as exc:
            code = 1
            err.write(f"{type(exc).__name__}: {exc}")
    results[key] = [out.getvalue(), err.getvalue(), code]


pgtrigger.uninstall()
run("install", "install")
with connection.cursor() as cursor:
    cursor.execute(
        "CREATE OR REPLACE FUNCTION pgtrigger_stale_abcde() RETURNS trigger "
        "LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'; "
        "CREATE OR REPLACE TRIGGER pgtrigger_stale_abcde AFTER INSERT ON app_item "
        "FOR EACH ROW EXECUTE FUNCTION pgtrigger_stale_abcde()"
    )
run("ls", "--force-color", "ls")
run("prune", "prune")
run("disable", "disable")
run("enable", "enable")
run("uninstall", "uninstall")
for sub in ("install", "uninstall", "prune"):
    run(f"sqlite_{sub}", sub, "-d", "sqlite")
print(json.dumps(results))
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    path: pathlib.Path = tmp_path_factory.mktemp("command417")
    project = Project(
        path / "project",
        contrib=(),
        extra_settings=(
            'DATABASES["sqlite"] = {"ENGINE": "django.db.backends.sqlite3", '
            f'"NAME": {str(path / "db.sqlite3")!r}}}\n'
        ),
    )
    try:
        project.models(protected_models())
        project.makemigrations("app")
        project.migrate()
        theirs = json.loads(project.shell417(SCRIPT).splitlines()[-1])
        ours = json.loads(project.shell(SCRIPT).splitlines()[-1])
        yield ours, theirs
    finally:
        project.drop()


@pytest.mark.parametrize("step", ["install", "prune", "disable", "enable", "uninstall"])
def test_action_lines_go_to_stderr_as_in_417(outputs, step):
    ours, theirs = outputs
    out, err, code = ours[step]
    assert (out, code) == (theirs[step][0], theirs[step][2]) == ("", 0)
    assert err.splitlines() == theirs[step][1].splitlines()
    assert err.startswith("pgtrigger: ")


def test_prune_rows_are_regclass_text_as_in_417(outputs):
    ours, theirs = outputs
    assert ANSI.sub("", ours["ls"][0]).splitlines() == ANSI.sub("", theirs["ls"][0]).splitlines()
    assert "PRUNE     ENABLED app_item:pgtrigger_stale_abcde" in ANSI.sub("", ours["ls"][0])


def test_ls_force_color_gives_417_bytes(outputs):
    ours, theirs = outputs
    assert ours["ls"][0] == theirs["ls"][0]
    assert "\x1b[96mPRUNE\x1b[0m" in ours["ls"][0]


@pytest.mark.parametrize("sub", ["install", "uninstall", "prune"])
def test_non_postgres_alias_exits_0_as_in_417(outputs, sub):
    ours, theirs = outputs
    out, err, code = ours[f"sqlite_{sub}"]
    assert (out, code) == (theirs[f"sqlite_{sub}"][0], theirs[f"sqlite_{sub}"][2]) == ("", 0)
    # 4.17 named triggers it did not touch; a warning says nothing was done instead.
    assert 'database "sqlite" is sqlite, not PostgreSQL: nothing to' in err
