"""Every contrib recipe on a real database, including its failure messages."""

import datetime as dt

import django
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.contrib import models

pytestmark = pytest.mark.django_db


def fails(match):
    """Expect the trigger's error inside a savepoint, so the test transaction stays usable."""

    class _Fails:
        def __enter__(self):
            self.raises = pytest.raises(DatabaseError, match=match)
            self.raises.__enter__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            self.atomic.__exit__(*exc)
            return self.raises.__exit__(*exc)

    return _Fails()


# --- Protect --------------------------------------------------------------------------------
def test_protect_names_operation_table_and_trigger():
    obj = models.ProtectedDelete.objects.create(name="x")
    with fails(
        r"pgtrigger: Cannot delete rows from contrib_tests_protecteddelete table "
        r'\(trigger "protect_deletes"\)'
    ):
        obj.delete()
    with fails("Cannot delete rows"):
        models.ProtectedDelete.objects.all().delete()


def test_statement_level_protect_blocks_bulk_update_even_of_zero_rows():
    models.ProtectedDelete.objects.create(name="x")
    with fails("Cannot update rows from contrib_tests_protecteddelete table .*protect_bulk"):
        models.ProtectedDelete.objects.update(name="y")
    with fails("Cannot update rows"):
        models.ProtectedDelete.objects.filter(name="nothing").update(name="y")


def test_conditional_protect_and_truncate(install):
    active = models.ConditionallyProtected.objects.create(is_active=True)
    inactive = models.ConditionallyProtected.objects.create(is_active=False)
    inactive.delete()
    with fails("Cannot delete rows"):
        active.delete()
    # Installed for this test only: a protected TRUNCATE would also stop the test runner's flush.
    install(
        models.ConditionallyProtected,
        pgtrigger.Protect(
            name="protect_truncate", operation=pgtrigger.Truncate, level=pgtrigger.Statement
        ),
    )
    with fails("Cannot truncate rows"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE contrib_tests_conditionallyprotected")


# --- ReadOnly -------------------------------------------------------------------------------
def test_read_only_whole_row_except_excluded():
    row = models.FrozenRow.objects.create(name="a")
    models.FrozenRow.objects.filter(pk=row.pk).update(note="notes may change")
    with fails(
        r"Cannot update rows from contrib_tests_frozenrow table .*read-only fields: id, name"
    ):
        models.FrozenRow.objects.filter(pk=row.pk).update(name="b")
    row.refresh_from_db()
    row.save()  # writing identical values is not a change


def test_read_only_chosen_fields():
    row = models.FrozenField.objects.create(created_by="me")
    models.FrozenField.objects.filter(pk=row.pk).update(other=5)
    with fails("read-only fields: created_by"):
        models.FrozenField.objects.filter(pk=row.pk).update(created_by="you")


def test_read_only_rejects_condition():
    with pytest.raises(ValueError, match="takes no condition"):
        pgtrigger.ReadOnly(name="x", condition=pgtrigger.Q(new__id=1))


# --- SoftDelete -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [
        (models.SoftBool, "is_active", False),
        (models.SoftChar, "status", "it's gone"),
        (models.SoftInt, "state", 0),
        (models.SoftNullable, "owner", None),
    ],
)
def test_soft_delete_values(model, field, expected):
    kwargs = {"name": "n"} if model is models.SoftBool else {}
    single = model.objects.create(**kwargs)
    bulk = [model.objects.create(**kwargs) for _ in range(3)]
    single.delete()
    model.objects.filter(pk__in=[b.pk for b in bulk]).delete()
    assert model.objects.count() == 4
    assert set(model.objects.values_list(field, flat=True)) == {expected}


def test_soft_delete_timestamp_and_custom_pk():
    stamped = models.SoftTimestamp.objects.create()
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    stamped.delete()
    stamped = models.SoftTimestamp.objects.get()
    assert stamped.deleted_at is not None and stamped.deleted_at > before
    keep = models.SoftCustomPk.objects.create(code="keep")
    gone = models.SoftCustomPk.objects.create(code="it's")
    gone.delete()
    assert dict(models.SoftCustomPk.objects.values_list("code", "is_active")) == {
        keep.code: True,
        "it's": False,
    }


def test_soft_delete_composite_primary_key():
    if django.VERSION < (5, 2):
        pytest.skip("composite primary keys need Django 5.2")
    from tests.composite.models import SoftCompositePk as model

    model.objects.create(tenant=1, number=1)
    model.objects.create(tenant=1, number=2)
    model.objects.filter(tenant=1, number=2).delete()
    assert dict(model.objects.values_list("number", "is_active")) == {1: True, 2: False}


# --- FSM ------------------------------------------------------------------------------------
def test_fsm_allows_declared_transitions_and_wildcards():
    doc = models.Document.objects.create()
    for status in ("published", "archived", "cancelled"):
        doc.status = status
        doc.save()
    models.Document.objects.update(title="same status is fine")


def test_fsm_rejects_with_attempted_and_allowed_transitions():
    doc = models.Document.objects.create()
    with fails(
        r"""Invalid transition of field "status" from 'draft' to 'archived' on table """
        r"""contrib_tests_document \(trigger "status_fsm"\); allowed transitions: 'draft' -> """
        r"""'published', 'published' -> 'archived', \* -> 'cancelled'"""
    ):
        models.Document.objects.filter(pk=doc.pk).update(status="archived")


def test_fsm_nullable_integer_with_initial_states():
    ticket = models.Ticket.objects.create(priority=None)
    for priority in (1, 2, 3, None):
        ticket.priority = priority
        ticket.save()
    with fails("Invalid initial state '2' .* allowed initial states: NULL, 1"):
        models.Ticket.objects.create(priority=2)
    with fails("Invalid transition of field \"priority\" from NULL to '3'"):
        models.Ticket.objects.filter(pk=ticket.pk).update(priority=3)


def test_fsm_check_flags_states_outside_choices():
    bad = pgtrigger.FSM(name="bad", field="status", transitions=[("draft", "nope")])
    errors = list(check_trigger(models.Document, bad))
    assert [e.id for e in errors] == ["pgtrigger.E102"]


# --- Versioning -----------------------------------------------------------------------------
def test_versioning_bumps_on_real_changes_only_and_protects_the_column():
    obj = models.Versioned.objects.create(name="a")
    models.Versioned.objects.filter(pk=obj.pk).update(name="b")
    models.Versioned.objects.filter(pk=obj.pk).update(name="b")  # no real change
    obj.refresh_from_db()
    assert obj.version == 1
    obj.name = "c"
    obj.save(update_fields=["name"])
    obj.refresh_from_db()
    assert obj.version == 2
    with fails(r'Cannot set version field "version" of contrib_tests_versioned table from 2 to 7'):
        models.Versioned.objects.filter(pk=obj.pk).update(version=7)
    obj.version = 1  # a stale object loses the race
    obj.name = "stale"
    with fails("Cannot set version field"):
        obj.save()


# --- TrackChanges ---------------------------------------------------------------------------
def test_track_changes_records_changed_fields_with_one_statement():
    rows = models.Tracked.objects.bulk_create([models.Tracked() for _ in range(3)])
    models.Tracked.objects.update(status="paid", untracked=9)
    models.Tracked.objects.filter(pk=rows[0].pk).update(price="9.50")
    events = list(
        models.Change.objects.order_by("id").values_list(
            "object_pk", "field", "old_value", "new_value"
        )
    )
    assert events[:3] == [(str(r.pk), "status", "new", "paid") for r in rows]
    assert events[3:] == [(str(rows[0].pk), "price", 0.0, 9.5)]
    assert all(c.changed_at for c in models.Change.objects.all())


# --- Composer -------------------------------------------------------------------------------
def test_composer_statement_level_condition_variables():
    locked = models.Composed.objects.create(status="locked")
    free = models.Composed.objects.create(status="new")
    models.Composed.objects.update(counter=1)  # no status change: nothing to check
    models.Composed.objects.filter(pk=free.pk).update(status="done")
    with fails(r"locked rows cannot change status \(2 rows changed\)"):
        models.Composed.objects.update(status="other")
    assert models.Composed.objects.get(pk=locked.pk).status == "locked"


def test_composer_uses_row_func_at_row_level():
    trigger = pgtrigger.Composer(
        name="c",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        func={pgtrigger.Row: "RETURN NEW;", pgtrigger.Statement: "RETURN NULL;"},
    )
    assert "RETURN NEW;" in trigger.compile(models.Composed).sql.function
    assert list(check_trigger(models.Composed, trigger)) == []


def _statement_composer(func, condition=None, **kwargs):
    return pgtrigger.Composer(
        name="narrowed",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=condition,
        func=func,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("func", "condition", "referencing"),
    [
        # old rows under an old-only condition: no new table, no join
        ("{cond_old_values}", pgtrigger.Q(old__status="locked"), "REFERENCING OLD TABLE AS"),
        # new rows under a condition on both rows: both tables, joined
        ("{cond_new_values}", pgtrigger.AnyChange("status"), "OLD TABLE AS"),
        ("{cond_joined_values}", None, "OLD TABLE AS"),
        # a table read by name
        ("new_values", None, "REFERENCING NEW TABLE AS"),
    ],
)
def test_composer_declares_only_the_transition_tables_it_reads(func, condition, referencing):
    template = f"IF EXISTS (SELECT 1 FROM {func} AS r) THEN RAISE EXCEPTION 'x'; END IF;"
    compiled = _statement_composer(pgtrigger.Func(template), condition).compile(models.Composed)
    assert referencing in compiled.sql.body
    joins = " JOIN " in compiled.sql.function
    both = "OLD TABLE" in compiled.sql.body and "NEW TABLE" in compiled.sql.body
    assert joins == both


def test_composer_subclass_template_variables_declare_their_tables():
    """Tables named by a subclass's own template variables are declared too."""

    class CountNew(pgtrigger.Composer):
        def get_func_template_kwargs(self, model):
            return {**super().get_func_template_kwargs(model), "rows": "new_values"}

    trigger = CountNew(
        name="count_new",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        func=pgtrigger.Func("PERFORM count(*) FROM {rows}; RETURN NULL;"),
    )
    assert 'REFERENCING NEW TABLE AS "new_values" FOR EACH' in (
        trigger.compile(models.Composed).sql.body
    )


def test_composer_without_transition_tables_and_explicit_referencing():
    bare = _statement_composer("RAISE EXCEPTION 'no bulk updates';")
    assert "REFERENCING" not in bare.compile(models.Composed).sql.body
    explicit = _statement_composer(
        "RETURN NULL;", referencing=pgtrigger.Referencing(old="before", new="after")
    )
    assert 'REFERENCING OLD TABLE AS "before" NEW TABLE AS "after"' in (
        explicit.compile(models.Composed).sql.body
    )


def test_composer_old_rows_check_without_new_table(install):
    install(
        models.Composed,
        _statement_composer(
            pgtrigger.Func(
                "IF EXISTS (SELECT 1 FROM {cond_old_values} AS o) THEN "
                "RAISE EXCEPTION 'locked: % rows', (SELECT count(*) FROM {cond_old_values} AS o);"
                " END IF; RETURN NULL;"
            ),
            pgtrigger.Q(old__status="locked") & pgtrigger.Q(old__counter__lt=5),
        ),
    )
    models.Composed.objects.bulk_create(
        [models.Composed(status=s, counter=c) for s, c in [("locked", 9), ("new", 0)]]
    )
    models.Composed.objects.update(counter=1)  # the locked row had counter 9: allowed
    with fails(r"locked: 1 rows"):
        models.Composed.objects.update(counter=2)
    assert sorted(models.Composed.objects.values_list("counter", flat=True)) == [1, 1]


# --- Sync -----------------------------------------------------------------------------------
def test_sync_field_same_row_expressions():
    person = models.Person.objects.create(email="Ann@Example.COM", price=3, quantity=4)
    person.refresh_from_db()
    assert (person.email_lower, person.total) == ("ann@example.com", 12)
    models.Person.objects.update(quantity=5, email_lower="tampered")
    person.refresh_from_db()
    assert (person.email_lower, person.total) == ("ann@example.com", 15)


def test_sync_aggregate_counts_and_sums_children():
    first, second = models.Order.objects.create(), models.Order.objects.create()
    lines = [models.OrderLine.objects.create(order=first, amount=a) for a in (5, 7)]
    models.OrderLine.objects.create(order=second, amount=1)
    lines[0].order = second
    lines[0].save()
    models.OrderLine.objects.filter(pk=lines[1].pk).delete()
    counts = dict(models.Order.objects.values_list("pk", "line_count"))
    amounts = dict(models.Order.objects.values_list("pk", "amount"))
    assert counts == {first.pk: 0, second.pk: 2}
    assert amounts == {first.pk: None, second.pk: 6}


# --- UpdateSearchVector ---------------------------------------------------------------------
def test_update_search_vector():
    from django.contrib.postgres.search import SearchQuery

    models.Article.objects.create(title="Triggers everywhere", body=None)
    models.Article.objects.create(title="Other", body="running databases")
    found = models.Article.objects.filter(search_vector=SearchQuery("run"))
    assert list(found.values_list("title", flat=True)) == ["Other"]


# --- OfficialInterface ----------------------------------------------------------------------
def test_official_interface_only_path():
    account = models.Account.objects.open("alice")
    assert models.Account.objects.filter(pk=account.pk).exists()
    with fails(
        r'Cannot insert rows from contrib_tests_account table \(trigger "official_create"; '
        r"use Account.objects.open\(\)\)"
    ):
        models.Account.objects.create(name="mallory")
    with models.official_create.official():
        models.Account.objects.create(name="batch")
    assert models.Account.objects.count() == 2


def test_every_recipe_is_exported_and_checks_pass():
    for name in (
        "Protect",
        "ReadOnly",
        "SoftDelete",
        "FSM",
        "Composer",
        "UpdateSearchVector",
        "TrackChanges",
        "Versioning",
        "SyncField",
        "SyncAggregate",
        "OfficialInterface",
    ):
        assert issubclass(getattr(pgtrigger, name), pgtrigger.Trigger)
    call_command("check")
