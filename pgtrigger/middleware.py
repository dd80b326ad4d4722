"""``ContextMiddleware``: the request's user as ``pgtrigger.context(actor=...)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async

from pgtrigger.runtime import actor, context

__all__ = ["ContextMiddleware", "actor"]


class ContextMiddleware:
    """Run each request inside ``pgtrigger.context(actor=<user pk or None>)``.

    Add ``"pgtrigger.middleware.ContextMiddleware"`` to ``MIDDLEWARE`` after Django's
    ``AuthenticationMiddleware``. Works in sync and async (ASGI) stacks; the context follows
    the request's thread or task, including ``sync_to_async`` calls. Subclass and override
    ``get_context(request)`` to send more values (or another actor).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def get_context(self, request: Any) -> dict[str, Any]:
        """The values for the request's ``pgtrigger.context()``."""
        return {"actor": actor(request)}

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self.__acall__(request)
        with context(**self.get_context(request)):
            return self.get_response(request)

    async def __acall__(self, request: Any) -> Any:
        # request.user is lazy and may query the database: resolve it in a thread.
        values = await sync_to_async(self.get_context)(request)
        with context(**values):
            response: Awaitable[Any] = self.get_response(request)
            return await response
