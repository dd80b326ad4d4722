"""``OfficialInterface``: an operation allowed only through the code path you bless."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

from django.db import models

from pgtrigger import errors, registry, runtime
from pgtrigger.contrib.protect import Protect

F = TypeVar("F", bound=Callable[..., Any])


class OfficialInterface(Protect):
    """Protect an operation everywhere except inside the official code path.

    Declare it once, use it as the decorator of the blessed function::

        create_only_via_manager = pgtrigger.OfficialInterface(
            name="official_create", operation=pgtrigger.Insert,
            hint="use User.objects.create_user()",
        )

        class UserManager(models.Manager):
            @create_only_via_manager.official
            def create_user(self, ...): ...

        class User(models.Model):
            objects = UserManager()

            class Meta:
                triggers = [create_only_via_manager]

    Inserts from ``create_user`` go through (the trigger is ignored inside it, with
    ``pgtrigger.ignore``); any other insert fails with the ``hint`` in its message.
    ``with trigger.official():`` opens the path for a block. The error's SQLSTATE is
    ``PGT05`` and its ``HINT`` is ``hint`` (see ``pgtrigger.errors``).
    """

    sqlstate = errors.OFFICIAL_INTERFACE

    def __init__(self, *, name: str | None = None, hint: str | None = None, **kwargs: Any):
        self.hint = hint
        super().__init__(name=name, **kwargs)

    def error_detail(self, model: type[models.Model]) -> str:
        detail = super().error_detail(model)
        return f"{detail}; {self.hint}" if self.hint else f"{detail}; use the official interface"

    def error_hint(self) -> str | None:
        return self.hint

    def uris(self) -> list[str]:
        """URIs of the models this trigger is registered on."""
        return [t.get_uri(m) for m, t in registry.registered() if t is self]

    @overload
    def official(self, func: None = None) -> contextlib.AbstractContextManager[None]: ...
    @overload
    def official(self, func: F) -> F: ...
    def official(self, func: F | None = None) -> Any:
        """Open the official path: ``@trigger.official`` on a function (sync or async), or
        ``with trigger.official():`` around a block."""
        if func is None:
            return self._open()
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._open():
                    return await func(*args, **kwargs)

            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._open():
                return func(*args, **kwargs)

        return wrapper

    @contextlib.contextmanager
    def _open(self) -> Iterator[None]:
        uris = self.uris()
        if not uris:  # ignore() without URIs would ignore every trigger
            raise RuntimeError(f'OfficialInterface "{self.name}" is not registered on a model')
        with runtime.ignore(*uris):
            yield
