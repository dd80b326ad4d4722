"""mkdocs hooks: before every build, write the SQL of each cookbook recipe.

``build/recipe-sql/<page>.sql`` is compiled from the page's own trigger declarations by
``python -m cookbook.sql`` (no database needed) and included in the recipe pages by snippets,
so the SQL shown cannot drift from the code shown. ``build/recipe-graphs/<page>.<trigger>.mmd``,
each cookbook FSM's Mermaid state diagram, is written the same way by ``python -m cookbook.graph``.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "build" / "recipe-sql"
GRAPH_DIR = ROOT / "build" / "recipe-graphs"


def on_pre_build(config: Any) -> None:
    subprocess.run(
        [sys.executable, "-m", "cookbook.sql", str(SQL_DIR)],
        check=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    subprocess.run(
        [sys.executable, "-m", "cookbook.graph", str(GRAPH_DIR)],
        check=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
