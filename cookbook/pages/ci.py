"""Triggers in CI: fail the build when the database drifts from the declarations.

After `migrate`, `manage.py pgtrigger ls --check` lists the triggers that are OUTDATED,
UNINSTALLED or PRUNE and exits with status 1 if there is any; `--format json` gives the same
listing to other programs. `manage.py pgtrigger sql` prints the exact SQL `install` sends, for
review or for a DBA.
"""

import io
import json

from django.core.management import CommandError, call_command
from django.db import models

import pgtrigger
from cookbook.show import check


# --8<-- [start:models]
class Coupon(models.Model):
    code = models.CharField(max_length=16)
    redeemed = models.BooleanField(default=False)

    class Meta:
        triggers = [
            pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(name="read_only_code", fields=["code"]),
        ]


# --8<-- [end:models]

URIS = ("cookbook.Coupon:protect_deletes", "cookbook.Coupon:read_only_code")


def pgtrigger_command(*args: str) -> tuple[list[str], str]:
    """Run ``manage.py pgtrigger *args``: its output lines and its error ("" when it passed)."""
    out = io.StringIO()
    try:
        call_command("pgtrigger", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue().splitlines(), str(exc)
    return out.getvalue().splitlines(), ""


def demo() -> list[str]:
    lines, error = pgtrigger_command("ls", "--check", *URIS)
    outcome = [check(not lines and not error, "ls --check: no drift, no output, exit status 0")]

    # Drift: a trigger dropped by hand (or a migration that never ran).
    pgtrigger_command("uninstall", URIS[1])
    lines, error = pgtrigger_command("ls", "--check", *URIS)
    outcome += [check(bool(error), "ls --check after an uninstall fails:")]
    outcome += [f"  {line}" for line in lines]
    outcome += [f"  {error.split('. ')[0]}."]

    listing, _ = pgtrigger_command("ls", "--format", "json", *URIS)
    rows = json.loads("\n".join(listing))
    outcome += ["ls --format json:"] + [f"  {json.dumps(row)}" for row in rows]

    sql, _ = pgtrigger_command("sql", URIS[1])
    statements = [line for line in sql if line.startswith(("CREATE", "DO ", "COMMENT"))]
    outcome += ["sql cookbook.Coupon:read_only_code (first line of each statement):"]
    outcome += [f"  {line[:70].rstrip()}" for line in statements]

    lines, _ = pgtrigger_command("install", *URIS)
    outcome += ["install:"] + [f"  {line}" for line in lines]
    lines, error = pgtrigger_command("ls", "--check", *URIS)
    outcome += [check(not lines and not error, "ls --check passes again")]
    return outcome
