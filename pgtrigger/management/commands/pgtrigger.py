"""``manage.py pgtrigger ls|install|uninstall|enable|disable|prune [uris] [-d DB] [-s SCHEMA]``."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from pgtrigger import installation, runtime
from pgtrigger.installation import Status

# 4.x's colours (ANSI bright red, green, yellow, cyan, blue), so its output and ours look alike.
_STATUS_COLOURS = {
    Status.UNINSTALLED: "91",
    Status.INSTALLED: "92",
    Status.OUTDATED: "93",
    Status.PRUNE: "96",
    Status.UNALLOWED: "94",
}
_ENABLED_LABELS = {True: ("ENABLED", "92"), False: ("DISABLED", "91"), None: ("N/A", "94")}
# Enabled triggers that also fire for replicated changes (``pg_trigger.tgenabled``).
_FIRES_LABELS = {"R": "REPLICA", "A": "ALWAYS"}


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
            if name == "enable":
                sub.add_argument(
                    "--mode",
                    choices=["origin", "replica", "always"],
                    help="Enable in this firing mode instead of the declared one (ls then "
                    "reports OUTDATED until install restores the declaration).",
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
                    self._ls(uris, database, self._colour(options))
                elif subcommand == "prune":
                    installation.prune(database=database)
                elif subcommand == "enable":
                    installation.enable(*uris, database=database, fires=options.get("mode"))
                else:
                    getattr(installation, subcommand)(*uris, database=database)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _colour(self, options: dict[str, Any]) -> bool:
        """Whether to colour: on a terminal (or --force-color), unless --no-color or a
        ``DJANGO_COLORS=nocolor`` palette turned Django's styles off."""
        styled = self.style.SUCCESS("x") != "x"
        return styled and (bool(options.get("force_color")) or self.stdout.isatty())

    def _ls(self, uris: tuple[str, ...], database: str, colour: bool) -> None:
        """One line per trigger: ``STATUS ENABLED uri``, columns padded as 4.x pads them.

        The enabled column is ``ENABLED``, ``DISABLED`` or ``N/A`` (not installed, or not
        allowed in this database). Colours, 4.x's, only on a terminal and without --no-color.
        """
        rows = []
        for row in installation.status(*uris, database=database):
            enabled = None if row.status in (Status.UNINSTALLED, Status.UNALLOWED) else row.enabled
            label, enabled_colour = _ENABLED_LABELS[enabled]
            if enabled and row.installed is not None and row.installed.tgenabled in _FIRES_LABELS:
                label = _FIRES_LABELS[row.installed.tgenabled]
            rows.append(
                (row.status.value, _STATUS_COLOURS[row.status], label, enabled_colour, row.uri)
            )
        status_width = max((len(r[0]) for r in rows), default=0)
        enabled_width = max((len(r[2]) for r in rows), default=0)

        def paint(text: str, code: str, width: int) -> str:
            painted = f"\033[{code}m{text}\033[0m" if colour else text
            return painted + " " * (width - len(text))

        for status, status_colour, label, enabled_colour, uri in rows:
            self.stdout.write(
                f"{paint(status, status_colour, status_width)} "
                f"{paint(label, enabled_colour, enabled_width)} {uri}"
            )
