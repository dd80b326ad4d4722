"""Renderings computed once per pass over the registry.

One ``status`` or ``install`` pass renders each declaration several times: its fingerprint
renders 4.x's form, the comparison with the catalog renders it again, and ``install`` compiles
every trigger once to decide what to send and once more under its lock. Inside
:func:`one_pass`, each (kind, trigger, model) is computed once; outside it, nothing is kept, so
a declaration changed between two calls is always rendered afresh.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

# The value keeps its trigger alive for the pass, so that no new object can take over its id
# (the key: a declaration need not be hashable) and with it the renderings.
_memo: ContextVar[dict[tuple[str, Any, Any], tuple[Any, Any, Any]] | None] = ContextVar(
    "pgtrigger_memo", default=None
)


@contextlib.contextmanager
def one_pass() -> Iterator[None]:
    """Within the block (and blocks nested in it), remember what :func:`cached` computes."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def cached(kind: str, trigger: Any, model: Any, compute: Callable[[], T]) -> T:
    """``compute()``, once per (``kind``, ``trigger``, ``model``) inside :func:`one_pass`."""
    memo = _memo.get()
    if memo is None:
        return compute()
    key = (kind, id(trigger), model)
    if key not in memo:
        memo[key] = (trigger, model, compute())
    return memo[key][2]
