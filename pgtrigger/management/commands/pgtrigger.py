"""``manage.py pgtrigger ls|install|uninstall|enable|disable|prune [uris] [-d DB] [-s SCHEMA]``."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from pgtrigger import installation, runtime
from pgtrigger.installation import Status

_STYLES = {
    Status.INSTALLED: "SUCCESS",
    Status.OUTDATED: "WARNING",
    Status.UNINSTALLED: "NOTICE",
    Status.PRUNE: "ERROR",
    Status.UNALLOWED: "HTTP_NOT_MODIFIED",
}


class Command(BaseCommand):
    help = "List, install, uninstall, enable, disable and prune triggers."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, title="subcommands")
        helps = {
            "ls": "List triggers and their installation status.",
            "install": "Install triggers (and prune stale ones on a full install).",
            "uninstall": "Uninstall triggers.",
            "enable": "Enable installed triggers.",
            "disable": "Disable installed triggers.",
            "prune": "Drop installed triggers that are no longer registered.",
        }
        for name, help_text in helps.items():
            sub = subparsers.add_parser(name, help=help_text)
            if name != "prune":
                sub.add_argument("uris", nargs="*", help="Trigger URIs: app_label.Model:name")
            sub.add_argument(
                "-d",
                "--database",
                default=DEFAULT_DB_ALIAS,
                help="Database alias (default: default).",
            )
            sub.add_argument(
                "-s",
                "--schema",
                action="append",
                default=[],
                help="Schema to work in (repeatable); sets the search path.",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand: str = options["subcommand"]
        uris: tuple[str, ...] = tuple(options.get("uris") or ())
        database: str = options["database"]
        schemas: list[str] = options["schema"]
        if database not in connections:
            raise CommandError(f'No database alias "{database}" in settings.DATABASES.')
        if subcommand != "ls" and not installation.is_postgres(database):
            # The functions skip other vendors silently (as in 4.x); asked by name, say so.
            vendor = connections[database].vendor
            raise CommandError(
                f'Database "{database}" is {vendor}, not PostgreSQL: pgtrigger has no triggers '
                "to manage there. Pass -d with a PostgreSQL alias."
            )
        context = (
            runtime.schema(*schemas, databases=[database]) if schemas else contextlib.nullcontext()
        )
        try:
            with context:
                if subcommand == "ls":
                    self._ls(uris, database)
                elif subcommand == "prune":
                    installation.prune(database=database)
                else:
                    getattr(installation, subcommand)(*uris, database=database)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _ls(self, uris: tuple[str, ...], database: str) -> None:
        rows = installation.status(*uris, database=database)
        width = max((len(s.value) for s in Status), default=0)
        for row in rows:
            style = getattr(self.style, _STYLES[row.status])
            enabled = "" if row.enabled is None else ("ENABLED" if row.enabled else "DISABLED")
            self.stdout.write(
                f"{style(row.status.value.ljust(width))}  {enabled.ljust(8)}  {row.uri}"
            )
