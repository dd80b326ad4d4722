"""The trigger status page: what ``manage.py pgtrigger ls`` lists, with its actions.

The rows come from ``pgtrigger.installation.status()`` (one catalog read per database, as
``ls`` does) and the actions run the ``pgtrigger`` management command itself, so the page and
the command cannot disagree.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import io
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from pgtrigger import installation
from pgtrigger.installation import Status, TriggerStatus

ACTIONS = {
    "install": "Install selected triggers",
    "enable": "Enable selected triggers",
    "disable": "Disable selected triggers",
    "uninstall": "Uninstall selected triggers",
    "prune": "Prune orphaned triggers of the selected databases",
}
"""The actions of the page: the ``pgtrigger`` subcommands that change the database."""

MANAGE_PERMISSION = "pgtrigger_admin.manage_triggers"
"""Runs the actions (superusers have it); viewing needs ``pgtrigger_admin.view_trigger``."""

ORPHAN_APP = "(orphans)"
"""The app of ``PRUNE`` rows: installed triggers that no registered trigger claims."""


@dataclasses.dataclass(frozen=True)
class Row:
    """A line of the page: one trigger's ``TriggerStatus`` in one database."""

    database: str
    state: TriggerStatus

    @property
    def uri(self) -> str:
        return self.state.uri

    @property
    def key(self) -> str:
        """The checkbox value: the database and the URI (neither holds a ``|``)."""
        return f"{self.database}|{self.uri}"

    @property
    def status(self) -> str:
        return self.state.status.value

    @property
    def app(self) -> str:
        return self.state.model._meta.app_label if self.state.model else ORPHAN_APP

    @property
    def enabled(self) -> str:
        """``ENABLED``, ``DISABLED``, ``REPLICA``, ``ALWAYS`` or ``N/A``, as ``ls`` prints."""
        return self.state.enabled_label

    @functools.cached_property
    def diff(self) -> list[str]:
        """For an ``OUTDATED`` trigger, a unified diff from the installed to the declared SQL."""
        if self.state.status != Status.OUTDATED:
            return []
        return sql_diff(self.state)


def _installed_text(state: TriggerStatus) -> list[str]:
    row = state.installed
    assert row is not None
    return [
        f"-- hash: {row.hash}",
        f"-- trigger: {', '.join(str(part) for part in row.shape)}",
        f"-- enabled: {row.tgenabled}",
        *(row.function_source or "").splitlines(),
    ]


def _declared_text(state: TriggerStatus) -> list[str]:
    assert state.model is not None and state.trigger is not None
    compiled = state.trigger.compile(state.model).sql
    shape = installation._expected_shape(state.model, state.trigger)
    return [
        f"-- hash: {compiled.hash}",
        f"-- trigger: {', '.join(str(part) for part in shape)}",
        f"-- enabled: {installation.expected_tgenabled(compiled.fires)}",
        *compiled.function.splitlines(),
    ]


def sql_diff(state: TriggerStatus) -> list[str]:
    """What ``status`` compares, installed (``-``) against declared (``+``), as diff lines.

    The comment's hash, the trigger's shape (``pg_trigger.tgtype``, deferral, transition
    tables and ``UPDATE OF`` columns), its firing mode (``tgenabled``; ``D`` is disabled,
    which is not a difference) and the function's body.
    """
    lines = difflib.unified_diff(
        _installed_text(state),
        _declared_text(state),
        fromfile="installed",
        tofile="declared",
        lineterm="",
    )
    return list(lines)


def databases() -> list[str]:
    """The PostgreSQL aliases of ``settings.DATABASES`` (test mirrors are the same database)."""
    return [
        alias
        for alias, config in settings.DATABASES.items()
        if connections[alias].vendor == "postgresql"
        and not (config.get("TEST") or {}).get("MIRROR")
    ]


def rows(aliases: Iterable[str]) -> list[Row]:
    """Every registered trigger (and every orphan) of each database: a status read for each."""
    return [Row(alias, state) for alias in aliases for state in installation.status(database=alias)]


@dataclasses.dataclass(frozen=True)
class Target:
    """What an action will do in one database: the command's arguments and the rows."""

    database: str
    uris: tuple[str, ...]
    rows: tuple[Row, ...]


def targets(action: str, selected: Iterable[Row], all_rows: Iterable[Row]) -> list[Target]:
    """The command to run per database for ``action`` on the ``selected`` rows.

    ``prune`` drops every orphan of the databases of the selected ``PRUNE`` rows (the command
    takes no URI); the other actions take the selected registered triggers, never none (the
    command without URIs would act on all of them).
    """
    found: dict[str, list[Row]] = {}
    for row in selected:
        if (row.state.status == Status.PRUNE) == (action == "prune"):
            found.setdefault(row.database, []).append(row)
    if action == "prune":
        orphans = [row for row in all_rows if row.state.status == Status.PRUNE]
        return [Target(db, (), tuple(row for row in orphans if row.database == db)) for db in found]
    return [
        Target(db, tuple(row.uri for row in chosen), tuple(chosen)) for db, chosen in found.items()
    ]


def run(action: str, target: Target) -> list[str]:
    """Run ``manage.py pgtrigger <action> [uris] -d <database>``; return its output lines.

    The action lines go to stderr, as 4.x logged them; the summary to stdout.
    """
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "pgtrigger", action, *target.uris, database=target.database, stdout=out, stderr=err
    )
    return [line for line in (err.getvalue() + out.getvalue()).splitlines() if line]


class TriggerStatusAdmin(admin.ModelAdmin):
    """The admin of ``pgtrigger_admin.Trigger``: its change list is the status page."""

    status_template = "pgtrigger_admin/status.html"
    confirmation_template = "pgtrigger_admin/status_confirm.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Whether the user may run the actions (superusers, or ``MANAGE_PERMISSION``)."""
        return bool(request.user.is_active and request.user.has_perm(MANAGE_PERMISSION))

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name="{}_{}_changelist".format(*info))]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        all_rows = rows(databases())
        if request.method == "POST":
            return self._action(request, all_rows)
        filters = {name: request.GET.get(name) for name in ("status", "app", "database")}
        shown = [
            row
            for row in all_rows
            if all(value in (None, getattr(row, name)) for name, value in filters.items())
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Trigger status",
            "rows": shown,
            "total": len(all_rows),
            "counts": _counts(shown),
            "filters": _filters(request, all_rows, filters),
            "actions": ACTIONS if self.has_manage_permission(request) else {},
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.status_template, context)

    def _action(self, request: HttpRequest, all_rows: list[Row]) -> HttpResponse:
        if not self.has_manage_permission(request):
            raise PermissionDenied
        action = request.POST.get("action", "")
        keys = set(request.POST.getlist("selected"))
        back = HttpResponseRedirect(request.get_full_path())
        if action not in ACTIONS:
            self.message_user(request, "Choose an action.", messages.WARNING)
            return back
        planned = targets(action, [row for row in all_rows if row.key in keys], all_rows)
        if not planned:
            what = "orphaned (PRUNE) trigger" if action == "prune" else "registered trigger"
            self.message_user(request, f"Select at least one {what} to {action}.", messages.WARNING)
            return back
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Are you sure?",
                "action": action,
                "action_label": ACTIONS[action],
                "targets": planned,
                "keys": sorted(keys),
            }
            return TemplateResponse(request, self.confirmation_template, context)
        for target in planned:
            try:
                output = run(action, target)
            except CommandError as exc:
                self.message_user(request, f"{target.database}: {exc}", messages.ERROR)
                continue
            self._log(request, action, target, output)
            done = "; ".join(output) or "nothing to change"
            self.message_user(
                request,
                f"pgtrigger {action} on database {target.database}: {done}",
                messages.SUCCESS,
            )
        return back

    def _log(self, request: HttpRequest, action: str, target: Target, output: list[str]) -> None:
        """One ``LogEntry`` per trigger acted on, with the command's output."""
        content_type = ContentType.objects.get_for_model(self.model, for_concrete_model=False)
        message = f"pgtrigger {action} -d {target.database}: " + ("; ".join(output) or "no change")
        user_id = request.user.pk
        assert user_id is not None  # admin_view lets staff users only in
        LogEntry.objects.bulk_create(
            LogEntry(
                user_id=user_id,
                content_type=content_type,
                object_id=row.key,
                object_repr=f"{row.uri} ({row.database})"[:200],
                action_flag=CHANGE,
                change_message=message,
            )
            for row in target.rows
        )


def _counts(shown: list[Row]) -> list[tuple[str, int]]:
    return [
        (status.value, count)
        for status in Status
        if (count := sum(row.state.status == status for row in shown))
    ]


def _filters(
    request: HttpRequest, all_rows: list[Row], current: dict[str, str | None]
) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The sidebar: for each filter, (label, query string, selected) choices, "All" first."""
    values = {
        "status": [s.value for s in Status if any(r.state.status == s for r in all_rows)],
        "app": sorted({row.app for row in all_rows}),
        "database": list(dict.fromkeys(row.database for row in all_rows)),
    }
    sidebar = []
    for name, choices in values.items():
        entries = [("All", _query(request, name, None), current[name] is None)]
        entries += [
            (value, _query(request, name, value), current[name] == value) for value in choices
        ]
        sidebar.append((name, entries))
    return sidebar


def _query(request: HttpRequest, name: str, value: str | None) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    if value is not None:
        params[name] = value
    return "?" + params.urlencode()
