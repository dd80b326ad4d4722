"""Switching day with an installed package whose migration files django-pgtrigger 4.17.0 wrote.

``tests/pgtrigger4x_app`` holds broad 4.x declarations and 4.17.0's migration file, committed
as it came out (``scripts/regenerate_pgtrigger4x_app.py``). The gates pass at once: nothing to
migrate, every trigger ``INSTALLED``, ``install`` sends nothing; the opt-in upgrade step writes
``AlterTrigger`` migrations and rolls back.
"""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")

import ast
import json
import pathlib
import shutil

from tests.migrations_project import Project

FIXTURE = pathlib.Path(__file__).parent / "pgtrigger4x_app"
APP = "pgtrigger4x_app"
CONTRIB = ("django.contrib.contenttypes", "django.contrib.auth", "django.contrib.postgres")


def copy_app(project: Project) -> None:
    project.models((FIXTURE / "models.py").read_text(), app=APP)
    for path in (FIXTURE / "migrations").glob("0*.py"):
        shutil.copy(path, project.path / APP / "migrations" / path.name)


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path, apps=(APP,), contrib=CONTRIB)
    copy_app(project)
    yield project
    project.drop()


def file_kwargs(source: str) -> dict[str, dict[str, str]]:
    """``{pgid: UpsertTriggerSql keyword arguments}`` of a migration file, as written."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "UpsertTriggerSql":
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            found[kwargs["pgid"]] = kwargs
    return found


RENDER = """
import json
import pgtrigger
from pgtrigger import compat4x

print(json.dumps({
    trigger.get_pgid(model): compat4x.render(trigger, model)
    for model, trigger in pgtrigger.registered()
    if model._meta.app_label == %r
}))
"""


def rendered(project: Project, app: str) -> dict[str, dict[str, str] | None]:
    return json.loads(project.shell(RENDER % app))


def test_compat4x_renders_every_declaration_as_417_wrote_it(project):
    """Differential test: 4.17.0's file and compat4x.render agree field by field."""
    written = file_kwargs(project.migration_source("0001_initial.py", app=APP))
    mine = rendered(project, APP)
    assert len(written) == len(mine) == 25
    for pgid, kwargs in written.items():
        assert mine[pgid] == kwargs, pgid


def xmins(project: Project) -> dict[str, str]:
    """Each trigger's catalog row version: any DDL on a trigger changes it."""
    rows = project.sql(
        "SELECT t.tgname, t.xmin::text || '/' || p.xmin::text FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname LIKE 'pgtrigger\\_%%'"
    )
    return dict(rows)


BEHAVIOUR = """
import pgtrigger
from django.db import transaction
from pgtrigger4x_app.models import Book, Shelf

def refused(action):
    try:
        with transaction.atomic():
            action()
    except Exception as exc:
        return "refused: " + str(exc).splitlines()[0]
    return "ok"

book = Book.objects.create(title="Dune", status="draft", summary="spice")
book.refresh_from_db()
print("search", bool(book.search))
Book.objects.filter(pk=book.pk).update(status="review")
Book.objects.filter(pk=book.pk).update(status="published", title="Dune 2")
book.refresh_from_db()
print("edits", book.edits)
print("fsm", refused(lambda: Book.objects.filter(pk=book.pk).update(status="draft")))
print("protect", refused(lambda: Book.objects.filter(pk=book.pk).delete()))
with pgtrigger.ignore("pgtrigger4x_app.Book:protect_published_delete"):
    Book.objects.filter(pk=book.pk).delete()
print("ignored", Book.objects.count())
print("negative", refused(lambda: Book.objects.create(title="x", price=-1)))
shelf = Shelf.objects.create(label="a")
shelf.delete()
print("soft", Shelf.objects.get().is_active)
print("read_only", refused(lambda: Shelf.objects.update(label="b")))
"""

EXPECTED_BEHAVIOUR = [
    "search True",
    "edits 1",
    # (4.x quotes the states with ", this package's FSM with ')
    'fsm refused: pgtrigger: Invalid transition of field "status" from ',
    "protect refused: pgtrigger: Cannot delete rows from pgtrigger4x_app_book",
    "ignored 0",
    "negative refused: negative price",
    "soft False",
    "read_only refused: pgtrigger: Cannot update rows from pgtrigger4x_app_shelf",
]


def behaviour(project: Project) -> list[str]:
    """The outcome of each write; a refusal's message is cut to the length expected."""
    out = project.shell(BEHAVIOUR).splitlines()
    if len(out) != len(EXPECTED_BEHAVIOUR):
        return out
    return [line[: len(expected)] for line, expected in zip(out, EXPECTED_BEHAVIOUR, strict=True)]


def assert_current(project: Project) -> None:
    statuses = project.ls()
    assert len(statuses) == 25 and set(statuses.values()) == {"INSTALLED"}, statuses
    assert project.run("pgtrigger", "ls", "--check").returncode == 0
    listed = json.loads(project.run("pgtrigger", "ls", "--format", "json").stdout)
    assert {entry["status"] for entry in listed} == {"INSTALLED"}
    before = xmins(project)
    project.run("pgtrigger", "install")
    assert xmins(project) == before  # install sent nothing
    result = project.run("makemigrations", "--check", "--dry-run", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert project.shell(STATUS).split() == ["INSTALLED", "True"] * 25


STATUS = """
import pgtrigger
for model, trigger in pgtrigger.registered():
    print(*trigger.get_installation_status(model))
"""


def test_day_one_migrated_by_this_package(project):
    project.migrate()
    assert_current(project)
    assert behaviour(project) == EXPECTED_BEHAVIOUR


def test_adopting_the_faster_sql_and_rolling_back(project):
    project.migrate()
    legacy_source = project.sql(
        "SELECT prosrc FROM pg_proc WHERE proname LIKE 'pgtrigger_status_fsm_%%'"
    )
    # Without app labels, the project's own apps: the gate fails until they are adopted.
    gate = project.run("pgtrigger", "makemigrations", "--check", "--dry-run", check=False)
    assert gate.returncode == 1 and "Alter trigger status_fsm on model Book" in gate.stdout
    assert project.migration_files(app=APP) == ["0001_initial.py"]
    out = project.run("pgtrigger", "makemigrations", APP).stdout
    assert "Alter trigger status_fsm on model Book" in out
    (new,) = [name for name in project.migration_files(app=APP) if not name.startswith("0001")]
    assert set(project.operations(new, app=APP)) == {"AlterTrigger"}
    assert len(project.operations(new, app=APP)) == 25
    project.migrate()
    assert_current(project)
    source = project.sql("SELECT prosrc FROM pg_proc WHERE proname LIKE 'pgtrigger_status_fsm_%%'")
    assert "_pgtrigger_should_ignore" not in source[0][0]
    assert behaviour(project) == EXPECTED_BEHAVIOUR
    # Nothing left to adopt.
    assert project.run("pgtrigger", "makemigrations", APP, "--check").returncode == 0
    # Rollback: the 4.x SQL comes back, and is still current.
    project.migrate(APP, "0001")
    back = project.sql("SELECT prosrc FROM pg_proc WHERE proname LIKE 'pgtrigger_status_fsm_%%'")
    assert back == legacy_source and "_pgtrigger_should_ignore" in back[0][0]
    statuses = project.ls()
    assert set(statuses.values()) == {"INSTALLED"}, statuses


def test_day_one_database_migrated_by_417(project):
    """The database 4.17.0 migrated, read by this package after the switch."""
    project.run417("migrate", "--noinput")
    assert_current(project)
    assert behaviour(project) == EXPECTED_BEHAVIOUR
