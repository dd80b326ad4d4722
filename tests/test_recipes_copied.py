"""What the docs show of a recipe works when a newcomer copies it into their own project.

The docs show each cookbook page's ``models`` section as the code to copy, and its ``demo``
section apart; the SQL shown is compiled from the same declarations without a database.
"""

from __future__ import annotations

import ast
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from cookbook.pages import PAGES

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "cookbook" / "output"


def section(name: str, part: str) -> str:
    """The lines between ``# --8<-- [start:part]`` and ``# --8<-- [end:part]`` of a page."""
    source = (ROOT / "cookbook" / "pages" / f"{name}.py").read_text()
    found = re.findall(
        rf"^# --8<-- \[start:{part}\]\n(.*?)^# --8<-- \[end:{part}\]$", source, re.M | re.S
    )
    assert len(found) == 1, f"{name}.py needs one [start:{part}] ... [end:{part}] section"
    return found[0]


@pytest.mark.parametrize("name", PAGES)
def test_models_section_is_self_contained(name):
    """Nothing from the cookbook: no import, no app label, no table name, no helper."""
    models = section(name, "models")
    tree = ast.parse(models)
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert "pgtrigger" in imported
    assert not [module for module in imported if module and module.startswith("cookbook")]
    assert "cookbook" not in models.lower()
    assert "def demo" not in models
    assert any(isinstance(node, ast.ClassDef) for node in tree.body)


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_its_models_then_its_demo(name):
    """Outside the two sections a page has only its docstring: nothing the docs do not show."""
    source = (ROOT / "cookbook" / "pages" / f"{name}.py").read_text()
    rest = source.replace(section(name, "models"), "").replace(section(name, "demo"), "")
    rest = re.sub(r"^# --8<-- \[(start|end):(models|demo)\]$", "", rest, flags=re.M)
    (docstring,) = ast.parse(rest).body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert "def demo" in section(name, "demo")


@pytest.mark.parametrize("name", PAGES)
def test_recipe_lines_fit_a_code_block(name):
    """76 characters fit a docs code block at 1366 px (scripts/check_site.py measures it)."""
    for part in ("models", "demo"):
        long = [line for line in section(name, part).splitlines() if len(line) > 76]
        assert not long, f"{name} {part}: {long}"


def test_sql_shown_in_the_docs_is_compiled_without_a_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["DATABASE_URL"] = "postgresql://nobody@invalid.invalid:1/none"  # never used
    result = subprocess.run(
        [sys.executable, "-m", "cookbook.sql", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    for name in PAGES:
        text = (tmp_path / f"{name}.sql").read_text()
        # One per trigger (not related_name="...").
        declared = len(re.findall(r'(?<!\w)name="', section(name, "models")))
        functions = text.count("CREATE OR REPLACE FUNCTION")
        triggers = text.count("CREATE OR REPLACE TRIGGER") + text.count("CREATE CONSTRAINT TRIGGER")
        assert functions == triggers == declared, (name, functions, triggers, declared)
        assert "EXECUTE FUNCTION" in text and "cookbook_" in text


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_sql_shown_is_what_the_cookbook_migration_installs(name):
    """The docs' SQL holds the very function bodies the cookbook's migration installed."""
    from django.db import connection

    from cookbook.sql import page_sql

    text = page_sql(name)
    pgids = re.findall(r'CREATE OR REPLACE FUNCTION "([^"]+)"', text)
    assert pgids
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [pgids])
        installed = dict(cursor.fetchall())
    assert set(installed) == set(pgids)
    for body in installed.values():
        assert body in text


# --- a fresh project ------------------------------------------------------------------------
DEMO_HEADER = """\
from django.db import models  # noqa: F401
import pgtrigger  # noqa: F401
from .models import *  # noqa: F403

"""

RUN_DEMOS = """
import importlib, json
from django.db import transaction

class Rollback(Exception):
    pass

outcomes = {}
for app in APPS:
    try:
        with transaction.atomic():
            outcomes[app] = importlib.import_module(app + ".demo").demo()
            raise Rollback
    except Rollback:
        pass
print(json.dumps(outcomes))
"""


def test_copied_recipes_migrate_check_and_run_in_a_fresh_project(tmp_path):
    """Each page's models section, pasted into an app of a new project, works there.

    ``makemigrations``, ``migrate`` and ``check`` run on the copied code, then each page's
    demo runs against the app's models and prints what the docs show (with the app's table
    names in place of the cookbook's).
    """
    pytest.importorskip("psycopg")
    from tests.migrations_project import Project

    apps = {f"my_{name}": name for name in PAGES}
    project = Project(
        tmp_path,
        apps=tuple(apps),
        contrib=(
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.postgres",
        ),
    )
    try:
        for app, name in apps.items():
            project.models(section(name, "models"), app=app)
            project.write(f"{app}/demo.py", DEMO_HEADER + section(name, "demo"))
        out = project.makemigrations()
        assert all(f"{app}/migrations/0001_initial.py" in out for app in apps), out
        project.migrate()
        project.run("check", "--fail-level", "WARNING")
        assert len(project.triggers()) >= len(PAGES)
        outcomes = json.loads(project.shell(f"APPS = {list(apps)!r}\n{RUN_DEMOS}").splitlines()[-1])
    finally:
        project.drop()
    for app, name in apps.items():
        shown = (OUTPUT / f"{name}.txt").read_text().splitlines()
        assert [line.replace(f"{app}_", "cookbook_") for line in outcomes[app]] == shown


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a Markdown page (their text, without the fences)."""
    return re.findall(r"^```[^\n]*\n(.*?)^```$", markdown, re.M | re.S)


def test_the_tutorial_works_in_a_fresh_project(tmp_path):
    """Steps 1 to 5 of the tutorial, as written, in a project with a ``billing`` app."""
    pytest.importorskip("psycopg")
    pytest.importorskip("pytest_django")
    from tests.migrations_project import Project

    tutorial = (ROOT / "docs" / "tutorial.md").read_text()
    blocks = code_blocks(tutorial)
    ignore_block = next(b for b in blocks if "with pgtrigger.ignore(" in b)
    test_block = next(b for b in blocks if "def test_invoices_cannot_be_deleted" in b)
    project = Project(tmp_path, apps=("billing",))
    try:
        assert '--8<-- "cookbook/pages/protect.py:models"' in tutorial
        project.models(section("protect", "models"), app="billing")
        project.run("check")
        project.makemigrations()
        project.migrate()
        assert project.ls() == {"billing.Invoice:protect_deletes": "INSTALLED"}
        listed = project.run("pgtrigger", "--no-color", "ls").stdout
        assert "INSTALLED    ENABLED   billing.Invoice:protect_deletes" in tutorial
        assert listed.split() == ["INSTALLED", "ENABLED", "billing.Invoice:protect_deletes"]
        out = project.shell(
            textwrap.dedent(
                """
                from django.db import DatabaseError
                from billing.models import Invoice
                invoice = Invoice.objects.create(number="2026-001")
                Invoice.objects.create(number="TEST-1")
                try:
                    invoice.delete()
                except DatabaseError as exc:
                    print(str(exc).splitlines()[0])
                """
            )
            + ignore_block
            + "\nprint(sorted(Invoice.objects.values_list('number', flat=True)))\n"
        )
        message, remaining = out.strip().splitlines()
        assert message == (
            'pgtrigger: Cannot delete rows from billing_invoice table (trigger "protect_deletes")'
        )
        assert " ".join(message.split()) in " ".join(tutorial.split())
        assert remaining == "['2026-001']"  # TEST-1 deleted inside pgtrigger.ignore
        project.write("billing/test_invoices.py", test_block)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "billing"],
            cwd=tmp_path,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "settings",
                "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout
    finally:
        project.drop()
