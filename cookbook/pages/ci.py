"""Triggers in CI: fail the build when triggers drift from the models.

After `migrate`, `manage.py pgtrigger ls --check` lists the triggers
that are OUTDATED, UNINSTALLED or PRUNE and exits with status 1 if there
is any; `--format json` gives the listing to other programs.
`manage.py pgtrigger sql` prints the exact SQL `install` sends.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Coupon(models.Model):
    code = models.CharField(max_length=16)
    redeemed = models.BooleanField(default=False)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_deletes",
                operation=pgtrigger.Delete,
            ),
            pgtrigger.ReadOnly(
                name="read_only_code",
                fields=["code"],
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    import io
    import json

    from django.core.management import CommandError, call_command

    label = Coupon._meta.app_label
    uris = [
        f"{label}.Coupon:protect_deletes",
        f"{label}.Coupon:read_only_code",
    ]

    def pgtrigger_command(*args: str) -> tuple[list[str], str]:
        """``manage.py pgtrigger *args``: its lines (stdout, and stderr
        for what install did) and its error."""
        out = io.StringIO()
        try:
            call_command("pgtrigger", *args, stdout=out, stderr=out)
        except CommandError as exc:
            return out.getvalue().splitlines(), str(exc)
        return out.getvalue().splitlines(), ""

    def short(line: str) -> str:
        """A line without the app label (the docs' app is yours)."""
        return line.replace(f"{label}.", "")

    lines, error = pgtrigger_command("ls", "--check", *uris)
    outcome = [f"ls --check: {len(lines)} lines, error: {error!r}"]

    # Drift: a trigger dropped by hand, or a migration that never ran.
    pgtrigger_command("uninstall", uris[1])
    lines, error = pgtrigger_command("ls", "--check", *uris)
    outcome += ["ls --check after an uninstall:"]
    outcome += [f"  {short(line)}" for line in lines]
    outcome += [f"  {error.split('. ')[0]}."]

    listing, _ = pgtrigger_command("ls", "--format", "json", *uris)
    outcome += ["ls --format json:"]
    for row in json.loads("\n".join(listing)):
        row["uri"] = short(row["uri"])
        outcome += [f"  {json.dumps(row)}"]

    sql, _ = pgtrigger_command("sql", uris[1])
    starts = ("CREATE", "DO ", "COMMENT")
    outcome += ["sql (the statements, first words):"]
    for line in (line for line in sql if line.startswith(starts)):
        words = line.split()[:4]
        outcome += ["  " + " ".join(w for w in words if '"' not in w)]

    lines, _ = pgtrigger_command("install", *uris)
    outcome += ["install:"] + [f"  {line}" for line in lines]
    lines, error = pgtrigger_command("ls", "--check", *uris)
    outcome += [f"ls --check: {len(lines)} lines, error: {error!r}"]
    return outcome


# --8<-- [end:demo]
