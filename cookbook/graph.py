"""``python -m cookbook.graph OUT_DIR``: write the state diagram of each cookbook FSM.

``OUT_DIR/<page>.<trigger>.mmd`` is the Mermaid text ``manage.py pgtrigger graph`` prints,
written by ``scripts/docs_hooks.py`` before every build and included in the page inside a
``mermaid`` fence, so the diagram cannot drift from the declaration. No database needed.
"""

from __future__ import annotations

import importlib
import pathlib
import sys


def page_graphs(name: str) -> dict[str, str]:
    """``{"<page>.<trigger>.mmd": mermaid}`` for the FSM triggers a page declares."""
    from pgtrigger import FSM, registry

    module = importlib.import_module(f"cookbook.pages.{name}")
    return {
        f"{name}.{trigger.name}.mmd": trigger.graph(model)
        for model, trigger in registry.registered()
        if model.__module__ == module.__name__ and isinstance(trigger, FSM)
    }


def main(argv: list[str]) -> int:
    from cookbook.sql import configure

    out = pathlib.Path(argv[0] if argv else "build/recipe-graphs")
    configure()
    from cookbook.pages import PAGES

    out.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        for filename, text in page_graphs(name).items():
            target = out / filename
            if not target.exists() or target.read_text() != text:  # mkdocs serve watches mtimes
                target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
