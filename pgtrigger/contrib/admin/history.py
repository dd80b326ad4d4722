"""``HistoryAdminMixin``: the changes that ``TrackChanges`` and ``Versioning`` recorded."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from pgtrigger import registry
from pgtrigger.contrib.admin._actor import ActorAdminMixin
from pgtrigger.contrib.change_tracking import TIMESTAMP_FIELD, TrackChanges
from pgtrigger.contrib.versioning import Versioning


@dataclasses.dataclass
class Change:
    """The events one statement recorded for the object: when, who and which fields."""

    when: datetime.datetime | None
    who: Any
    fields: list[tuple[str, Any, Any]]


def _triggers(model: type[models.Model]) -> list[Any]:
    concrete = model._meta.concrete_model
    return [
        trigger
        for registered, trigger in registry.registered()
        if isinstance(trigger, TrackChanges | Versioning)
        and registered._meta.concrete_model is concrete
    ]


def _display(field: models.Field[Any, Any] | None, value: Any) -> Any:
    """A recorded (JSON) value as the field shows it: its choice label, if it has choices."""
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def changes(obj: models.Model) -> list[Change]:
    """The object's changes, newest first, with (field, old, new) per field.

    The events of a ``TrackChanges`` trigger are grouped by time and actor: ``changed_at`` is
    the transaction's time, so an entry is what one user changed in one transaction.
    """
    model = type(obj)
    found: list[Change] = []
    for trigger in _triggers(model):
        if not isinstance(trigger, TrackChanges):
            continue
        events = trigger.event_model()
        names = {f.name for f in events._meta.concrete_fields}
        stamped = TIMESTAMP_FIELD in names
        queryset = events._default_manager.filter(object_pk=str(obj.pk))
        if trigger.changed_by and isinstance(
            events._meta.get_field(trigger.changed_by), models.ForeignKey
        ):
            queryset = queryset.select_related(trigger.changed_by)
        order = [f"-{TIMESTAMP_FIELD}"] if stamped else []
        start = len(found)
        for event in queryset.order_by(*order, "-pk"):
            when = getattr(event, TIMESTAMP_FIELD) if stamped else None
            who = getattr(event, trigger.changed_by) if trigger.changed_by else None
            try:
                field: Any = model._meta.get_field(event.field)
            except LookupError:
                field = None
            label = str(field.verbose_name) if field is not None else event.field
            old = _display(field, event.old_value)
            new = _display(field, event.new_value)
            last = found[-1] if found else None
            if last is not None and when is not None and (last.when, last.who) == (when, who):
                last.fields.append((label, old, new))
            else:
                found.append(Change(when, who, [(label, old, new)]))
        for change in found[start:]:  # each change's fields in the order they were written
            change.fields.reverse()
    found.sort(
        key=lambda c: c.when or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc),
        reverse=True,
    )
    return found


def versions(obj: models.Model) -> list[tuple[str, Any, Any]]:
    """For each ``Versioning`` trigger: the field's name, its value and the last actor."""
    return [
        (
            trigger.field,
            getattr(obj, trigger.field),
            getattr(obj, trigger.changed_by) if trigger.changed_by else None,
        )
        for trigger in _triggers(type(obj))
        if isinstance(trigger, Versioning)
    ]


class HistoryAdminMixin(ActorAdminMixin):
    """The change form's "History" button opens the trigger-recorded history of the object.

    Each change recorded by the model's ``TrackChanges`` triggers: when, who
    (``changed_by``) and each field's old and new value; and the version (and last editor)
    of its ``Versioning`` triggers; then the admin's own log of the object. Needs the view
    or change permission, as Django's history page.
    """

    object_history_template = "pgtrigger_admin/history.html"

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with ID {object_id!r}.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "changes": changes(obj),
            "versions": versions(obj),
            "action_list": LogEntry.objects.filter(
                object_id=unquote(object_id),
                content_type=get_content_type_for_model(obj),
            )
            .select_related("user")
            .order_by("-action_time"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)
