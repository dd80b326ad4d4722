"""``pgtrigger.F``: a field reference in a condition, checked when it is written.

The class the conditions compile is ``pgtrigger.conditions.F``; this subclass only adds 4.x's
construction-time check, so a reference to no row (``F("price")``) fails where it is declared
instead of when the condition is compiled.
"""

from __future__ import annotations

from typing import Any

from pgtrigger import conditions

ROW_PREFIXES = ("old__", "new__")


class F(conditions.F):
    """A reference to ``old__<field>`` or ``new__<field>`` inside a condition.

    Raises ``ValueError`` (as 4.x does) when ``name`` does not start with ``old__`` or
    ``new__`` followed by a field.
    """

    def __init__(self, name: Any) -> None:
        if (
            not isinstance(name, str)
            or not name.startswith(ROW_PREFIXES)
            or len(name) == len(ROW_PREFIXES[0])
        ):
            raise ValueError(
                f"pgtrigger.F({name!r}): F() values must reference old__<field> or "
                "new__<field>, for example pgtrigger.F('old__price')."
            )
        super().__init__(name)
