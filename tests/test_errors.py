"""Precise errors: each recipe's SQLSTATE and URI, ``message=``, and ``pgtrigger.errors``.

Runs with psycopg 3 (the default venv) and with psycopg2 (``DRIVER=psycopg2``).
"""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

import pgtrigger
from pgtrigger import errors
from pgtrigger.contrib import _raise
from tests.contrib import models

pytestmark = pytest.mark.django_db


def refused(write):
    """Run ``write`` in a savepoint; return the Django error it raised."""
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        write()
    return info.value


def driver_state(exc: BaseException) -> tuple[str, str, str | None]:
    """(SQLSTATE, DETAIL, HINT) read straight from the driver's exception."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or cause.pgcode  # psycopg 3 / psycopg2
    return sqlstate, cause.diag.message_detail, cause.diag.message_hint


def generic_raise() -> DatabaseError:
    """The Django error of a ``RAISE EXCEPTION`` with the default SQLSTATE, P0001."""
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'generic'; END $$")
    return info.value


def update_status(doc, status):
    doc.status = status
    doc.save()


def set_version(obj):
    obj.version = 41
    obj.save()


RECIPES = [
    # (model, trigger name, SQLSTATE, write that the trigger refuses)
    (
        models.ProtectedDelete,
        "protect_deletes",
        "PGT01",
        lambda: models.ProtectedDelete.objects.create(name="x").delete(),
    ),
    (
        models.ProtectedDelete,
        "protect_bulk_updates",
        "PGT01",
        lambda: models.ProtectedDelete.objects.update(name="y"),
    ),
    (
        models.FrozenField,
        "read_only_created_by",
        "PGT02",
        lambda: models.FrozenField.objects.update(created_by="mallory"),
    ),
    (
        models.Document,
        "status_fsm",
        "PGT03",
        lambda: update_status(models.Document.objects.create(), models.Status.ARCHIVED),
    ),
    (
        models.Ticket,
        "priority_fsm",
        "PGT04",
        lambda: models.Ticket.objects.create(priority=3),
    ),
    (
        models.Account,
        "official_create",
        "PGT05",
        lambda: models.Account.objects.create(name="mallory"),
    ),
    (
        models.Versioned,
        "versioning",
        "PGT06",
        lambda: set_version(models.Versioned.objects.create(name="x")),
    ),
]


@pytest.mark.parametrize(
    ("model", "name", "sqlstate", "write"), RECIPES, ids=[r[1] + "-" + r[2] for r in RECIPES]
)
def test_each_recipe_raises_its_sqlstate_with_its_uri(model, name, sqlstate, write):
    models.FrozenField.objects.create(created_by="alice")
    exc = refused(write)
    uri = f"{model._meta.label}:{name}"
    # What PostgreSQL sent, as the driver reports it.
    state, detail, _ = driver_state(exc)
    assert (state, detail) == (sqlstate, f"trigger: {uri}")
    # The exception class 4.x's P0001 gave with this driver (ProgrammingError with psycopg 3,
    # InternalError with psycopg2), so code catching it still catches these.
    assert type(exc) is type(generic_raise())
    found = errors.refusal(exc)
    assert found is not None
    assert (found.uri, found.sqlstate, found.recipe) == (uri, sqlstate, errors.RECIPES[sqlstate])
    assert errors.refused_by(exc) == uri
    # The primary message alone: the driver's str() adds DETAIL and CONTEXT lines.
    assert found.message.startswith("pgtrigger: ")
    assert "\n" not in found.message
    assert "CONTEXT" in str(exc)
    assert found.message == str(exc).split("\n", 1)[0]


def test_official_interface_hint_is_the_error_hint():
    exc = refused(lambda: models.Account.objects.create(name="mallory"))
    assert driver_state(exc)[2] == "use Account.objects.open()"
    assert errors.refusal(exc).hint == "use Account.objects.open()"


def test_other_errors_are_not_refusals():
    obj = models.ProtectedDelete.objects.create(name="x")
    exc = refused(lambda: models.ProtectedDelete.objects.create(pk=obj.pk, name="dup"))
    assert isinstance(exc, IntegrityError)
    assert errors.refusal(exc) is None
    assert errors.refused_by(exc) is None
    # A user's RAISE with the generic SQLSTATE, or one of ours without a trigger DETAIL.
    for using in ("", " USING ERRCODE = 'PGT01'"):
        with pytest.raises(DatabaseError) as info, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'mine'{using}; END $$")
        assert errors.refusal(info.value) is None
    assert errors.refusal(ValueError("not a database error")) is None
    # An error raised while handling a refusal is not that refusal.
    refusal_exc = refused(lambda: obj.delete())
    try:
        try:
            raise refusal_exc
        except DatabaseError:
            raise ValueError("handled") from None
    except ValueError as handled:
        assert handled.__context__ is refusal_exc
        assert errors.refusal(handled) is None


def test_uri_and_hint_are_escaped_literals():
    """Quotes and backslashes in the URI and message reach the client unchanged."""
    uri = "app.Model:it's \\ odd"
    statement = _raise.raise_sql(
        sqlstate=errors.PROTECT, uri=uri, format="unused", message="100% it's \\ {x}", hint="h'"
    )
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DO $$ BEGIN {statement} END $$")
    found = errors.refusal(info.value)
    assert (found.uri, found.message, found.hint) == (uri, "100% it's \\ {x}", "h'")


# --- message= ----------------------------------------------------------------------------------
MESSAGE = "Orders are closed, not deleted: it's 100% \\ {final}"


def test_protect_message(install):
    install(
        models.ConditionallyProtected,
        pgtrigger.Protect(name="protect_msg", operation=pgtrigger.Insert, message=MESSAGE),
    )
    exc = refused(lambda: models.ConditionallyProtected.objects.create())
    found = errors.refusal(exc)
    uri = f"{models.ConditionallyProtected._meta.label}:protect_msg"
    assert (found.message, found.uri, found.sqlstate) == (MESSAGE, uri, "PGT01")
    assert str(exc).startswith(MESSAGE + "\n")


def test_statement_level_read_only_message(install):
    obj = models.FrozenRow.objects.create(name="a")
    install(
        models.FrozenRow,
        pgtrigger.ReadOnly(
            name="ro_msg", fields=["note"], level=pgtrigger.Statement, message="note is final"
        ),
    )
    exc = refused(lambda: models.FrozenRow.objects.filter(pk=obj.pk).update(note="b"))
    found = errors.refusal(exc)
    assert (found.message, found.sqlstate) == ("note is final", "PGT02")
    assert found.uri == f"{models.FrozenRow._meta.label}:ro_msg"


def test_fsm_message_for_transitions_and_initial_states(install):
    install(
        models.Ticket,
        pgtrigger.FSM(
            name="fsm_msg",
            field="priority",
            transitions=[(1, 2)],
            initial=[1],
            message="Tickets move up one step at a time",
        ),
    )
    ticket = models.Ticket.objects.create(priority=1)
    for write, sqlstate in [
        (lambda: models.Ticket.objects.create(priority=2), "PGT04"),
        (lambda: models.Ticket.objects.filter(pk=ticket.pk).update(priority=3), "PGT03"),
    ]:
        found = errors.refusal(refused(write))
        assert found.message == "Tickets move up one step at a time"
        # fsm_msg fires before the model's priority_fsm (triggers fire in name order).
        assert found.sqlstate == sqlstate


@pytest.mark.parametrize("message", ["", 42])
def test_message_must_be_a_non_empty_string(message):
    with pytest.raises(ValueError, match="message must be a non-empty string"):
        pgtrigger.Protect(name="p", operation=pgtrigger.Delete, message=message)
    with pytest.raises(ValueError, match="message must be a non-empty string"):
        pgtrigger.FSM(name="f", field="status", transitions=[("a", "b")], message=message)


# --- as_validation_error ------------------------------------------------------------------------
class DocumentForm(forms.ModelForm):
    class Meta:
        model = models.Document
        fields = ["status", "title"]


def save_form(form: forms.ModelForm) -> bool:
    """A view's form handling: the trigger's refusal becomes a form error."""
    if not form.is_valid():
        return False
    try:
        with errors.as_validation_error(field="status"), transaction.atomic():
            form.save()
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


def test_form_shows_the_refusal_on_the_field():
    doc = models.Document.objects.create(status=models.Status.DRAFT)
    form = DocumentForm({"status": models.Status.ARCHIVED, "title": "t"}, instance=doc)
    assert not save_form(form)
    [message] = form.errors["status"]
    assert message.startswith('pgtrigger: Invalid transition of field "status" from')
    assert "CONTEXT" not in message and "DETAIL" not in message
    # The savepoint kept the test's transaction usable.
    doc.refresh_from_db()
    assert doc.status == models.Status.DRAFT
    form = DocumentForm({"status": models.Status.PUBLISHED, "title": "t"}, instance=doc)
    assert save_form(form)
    doc.refresh_from_db()
    assert doc.status == models.Status.PUBLISHED


def test_validation_error_carries_code_and_params(install):
    install(
        models.ConditionallyProtected,
        pgtrigger.Protect(name="protect_msg", operation=pgtrigger.Insert, message=MESSAGE),
    )
    with pytest.raises(ValidationError) as info:
        with errors.as_validation_error(), transaction.atomic():
            models.ConditionallyProtected.objects.create()
    error = info.value
    assert error.messages == [MESSAGE]  # "%" and "{" survive Django's formatting
    assert error.code == "PGT01"
    assert error.params == {
        "uri": f"{models.ConditionallyProtected._meta.label}:protect_msg",
        "recipe": "Protect",
    }
    assert isinstance(error.__cause__, DatabaseError)


def test_decorator_and_uri_filter():
    uri = f"{models.ProtectedDelete._meta.label}:protect_deletes"
    obj = models.ProtectedDelete.objects.create(name="x")

    @errors.as_validation_error(uri)
    @transaction.atomic
    def delete():
        obj.delete()

    with pytest.raises(ValidationError, match="Cannot delete rows"):
        delete()
    # Another trigger's refusal, and other database errors, propagate unchanged.
    with pytest.raises(DatabaseError) as info, errors.as_validation_error("tests.Other:trigger"):
        with transaction.atomic():
            obj.delete()
    assert errors.refused_by(info.value) == uri
    with pytest.raises(IntegrityError), errors.as_validation_error():
        with transaction.atomic():
            models.ProtectedDelete.objects.create(pk=obj.pk, name="dup")


def test_error_class_for_drf_style_exceptions():
    """``error_class`` receives the detail DRF's ValidationError takes: a dict or a list."""

    class APIError(Exception):
        def __init__(self, detail, code=None):
            self.detail, self.code = detail, code

    doc = models.Document.objects.create(status=models.Status.DRAFT)
    with pytest.raises(APIError) as info:
        with errors.as_validation_error(field="status", error_class=APIError):
            with transaction.atomic():
                update_status(doc, models.Status.ARCHIVED)
    assert list(info.value.detail) == ["status"]
    assert info.value.detail["status"][0].startswith("pgtrigger: Invalid transition")
    assert info.value.code == "PGT03"
    with pytest.raises(APIError) as info:
        with errors.as_validation_error(error_class=APIError), transaction.atomic():
            update_status(doc, models.Status.ARCHIVED)
    assert info.value.detail[0].startswith("pgtrigger: Invalid transition")


def test_inside_atomic_the_transaction_is_broken_without_a_savepoint():
    """Documented: wrap the atomic block (or use a savepoint), not a statement inside it."""
    obj = models.ProtectedDelete.objects.create(name="x")
    with pytest.raises(ValidationError), transaction.atomic():
        with errors.as_validation_error():
            obj.delete()
        # The refusal was turned into ValidationError, but the transaction is aborted.
        with pytest.raises(DatabaseError):  # aborted transaction (or Django's own guard)
            models.ProtectedDelete.objects.count()
        raise ValidationError("leave the block")


# --- migrations -----------------------------------------------------------------------------------
ITEM = """
from django.db import models
import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_delete", operation=pgtrigger.Delete, message={message!r}
            )
        ]
"""


@pytest.mark.django_db(False)
def test_makemigrations_detects_a_changed_message(tmp_path):
    """The message is part of the trigger's SQL: changing it is an ``AlterTrigger``."""
    psycopg = pytest.importorskip("psycopg")  # the project harness speaks psycopg 3
    from tests.migrations_project import Project

    def refusal_in_db():
        with pytest.raises(psycopg.Error) as info:
            project.sql("DELETE FROM app_item")
        diag = info.value.diag
        return info.value.sqlstate, diag.message_primary, diag.message_detail

    project = Project(tmp_path)
    try:
        project.models(ITEM.format(message="Items are kept"))
        project.makemigrations("app")
        project.migrate()
        project.sql("INSERT INTO app_item (name) VALUES ('a')")
        assert refusal_in_db() == ("PGT01", "Items are kept", "trigger: app.Item:protect_delete")

        project.models(ITEM.format(message="Items aren't deleted, they're archived"))
        project.makemigrations("app", "--name", "message")
        assert project.operations("0002_message") == ["AlterTrigger"]
        project.migrate()
        assert refusal_in_db()[1] == "Items aren't deleted, they're archived"
        result = project.run("makemigrations", "--check", "--dry-run", check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        project.drop()
