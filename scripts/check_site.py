"""Build the docs and load every page in headless Chromium.

Each page must render its navigation and, where the Markdown has code, its code blocks; each
cookbook recipe page must show its recipe's code. A screenshot of the home page and of one
cookbook page is written to ``--out``. Fails when Chromium is not installed
(``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import io
import functools
import html
import http.server
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(args: list[str], profile: str) -> str:
    result = subprocess.run(
        ["chromium", *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout


# Marks every code block whose lines do not fit (a horizontal scrollbar hides their end) with
# data-cut="<its longest line>"; the script runs when the page is laid out, before --dump-dom.
MEASURE = b"""<script>
for (const code of document.querySelectorAll(".md-typeset pre > code")) {
  if (code.scrollWidth > code.clientWidth + 1) {
    const lines = code.textContent.split("\\n");
    code.dataset.cut = lines.reduce((a, b) => (b.length > a.length ? b : a)).trim();
  }
}
</script>"""

LAPTOP = "--window-size=1366,768"
"""A common laptop screen: code blocks must fit at this width."""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site, with the measuring script added to every HTML page."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = pathlib.Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = path.read_bytes().replace(b"</body>", MEASURE + b"</body>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "site-check"))
    out = pathlib.Path(parser.parse_args().out)
    if shutil.which("chromium") is None:
        print("FAILED: chromium is not installed (apt-get install chromium)")
        return 1
    site = pathlib.Path(tempfile.mkdtemp(prefix="pgtrigger-site-"))
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    handler = functools.partial(_Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    out.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="pgtrigger-chromium-")
    failures = []
    pages = sorted(p for p in site.rglob("index.html") if "search" not in p.parts)
    for page in pages:
        path = "/" + str(page.parent.relative_to(site)).replace(".", "") + "/"
        path = path.replace("//", "/")
        dom = chromium(["--dump-dom", LAPTOP, base + path], profile)
        source = page.read_text()
        problems = []
        if 'class="md-nav' not in dom:
            problems.append("no navigation")
        if "<h1" not in dom:
            problems.append("no title")
        expected_code = source.count('class="highlight')
        if expected_code and dom.count('class="highlight') < expected_code:
            problems.append("code blocks missing")
        if re.search(r"--8&lt;--|--8<--", dom):
            problems.append("unresolved snippet")
        recipe = path.startswith("/cookbook/") and path.count("/") == 3
        if recipe and "def demo(" not in html.unescape(re.sub(r"<[^>]+>", "", dom)):
            problems.append("the recipe's code (def demo) is not on the page")
        cut = [html.unescape(line) for line in re.findall(r'data-cut="([^"]*)"', dom)]
        if cut:
            problems.append(f"code cut off at 1366px wide: {cut}")
        if problems:
            failures.append(f"{path}: {', '.join(problems)}")
    for name, path in (("home", "/"), ("cookbook-fsm", "/cookbook/fsm/")):
        chromium(
            [f"--screenshot={out / (name + '.png')}", "--window-size=1280,1600", base + path],
            profile,
        )
    server.shutdown()
    for failure in failures:
        print("FAILED", failure)
    print(f"{len(pages) - len(failures)}/{len(pages)} pages rendered; screenshots in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
