"""The docs show the cookbook files themselves and their current output."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from cookbook import runner
from cookbook.pages import PAGES

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", PAGES)
def test_cookbook_doc_page_shows_the_recipe_its_sql_and_its_demo(name):
    page = (ROOT / "docs" / "cookbook" / f"{name}.md").read_text()
    assert f'--8<-- "cookbook/pages/{name}.py:models"' in page
    assert f'--8<-- "cookbook/pages/{name}.py:demo"' in page
    assert f'--8<-- "build/recipe-sql/{name}.sql"' in page
    assert f"docs/cookbook/output/{name}.txt" in page
    assert "## When to use it" in page and "## Variations" in page
    assert f"cookbook/{name}.md" in (ROOT / "mkdocs.yml").read_text()


def test_no_doc_page_includes_a_whole_cookbook_file():
    """Pages include a recipe's models (or demo) section, never the file with its test helpers."""
    for page in (ROOT / "docs").rglob("*.md"):
        for include in re.findall(r'--8<-- "(cookbook/pages/[^"]+)"', page.read_text()):
            assert include.endswith((":models", ":demo")), f"{page}: {include}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_documented_output_is_current(name):
    shown = (ROOT / "docs" / "cookbook" / "output" / f"{name}.txt").read_text().splitlines()
    assert runner.run_page(name) == shown, (
        f"refresh with: python -m cookbook --write docs/cookbook/output {name}"
    )


@pytest.mark.skipif(
    shutil.which("chromium") is None or not os.environ.get("PGTRIGGER_BROWSER_CHECK"),
    reason="needs chromium and PGTRIGGER_BROWSER_CHECK=1 (CI runs scripts/check_site.py)",
)
def test_site_renders_in_headless_chromium(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_site.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pages rendered" in result.stdout
