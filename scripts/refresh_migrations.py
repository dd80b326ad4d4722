"""Bring the compiled triggers in this repository's migration files up to date, in place.

The test apps and the cookbook keep one set of migrations, written as ``makemigrations``
writes them. When the SQL that a declaration compiles to changes (a library change, not a
declaration change), this rewrites the latest ``TriggerSql`` of each registered trigger to
what the declaration compiles to now (its SQL and its declaration fingerprint), instead of adding
``AlterTrigger`` migrations. ``UpsertTriggerSql`` (files django-pgtrigger 4.x wrote) is left as is.

Usage: ``python scripts/refresh_migrations.py [--check]`` (with ``DJANGO_SETTINGS_MODULE``
set as for the tests); ``--check`` exits 1 when a file would change.
"""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.apps import apps
    from django.db.migrations.serializer import serializer_factory

    import pgtrigger

    repo = pathlib.Path(__file__).resolve().parents[1]
    current = {}
    for model, trigger in pgtrigger.registered():
        compiled = trigger.compile(model).sql
        current[(compiled.table, compiled.pgid)] = compiled
    changed = []
    for config in apps.get_app_configs():
        folder = pathlib.Path(config.path) / "migrations"
        if repo not in folder.parents or not folder.is_dir():
            continue
        latest: dict[tuple[str, str], tuple[pathlib.Path, ast.Call]] = {}
        sources = {}
        for path in sorted(folder.glob("0*.py")):
            sources[path] = path.read_text()
            for node in ast.walk(ast.parse(sources[path])):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    # Files 4.x wrote (UpsertTriggerSql) stay as they came out: they are current
                    # as long as their declaration is unchanged.
                    and node.func.attr == "TriggerSql"
                ):
                    kwargs = {k.arg: k.value for k in node.keywords}
                    try:
                        key = (ast.literal_eval(kwargs["table"]), ast.literal_eval(kwargs["pgid"]))
                    except (KeyError, ValueError):
                        continue
                    latest[key] = (path, node)
        edits: dict[pathlib.Path, list[tuple[ast.Call, str]]] = {}
        for key, (path, node) in latest.items():
            compiled = current.get(key)
            if compiled is None:
                continue
            written = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            same = (written.get("hash"), written.get("declaration"))
            if same == (compiled.hash, compiled.declaration):
                continue
            text, _ = serializer_factory(compiled).serialize()
            edits.setdefault(path, []).append((node, text))
        for path, nodes in edits.items():
            lines = sources[path].splitlines(keepends=True)
            offsets = [0]
            for line in lines:
                offsets.append(offsets[-1] + len(line))
            text = sources[path]
            for node, new in sorted(
                nodes, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True
            ):
                start = offsets[node.lineno - 1] + node.col_offset
                end = offsets[node.end_lineno - 1] + node.end_col_offset
                text = text[:start] + new + text[end:]
            changed.append(path)
            if "--check" not in sys.argv:
                path.write_text(text)
    for path in changed:
        print(path.relative_to(repo))
    if changed and "--check" not in sys.argv:
        # Formatted as the rest of the repository (make lint checks it).
        ruff = pathlib.Path(sys.executable).with_name("ruff")
        subprocess.run([str(ruff), "format", "-q", *map(str, changed)], check=True)
    return 1 if changed and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
