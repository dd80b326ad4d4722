"""The declaration fingerprint (``pgtrigger.fingerprint``) is the same in every process.

Migration files record it, and ``pgtrigger makemigrations`` and the status compare it with a
fresh one: a value that changed between processes (an object's address, a set's order under
hash randomisation) would make every check fail in the next process.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pgtrigger

REPO = pathlib.Path(__file__).resolve().parents[1]
PRINT = """
import json, django
django.setup()
import pgtrigger
print(json.dumps({t.get_uri(m): t.get_declaration(m) for m, t in pgtrigger.registered()}))
"""


def _in_a_new_process(seed: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", PRINT], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_every_registered_declaration_has_the_same_fingerprint_in_every_process():
    here = {t.get_uri(m): t.get_declaration(m) for m, t in pgtrigger.registered()}
    assert len(here) > 50
    assert _in_a_new_process("1") == _in_a_new_process("2") == here


def test_a_sentinel_default_is_named_by_its_type_not_its_address():
    from pgtrigger import fingerprint

    assert fingerprint.stable(object()) == fingerprint.stable(object()) == "<object object>"


def test_the_repository_migrations_hold_what_the_declarations_compile_to():
    """``scripts/refresh_migrations.py --check``: the test apps' and the cookbook's migration
    files are current, fingerprint included, as read by a new process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "refresh_migrations.py"), "--check"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, "stale (run scripts/refresh_migrations.py):\n" + result.stdout


def test_string_literals_render_as_417_with_psycopg_3_whatever_the_driver():
    """4.x inlined condition values with the driver's quoting. psycopg2's depends on the last
    connection of the process, which would make the fingerprint differ between processes."""
    from pgtrigger import compat4x

    assert compat4x._literal("it's") == "'it''s'"
    assert compat4x._literal("$$ \\ %_") == " E'$$ \\\\ %_'"
