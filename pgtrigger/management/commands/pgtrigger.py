"""``manage.py pgtrigger ls|sql|install|uninstall|enable|disable|prune [uris] [-d DB] [-s SCHEMA]``.

``ls --check`` is a drift gate for CI, ``ls --format json`` its machine-readable listing, ``sql``
prints what ``install`` sends. The commands that change the database say what they did, one
line per trigger in 4.x's wording, on standard error as 4.x's logger printed them (``-v 0``
silences them).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from pgtrigger import installation, registry, runtime
from pgtrigger import settings as pgtrigger_settings
from pgtrigger.contrib import fsm_graph
from pgtrigger.contrib.fsm import FSM
from pgtrigger.installation import Status, TriggerStatus

# 4.x's colours (ANSI bright red, green, yellow, cyan, blue), so its output and ours look alike.
_STATUS_COLOURS = {
    Status.UNINSTALLED: "91",
    Status.INSTALLED: "92",
    Status.OUTDATED: "93",
    Status.PRUNE: "96",
    Status.UNALLOWED: "94",
}
_ENABLED_COLOURS = {"DISABLED": "91", "N/A": "94"}  # ENABLED, REPLICA, ALWAYS: "92"
# What ``ls --check`` fails on: the database is not as the declarations say. An INSTALLED but
# disabled trigger is drift too (protection is off), unless ``--allow-disabled``.
DRIFT = (Status.OUTDATED, Status.UNINSTALLED, Status.PRUNE)
# 4.x's log lines, one per trigger acted on.
_DONE = {
    "install": "Installing",
    "uninstall": "Uninstalling",
    "enable": "Enabling",
    "disable": "Disabling",
}


def _graph(uri: str, format: str) -> str:
    """``graph``: the diagram of the FSM trigger ``uri``; needs no database."""
    try:
        ((model, trigger),) = registry.registered(uri)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if not isinstance(trigger, FSM):
        raise CommandError(f'Trigger "{uri}" is a {type(trigger).__name__}, not an FSM.')
    return trigger.graph(model, format)


def _owned_apps() -> list[str]:
    """The apps of the project itself: not installed from a package index."""
    from django.apps import apps

    installed = ("site-packages", "dist-packages")
    return [
        config.label
        for config in apps.get_app_configs()
        if not any(part in installed for part in Path(config.path).parts)
    ]


class Command(BaseCommand):
    help = "List, install, uninstall, enable, disable and prune triggers."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, title="subcommands")
        helps = {
            "ls": "List triggers and their installation status.",
            "sql": "Print the SQL that install sends for triggers (their functions and triggers).",
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
            if name == "ls":
                sub.add_argument(
                    "--check",
                    action="store_true",
                    help="List only OUTDATED, UNINSTALLED, PRUNE and disabled triggers; "
                    "exit 1 if any.",
                )
                sub.add_argument(
                    "--allow-disabled",
                    action="store_true",
                    help="With --check: triggers disabled on purpose (pgtrigger disable) "
                    "are not drift.",
                )
                sub.add_argument(
                    "--format",
                    choices=("text", "json"),
                    default="text",
                    help="text (default) or json: [{uri, status, enabled, database, drift}].",
                )
            if name == "enable":
                sub.add_argument(
                    "--mode",
                    choices=["origin", "replica", "always"],
                    help="Enable in this firing mode instead of the declared one (ls then "
                    "reports OUTDATED until install restores the declaration).",
                )

        adopt = subparsers.add_parser(
            "makemigrations",
            help="Write AlterTrigger migrations that adopt the current SQL for triggers whose "
            "migration holds other SQL of the same declaration (4.x's, or an older release's).",
        )
        adopt.add_argument(
            "app_labels",
            nargs="*",
            help="Apps to adopt (default: every app outside site-packages).",
        )
        adopt.add_argument("--dry-run", action="store_true", help="Show, write nothing.")
        adopt.add_argument("-n", "--name", help="Name of the migration files.")
        adopt.add_argument(
            "--check", action="store_true", help="Exit 1 if a migration would be written."
        )

        graph = subparsers.add_parser("graph", help="Print the state diagram of an FSM trigger.")
        graph.add_argument("uri", help="FSM trigger URI: app_label.Model:name")
        graph.add_argument("--format", choices=fsm_graph.FORMATS, default="mermaid")

    def _adopt(self, options: dict[str, Any]) -> None:
        """``pgtrigger makemigrations``: Django's ``makemigrations`` for the adopted apps, in
        which a trigger whose migration SQL is not the current compile gets an
        ``AlterTrigger`` (its declaration is unchanged: nothing else is proposed for it)."""
        from django.core.management import call_command

        from pgtrigger import migrations

        labels = list(options["app_labels"]) or _owned_apps()
        kwargs: dict[str, Any] = {
            "dry_run": options["dry_run"],
            "check_changes": options["check"],
            "interactive": False,
            "verbosity": options["verbosity"],
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        if options["name"]:
            kwargs["name"] = options["name"]
        with migrations.adopting(labels):
            call_command("makemigrations", *labels, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand: str = options["subcommand"]
        if subcommand == "graph":
            self.stdout.write(_graph(options["uri"], options["format"]), ending="")
            return
        if subcommand == "makemigrations":
            self._adopt(options)
            return
        uris: tuple[str, ...] = tuple(options.get("uris") or ())
        database: str = options["database"]
        schemas: list[str] = options["schema"]
        if database not in connections:
            raise CommandError(f'No database alias "{database}" in settings.DATABASES.')
        if subcommand != "ls" and not installation.is_postgres(database):
            # 4.x did nothing there and exited 0 (deploy scripts loop over every alias): the
            # same, with a warning instead of its lines about triggers it did not touch.
            vendor = connections[database].vendor
            self.stderr.write(
                f'pgtrigger: database "{database}" is {vendor}, not PostgreSQL: nothing to '
                f"{subcommand} there.",
                style_func=self.style.WARNING,
            )
            return
        context = (
            runtime.schema(*schemas, databases=[database]) if schemas else contextlib.nullcontext()
        )
        try:
            with context:
                if subcommand == "ls":
                    self._ls(uris, database, options)
                elif subcommand == "sql":
                    self._sql(uris, database)
                else:
                    self._act(subcommand, uris, database, options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _colour(self, options: dict[str, Any]) -> bool:
        """Whether to colour: on a terminal (or --force-color), unless --no-color or a
        ``DJANGO_COLORS=nocolor`` palette turned Django's styles off."""
        styled = self.style.SUCCESS("x") != "x"
        return styled and (bool(options.get("force_color")) or self.stdout.isatty())

    def _act(
        self, subcommand: str, uris: tuple[str, ...], database: str, options: dict[str, Any]
    ) -> None:
        """Run ``subcommand``, then print a line per trigger it acted on (4.x's wording).

        What is acted on is read from the catalog first, as the functions themselves select:
        ``install`` (re)creates UNINSTALLED and OUTDATED triggers and enables disabled ones, a
        full install also prunes (``PGTRIGGER_PRUNE_ON_INSTALL``); ``uninstall``, ``enable``
        and ``disable`` touch installed triggers only.
        """
        verbosity = int(options["verbosity"])
        before = installation.status(*uris, database=database) if verbosity else []
        if subcommand == "prune":
            installation.prune(database=database)
        elif subcommand == "enable":
            installation.enable(*uris, database=database, fires=options.get("mode"))
        else:
            getattr(installation, subcommand)(*uris, database=database)
        prunes = subcommand == "prune" or (
            subcommand == "install" and not uris and pgtrigger_settings.prune_on_install()
        )
        # On standard error, unstyled, as 4.x's "pgtrigger" logger printed them: standard
        # output stays for what scripts parse (ls, sql).
        for row in before:
            if row.status == Status.PRUNE and prunes and row.installed is not None:
                self.stderr.write(
                    f"pgtrigger: Pruning trigger {row.installed.pgid} for table "
                    f"{row.installed.regclass} on {database} database.",
                    style_func=_plain,
                )
        for row in before:
            if row.model is None or row.trigger is None or subcommand == "prune":
                continue
            verb = _verb(subcommand, row)
            if verb:
                self.stderr.write(
                    f"pgtrigger: {verb} {row.trigger.name} trigger for "
                    f"{row.trigger.get_table(row.model)} table on {database} database.",
                    style_func=_plain,
                )

    def _sql(self, uris: tuple[str, ...], database: str) -> None:
        """The statements that install each trigger, as compiled for this server.

        They are the ones migrations run. ``install`` sends the same in one transaction, with
        the catalog checks and comments of all its triggers in one block each
        (``compiler.install_batch_sql``); whoever runs these should use one transaction too.
        """
        selected = [
            (m, t) for m, t in registry.registered(*uris) if installation._allowed(m, database)
        ]
        registry.refuse_collisions(selected)
        version = installation._server_version(database)
        for model, trigger in selected:
            statements = trigger.compile(model).sql.install_sql(version)
            self.stdout.write(f"-- {trigger.get_uri(model)}")
            self.stdout.write(";\n".join(statements) + ";\n")

    def _ls(self, uris: tuple[str, ...], database: str, options: dict[str, Any]) -> None:
        rows = installation.status(*uris, database=database)
        drift = [row for row in rows if _is_drift(row, options.get("allow_disabled", False))]
        if options["check"]:
            rows = drift
        if options["format"] == "json":
            self.stdout.write(json.dumps([_as_json(row, database) for row in rows], indent=2))
        else:
            self._ls_text(rows, self._colour(options))
        if options["check"] and drift:
            labels = [_drift_label(row) for row in drift]
            counts = ", ".join(
                f"{labels.count(label)} {label}"
                for label in (*(status.value for status in DRIFT), "DISABLED")
                if label in labels
            )
            raise CommandError(
                f"{len(drift)} trigger(s) on database {database!r} differ from the declarations "
                f"({counts}). Run `manage.py pgtrigger install -d {database}` (a full install "
                "also prunes and enables disabled triggers), or ship the migrations that do.",
                returncode=1,
            )

    def _ls_text(self, rows: list[TriggerStatus], colour: bool) -> None:
        """One line per trigger: ``STATUS ENABLED uri``, columns padded as 4.x pads them.

        The enabled column is ``ENABLED``, ``DISABLED`` or ``N/A`` (not installed, or not
        allowed in this database). Colours, 4.x's, only on a terminal and without --no-color.
        """
        lines = []
        for row in rows:
            label = row.enabled_label
            enabled_colour = _ENABLED_COLOURS.get(label, "92")
            lines.append(
                (row.status.value, _STATUS_COLOURS[row.status], label, enabled_colour, row.uri)
            )
        status_width = max((len(r[0]) for r in lines), default=0)
        enabled_width = max((len(r[2]) for r in lines), default=0)

        def paint(text: str, code: str, width: int) -> str:
            painted = f"\033[{code}m{text}\033[0m" if colour else text
            return painted + " " * (width - len(text))

        for status, status_colour, label, enabled_colour, uri in lines:
            self.stdout.write(
                f"{paint(status, status_colour, status_width)} "
                f"{paint(label, enabled_colour, enabled_width)} {uri}"
            )


def _plain(text: str) -> str:
    return text


def _verb(subcommand: str, row: TriggerStatus) -> str | None:
    """4.x's verb for what ``subcommand`` does to the trigger of ``row`` (None: nothing)."""
    installed = row.status in (Status.INSTALLED, Status.OUTDATED)
    if subcommand == "install":
        if row.status in (Status.UNINSTALLED, Status.OUTDATED):
            return "Installing"
        # No statement for an INSTALLED trigger, unless it is disabled: install enables it.
        return "Enabling" if row.status == Status.INSTALLED and row.enabled is False else None
    return _DONE[subcommand] if installed else None


def _is_drift(row: TriggerStatus, allow_disabled: bool) -> bool:
    """Whether ``ls --check`` fails on ``row``: not as declared, or disabled (protection off)."""
    disabled = row.status == Status.INSTALLED and row.enabled is False
    return row.status in DRIFT or (disabled and not allow_disabled)


def _drift_label(row: TriggerStatus) -> str:
    """The kind of drift of a row ``ls --check`` fails on, for its summary."""
    return "DISABLED" if row.status == Status.INSTALLED else row.status.value


def _as_json(row: TriggerStatus, database: str) -> dict[str, Any]:
    return {
        "uri": row.uri,
        "status": row.status.value,
        "enabled": row.is_enabled,
        "database": database,
        # How the installed trigger differs from its declaration (``pgtrigger.drift.Drift``).
        "drift": [reason.value for reason in row.drift],
    }
