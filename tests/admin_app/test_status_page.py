"""The trigger status page of ``pgtrigger.contrib.admin``."""

import io
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

import pgtrigger
from pgtrigger import installation
from pgtrigger.contrib.admin import status
from tests.admin_app.conftest import messages_of
from tests.admin_app.models import Post

URL = "/admin/pgtrigger_admin/trigger/"
VERSIONING = "admin_tests.Post:versioning"
LABELS = {True: "ENABLED", False: "DISABLED", None: "N/A"}

pytestmark = pytest.mark.django_db(databases=["default", "other"])


def ls(database="default"):
    out = io.StringIO()
    call_command("pgtrigger", "ls", "--format", "json", "-d", database, stdout=out)
    return {
        row["uri"]: (row["status"], LABELS[row["enabled"]]) for row in json.loads(out.getvalue())
    }


def page_rows(response, database="default"):
    return {
        row.uri: (row.status, row.enabled)
        for row in response.context["rows"]
        if row.database == database
    }


def test_lists_what_ls_lists_on_every_database(admin_client, run_sql):
    run_sql(f'ALTER TABLE {Post._meta.db_table} DISABLE TRIGGER "{pgtrigger_pgid()}"')
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert set(status.databases()) == {"default", "other"}
    for database in ("default", "other"):
        assert page_rows(response, database) == ls(database)
    assert page_rows(response)[VERSIONING] == ("INSTALLED", "DISABLED")


def pgtrigger_pgid(uri=VERSIONING):
    ((model, trigger),) = pgtrigger.registered(uri)
    return trigger.get_pgid(model)


def test_one_status_read_per_database(admin_client):
    """The page reads each database as ``ls`` does: the same queries as one ``status()``,
    however many triggers there are."""
    with CaptureQueriesContext(connections["other"]) as expected:
        installation.status(database="other")
    with CaptureQueriesContext(connections["other"]) as page:
        response = admin_client.get(URL)
    triggers = len(page_rows(response, "other"))
    assert triggers > 20
    assert [q["sql"] for q in page.captured_queries] == [
        q["sql"] for q in expected.captured_queries
    ]
    assert len(page.captured_queries) == 1  # the tables and the catalog, in one query


def test_outdated_trigger_shows_the_sql_diff(admin_client, run_sql):
    pgid = pgtrigger_pgid()
    run_sql(
        f'CREATE OR REPLACE FUNCTION "{pgid}"() RETURNS TRIGGER AS $$ BEGIN '
        "NEW.version := 42; RETURN NEW; END; $$ LANGUAGE plpgsql"
    )
    response = admin_client.get(URL, {"status": "OUTDATED"})
    (row,) = response.context["rows"]
    assert (row.uri, row.database) == (VERSIONING, "default")
    assert any(line.startswith("-") and "NEW.version := 42" in line for line in row.diff)
    assert any(line.startswith("+") and "it is bumped automatically" in line for line in row.diff)
    assert b"Installed vs declared SQL" in response.content


def test_filters_by_status_app_and_database(admin_client):
    response = admin_client.get(URL, {"app": "admin_tests", "database": "other"})
    uris = {row.uri for row in response.context["rows"]}
    assert VERSIONING in uris and "admin_tests.Comment:soft_delete" in uris
    assert {(row.app, row.database) for row in response.context["rows"]} == {
        ("admin_tests", "other")
    }
    response = admin_client.get(URL, {"status": "UNINSTALLED"})
    assert response.context["rows"] == []
    assert b"No trigger matches these filters." in response.content


def act(client, action, *keys, confirm=True):
    data = {"action": action, "selected": list(keys)}
    if confirm:
        data["confirm"] = "yes"
    return client.post(URL, data, follow=confirm)


def test_disable_and_install_ask_for_confirmation_and_are_logged(admin_client, admin_user):
    key = f"default|{VERSIONING}"
    response = act(admin_client, "disable", key, confirm=False)
    assert response.status_code == 200
    assert [t.uris for t in response.context["targets"]] == [(VERSIONING,)]
    assert b"Yes, I" in response.content
    assert ls()[VERSIONING] == ("INSTALLED", "ENABLED")  # nothing done before the confirmation

    response = act(admin_client, "disable", key)
    assert ls()[VERSIONING] == ("INSTALLED", "DISABLED")
    assert ls("other")[VERSIONING] == ("INSTALLED", "ENABLED")
    assert messages_of(response) == [
        (
            "success",
            "pgtrigger disable on database default: pgtrigger: Disabling versioning trigger "
            "for admin_tests_post table on default database.",
        )
    ]
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id) == (admin_user, key)
    assert entry.change_message.startswith("pgtrigger disable -d default: ")

    act(admin_client, "install", key)
    assert ls()[VERSIONING] == ("INSTALLED", "ENABLED")
    assert LogEntry.objects.count() == 2


def test_uninstall_on_another_database(admin_client):
    act(admin_client, "uninstall", f"other|{VERSIONING}")
    assert ls("other")[VERSIONING] == ("UNINSTALLED", "N/A")
    assert ls()[VERSIONING] == ("INSTALLED", "ENABLED")
    act(admin_client, "install", f"other|{VERSIONING}")
    assert ls("other")[VERSIONING] == ("INSTALLED", "ENABLED")


def test_prune_drops_the_orphans(admin_client):
    orphan = pgtrigger.Protect(name="orphan", operation=pgtrigger.Delete)
    orphan.install(Post)
    rows = [r for r in admin_client.get(URL).context["rows"] if r.status == "PRUNE"]
    # As ls prints a PRUNE row: the table as regclass text (unqualified in the search path).
    assert [r.uri for r in rows] == [f"admin_tests_post:{orphan.get_pgid(Post)}"]
    # Registered triggers are not pruned, nor acted on by prune.
    response = act(admin_client, "prune", rows[0].key, f"default|{VERSIONING}", confirm=False)
    assert [[r.uri for r in t.rows] for t in response.context["targets"]] == [[rows[0].uri]]
    act(admin_client, "prune", rows[0].key)
    assert installation.prunable() == []
    assert ls()[VERSIONING] == ("INSTALLED", "ENABLED")


def test_an_action_without_a_fitting_selection_does_nothing(admin_client):
    response = act(admin_client, "prune", f"default|{VERSIONING}")
    assert messages_of(response) == [
        ("warning", "Select at least one orphaned (PRUNE) trigger to prune.")
    ]
    assert LogEntry.objects.count() == 0


@pytest.fixture
def staff(client):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_trigger"))
    client.force_login(user)
    return user


def test_actions_need_the_manage_permission(client, staff):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["actions"] == {}
    assert act(client, "disable", f"default|{VERSIONING}").status_code == 403
    assert ls()[VERSIONING] == ("INSTALLED", "ENABLED")

    staff.user_permissions.add(Permission.objects.get(codename="manage_triggers"))
    staff = User.objects.get(pk=staff.pk)  # a fresh permission cache
    client.force_login(staff)
    act(client, "disable", f"default|{VERSIONING}")
    assert ls()[VERSIONING] == ("INSTALLED", "DISABLED")


def test_the_page_needs_the_view_permission(client):
    user = User.objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
