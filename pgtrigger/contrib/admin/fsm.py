"""``FSMAdminMixin``: a button per available transition on the change form."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, models, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from pgtrigger import errors, registry
from pgtrigger.contrib import _columns
from pgtrigger.contrib.admin._actor import ActorAdminMixin
from pgtrigger.contrib.fsm import ANY, FSM, TransitionNotAllowed
from pgtrigger.runtime import actor, context

TRANSITION = "_pgtrigger_transition"
"""The name of the transition buttons; the value is ``[field, target]`` as JSON."""


class FSMAdminMixin(ActorAdminMixin):
    """Transition buttons for the model's ``FSM`` triggers; their fields become read-only.

    Each button applies ``FSM.transition(obj, target)`` (only the state field is saved). A
    refusal, ``TransitionNotAllowed`` or any recipe's trigger refusing the ``UPDATE`` (see
    ``pgtrigger.errors``), is shown as an error message. ``fsm_fields`` limits the buttons to
    those state fields (default: every ``FSM`` of the model). Needs the change permission.
    """

    fsm_fields: list[str] | None = None
    change_form_template = "pgtrigger_admin/change_form.html"

    def get_fsm_triggers(self) -> list[FSM]:
        """The model's ``FSM`` triggers (those of ``fsm_fields``, in that order, if set)."""
        if self.fsm_fields is not None:
            return [FSM.get(self.model, field=field) for field in self.fsm_fields]
        concrete = self.model._meta.concrete_model
        found: list[FSM] = []
        for model, trigger in registry.registered():
            if not isinstance(trigger, FSM) or trigger in found:
                continue
            if model._meta.concrete_model is concrete:
                found.append(trigger)
        return found

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The state fields are read-only on the change form (the add form sets the first
        state, which the trigger checks against ``initial``)."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [t.field for t in self.get_fsm_triggers() if t.field not in fields]
        return fields

    def fsm_buttons(self, obj: models.Model) -> list[dict[str, Any]]:
        """One entry per available transition: the field, the target and the button's text."""
        buttons = []
        for trigger in self.get_fsm_triggers():
            field = _columns.concrete_field(type(obj), trigger.field)
            labels = dict(field.flatchoices) if field.choices else {}
            for target in trigger.available_transitions(obj):
                if target == ANY:  # no choices to expand the wildcard into: no button
                    continue
                buttons.append(
                    {
                        "field": field.verbose_name,
                        "label": str(labels.get(target, target)),
                        "value": json.dumps([trigger.field, target]),
                    }
                )
        return buttons

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and TRANSITION in request.POST:
            return self._transition(request, object_id)
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None and self.has_change_permission(request, obj):
            extra["fsm_buttons"] = self.fsm_buttons(obj)
        return super().change_view(request, object_id, form_url, extra)

    def _transition(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        back = HttpResponseRedirect(request.get_full_path())
        try:
            field, target = json.loads(request.POST[TRANSITION])
            trigger = FSM.get(self.model, field=field)
        except (ValueError, TypeError, LookupError):
            self.message_user(request, "Unknown transition.", messages.ERROR)
            return back
        before = trigger.state(obj)
        db = router.db_for_write(self.model, instance=obj)
        try:
            # A savepoint: a refused UPDATE leaves the request's transaction usable.
            with context(actor=actor(request)), transaction.atomic(using=db):
                trigger.transition(obj, target, using=db)
        except TransitionNotAllowed as exc:
            message = str(exc)
            # A database refusal raised as TransitionNotAllowed: say which rule refused it.
            refusal = errors.refusal(exc)
            if refusal is not None and refusal.message not in message:
                message = f"{message} Refused: {refusal.message}"
            self.message_user(request, message, messages.ERROR)
            return back
        except DatabaseError as exc:
            refusal = errors.refusal(exc)
            if refusal is None:
                raise
            self.message_user(request, f"Refused: {refusal.message}", messages.ERROR)
            return back
        message = f'Changed {trigger.field} from "{before}" to "{trigger.state(obj)}".'
        self.log_change(request, obj, message)
        self.message_user(request, f"{obj}: {message}", messages.SUCCESS)
        return back
