"""``python -m cookbook.sql OUT_DIR``: write the SQL each cookbook page's triggers install.

The docs show it (``OUT_DIR/<page>.sql``, written by ``scripts/docs_hooks.py`` before every
build), so it cannot drift from the declarations. Compiling a trigger needs no database: the
settings name one that is never connected to.
"""

from __future__ import annotations

import importlib
import pathlib
import re
import sys

from django.conf import settings

TRIGGER_CLAUSES = re.compile(r" (?=REFERENCING |FOR EACH |WHEN \(|EXECUTE FUNCTION )")


def configure() -> None:
    """Set up Django with the cookbook app and a database that is never used."""
    import django

    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.postgres",
            "pgtrigger",
            "cookbook",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "never_connected",
                "HOST": "invalid.invalid",
            }
        },
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()


def page_sql(name: str) -> str:
    """The ``CREATE FUNCTION`` and ``CREATE TRIGGER`` statements of one page's triggers.

    Exactly what ``migrate`` runs on PostgreSQL 14+, laid out one clause a line (whitespace
    only); the ``COMMENT ON TRIGGER`` holding the trigger's hash is left out.
    """
    from pgtrigger import registry, sql

    module = importlib.import_module(f"cookbook.pages.{name}")
    blocks = []
    for model, trigger in registry.registered():
        if model.__module__ != module.__name__:
            continue
        compiled = trigger.compile(model).sql
        create = "CREATE CONSTRAINT TRIGGER" if compiled.constraint else "CREATE OR REPLACE TRIGGER"
        body = TRIGGER_CLAUSES.sub("\n    ", compiled.body)
        blocks.append(
            f"-- {model.__name__}: {trigger.name}\n"
            f"{compiled.function_sql()};\n\n"
            f"{create} {sql.quote_ident(compiled.pgid)}\n"
            f"    {compiled.event} ON {sql.quote_table(compiled.table)}\n"
            f"    {body};\n"
        )
    if not blocks:
        raise SystemExit(f"cookbook page {name!r} declares no trigger")
    return "\n".join(blocks)


def main(argv: list[str]) -> int:
    out = pathlib.Path(argv[0] if argv else "build/recipe-sql")
    configure()
    from cookbook.pages import PAGES

    out.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        target = out / f"{name}.sql"
        text = page_sql(name)
        if not target.exists() or target.read_text() != text:  # mkdocs serve watches mtimes
            target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
