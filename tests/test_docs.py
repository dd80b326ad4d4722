"""The docs show the cookbook files themselves and their current output."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from cookbook import runner
from cookbook.pages import PAGES

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", PAGES)
def test_cookbook_doc_page_includes_the_recipe_file(name):
    page = (ROOT / "docs" / "cookbook" / f"{name}.md").read_text()
    assert f'--8<-- "cookbook/pages/{name}.py"' in page
    assert f"docs/cookbook/output/{name}.txt" in page
    assert f"cookbook/{name}.md" in (ROOT / "mkdocs.yml").read_text()


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
