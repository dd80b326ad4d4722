"""Build the docs and load every page in headless Chromium.

Each page must render its navigation and, where the Markdown has code, its code blocks, with no
line cut off at a common laptop width (1366 px; Python must fit without wrapping); each
cookbook recipe page must show its models, when to use it, its variations, its SQL and its
demo. A screenshot of the home page and of one
cookbook page is written to ``--out``. Fails when Chromium is not installed
(``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import io
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


# Marks every code block whose end a reader cannot see with data-cut="<its longest line>":
# a horizontal scrollbar hides it, or, for Python, it wraps (the CSS wraps long lines; Python
# is laid out to fit, since a wrapped line reads like two). Runs once the page is laid out,
# before --dump-dom serializes it.
MEASURE = b"""<script>
for (const code of document.querySelectorAll(".md-typeset pre > code")) {
  const python = code.closest(".language-python") !== null;
  if (python) code.style.whiteSpace = "pre";
  if (code.scrollWidth > code.clientWidth + 1) {
    const lines = code.textContent.split("\\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a)).trim();
    code.dataset.cut = (python ? "wraps: " : "") + longest;
  }
  code.style.whiteSpace = "";
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
        text = html.unescape(re.sub(r"<[^>]+>", "", dom))
        for part, marker in (
            ("models", "import pgtrigger"),
            ("SQL", "CREATE OR REPLACE FUNCTION"),
            ("demo", "def demo("),
            ("when to use it", "When to use it"),
            ("variations", "Variations"),
        ):
            if recipe and marker not in text:
                problems.append(f"the recipe's {part} ({marker}) is not on the page")
        cut = [html.unescape(line) for line in re.findall(r'data-cut="([^"]*)"', dom)]
        if cut:
            problems.append(f"code cut off at 1366px wide: {cut}")
        if problems:
            failures.append(f"{path}: {', '.join(problems)}")
    for name, path in (("home", "/"), ("cookbook-soft-delete", "/cookbook/soft_delete/")):
        chromium([f"--screenshot={out / (name + '.png')}", LAPTOP, base + path], profile)
    server.shutdown()
    for failure in failures:
        print("FAILED", failure)
    print(f"{len(pages) - len(failures)}/{len(pages)} pages rendered; screenshots in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
