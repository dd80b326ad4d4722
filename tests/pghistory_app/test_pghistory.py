"""django-pghistory 3.9.2, installed unchanged from the package index, on this package.

The tracked models and their triggers come from ``tests/pghistory_app`` and its migrations
(0001 as ``makemigrations`` writes it, 0002/0003 by hand in the 3.x style).
"""

import pghistory
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

import pgtrigger
from tests.pghistory_app.models import Author, Book, Ledger

BookEvent = apps.get_model("pghistory_app", "BookEvent")
LedgerEvent = apps.get_model("pghistory_app", "LedgerEvent")

pytestmark = pytest.mark.django_db


def _events(model, *fields):
    return list(
        model.objects.order_by("pgh_id").values_list("pgh_label", *fields, "pgh_context__metadata")
    )


def test_pghistory_registers_its_triggers_here():
    uris = {t.get_uri(m) for m, t in pgtrigger.registered()}
    assert {
        "pghistory_app.Book:insert_insert",
        "pghistory_app.Book:update_update",
        "pghistory_app.Book:author_changed_update",
        "pghistory_app.Book:delete_delete",
        "pghistory_app.Ledger:insert_insert",
        "pghistory_app.Ledger:moved_update",
        "pghistory_app.Ledger:delete_delete",
    } <= uris
    update = next(t for m, t in pgtrigger.registered("pghistory_app.Book:update_update"))
    # pghistory narrowed its AnyChange() to the tracked fields through pgtrigger.core._Change
    assert update.condition.fields == ["id", "title", "status", "author"]
    statuses = {s.uri: s.status for s in pgtrigger.installation.status(*sorted(uris & _app_uris()))}
    assert set(statuses.values()) == {"INSTALLED"}, statuses


def _app_uris():
    return {t.get_uri(m) for m, t in pgtrigger.registered() if m._meta.app_label == "pghistory_app"}


def test_row_level_events_with_context():
    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    with pghistory.context(user="u1"):
        book = Book.objects.create(title="t1", author=ann)
        book.title = "t2"
        book.save()
    book.save()  # nothing changed: no update event
    with pghistory.context(user="u2", reason="move"):
        book.author = bob
        book.save()
    book_id = book.id
    book.delete()
    assert _events(BookEvent, "title", "author_id") == [
        ("insert", "t1", ann.id, {"user": "u1"}),
        ("update", "t2", ann.id, {"user": "u1"}),
        # author_changed stores the OLD row (row=pghistory.Old), on a ForeignKey condition
        ("author_changed", "t2", ann.id, {"user": "u2", "reason": "move"}),
        ("update", "t2", bob.id, {"user": "u2", "reason": "move"}),
        # pghistory sets its context with set_config(..., is_local => true): it lasts until
        # the (test) transaction ends, so this later delete still carries it.
        ("delete", "t2", bob.id, {"user": "u2", "reason": "move"}),
    ]
    assert set(BookEvent.objects.values_list("pgh_obj_id", flat=True)) == {book_id}


def test_statement_level_events_with_context():
    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    with pghistory.context(batch=1):
        Ledger.objects.bulk_create([Ledger(amount=n, author=ann) for n in (1, 2, 3)])
    Ledger.objects.update(amount=9)  # no author change: the "moved" condition is false
    with pghistory.context(batch=2):
        Ledger.objects.filter(amount=9, id__in=Ledger.objects.order_by("id")[:2]).update(author=bob)
    Ledger.objects.filter(author=ann).delete()
    rows = sorted(_events(LedgerEvent, "amount", "author_id"), key=lambda r: (r[0], r[1]))
    assert sorted(rows) == sorted(
        [
            ("insert", 1, ann.id, {"batch": 1}),
            ("insert", 2, ann.id, {"batch": 1}),
            ("insert", 3, ann.id, {"batch": 1}),
            ("moved", 9, bob.id, {"batch": 2}),
            ("moved", 9, bob.id, {"batch": 2}),
            ("delete", 9, ann.id, {"batch": 2}),  # transaction-local context, see above
        ]
    )
    # One context row per statement-level call, shared by the statement's events.
    contexts = LedgerEvent.objects.filter(pgh_label="insert").values("pgh_context_id")
    assert len({row["pgh_context_id"] for row in contexts}) == 1


def test_triggers_from_a_3x_style_migration():
    author = Author.objects.create(name="ann")
    archived = Book.objects.create(title="old", status="archived", author=author)
    Book.objects.create(title="new", author=author).delete()
    with pytest.raises(DatabaseError, match="Cannot delete rows"), transaction.atomic():
        archived.delete()
    # legacy_renames was added as a declaration (0002) and removed (0003)
    Author.objects.update(name="renamed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_legacy%'")
        assert cursor.fetchone() == (0,)


def test_3x_style_migrations_match_the_models(capsys):
    """The state compiled from the declarations is what the models compile to now."""
    call_command("makemigrations", "pghistory_app", "--check", "--dry-run")
    assert "No changes detected" in capsys.readouterr().out
