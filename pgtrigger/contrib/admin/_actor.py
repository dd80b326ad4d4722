"""The admin user as ``pgtrigger.context(actor=...)`` for the writes of the admin's views."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from pgtrigger.runtime import actor, context


class ActorAdminMixin(admin.ModelAdmin):
    """Run the change form, the change list (its actions) and the delete page inside
    ``pgtrigger.context(actor=<the user's pk>)``.

    So ``Versioning(changed_by=...)``, ``TrackChanges(changed_by=...)`` and
    ``SoftDelete(deleted_by=...)`` record the admin user without ``ContextMiddleware``
    (with it, the values are the same).
    """

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with context(actor=actor(request)):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with context(actor=actor(request)):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with context(actor=actor(request)):
            return super().delete_view(request, *args, **kwargs)
