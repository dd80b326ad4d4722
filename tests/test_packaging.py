"""The release-artifact checks of ``scripts/check_dist.py`` (run by .ci/run on the built files)
reject what must not ship and what is missing, on small archives made here."""

import importlib.util
import io
import pathlib
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_dist", ROOT / "scripts" / "check_dist.py")
assert spec and spec.loader
check_dist = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_dist)

INFO = "django_pgtrigger-5.0.0.dist-info"
GOOD_WHEEL = {
    "pgtrigger/__init__.py": "",
    "pgtrigger/py.typed": "",
    "pgtrigger/contrib/fsm.py": "",
    "pgtrigger/contrib/admin/templates/pgtrigger_admin/status.html": "",
    f"{INFO}/METADATA": "Metadata-Version: 2.4\nName: django-pgtrigger\n"
    "License-Expression: BSD-3-Clause\nLicense-File: LICENSE\n",
    f"{INFO}/licenses/LICENSE": "BSD 3-Clause License",
    f"{INFO}/RECORD": "",
}


def make_wheel(tmp_path: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    wheel = tmp_path / "django_pgtrigger-5.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return wheel


def test_a_wheel_of_the_package_and_its_license_passes(tmp_path):
    assert check_dist.wheel_problems(make_wheel(tmp_path, GOOD_WHEEL)) == []


@pytest.mark.parametrize(
    "stray", ["tests/test_smoke.py", "cookbook/pages/fsm.py", "benchmarks/x.py"]
)
def test_tests_cookbook_and_benchmarks_in_the_wheel_fail(tmp_path, stray):
    problems = check_dist.wheel_problems(make_wheel(tmp_path, {**GOOD_WHEEL, stray: ""}))
    assert problems == [f"files outside the package: {stray}"]


@pytest.mark.parametrize(
    ("missing", "problem"),
    [
        ("pgtrigger/py.typed", "missing pgtrigger/py.typed"),
        (f"{INFO}/licenses/LICENSE", f"missing {INFO}/licenses/LICENSE"),
        (
            "pgtrigger/contrib/admin/templates/pgtrigger_admin/status.html",
            "missing pgtrigger/contrib/admin/templates/pgtrigger_admin/status.html",
        ),
    ],
)
def test_a_wheel_without_py_typed_or_the_license_fails(tmp_path, missing, problem):
    files = {name: text for name, text in GOOD_WHEEL.items() if name != missing}
    assert check_dist.wheel_problems(make_wheel(tmp_path, files)) == [problem]


def test_a_wheel_with_another_license_fails(tmp_path):
    metadata = GOOD_WHEEL[f"{INFO}/METADATA"].replace("BSD-3-Clause", "MIT")
    problems = check_dist.wheel_problems(
        make_wheel(tmp_path, {**GOOD_WHEEL, f"{INFO}/METADATA": metadata})
    )
    assert problems == ["License-Expression is 'MIT'"]


def test_an_sdist_without_the_license_fails(tmp_path):
    sdist = tmp_path / "django_pgtrigger-5.0.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name in ("README.md", "pgtrigger/py.typed"):
            info = tarfile.TarInfo(f"django_pgtrigger-5.0.0/{name}")
            archive.addfile(info, io.BytesIO(b""))
    assert check_dist.sdist_problems(sdist) == ["missing LICENSE"]
