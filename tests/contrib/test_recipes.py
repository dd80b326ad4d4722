"""Every contrib recipe on a real database, including its failure messages."""

import datetime as dt

import django
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


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


def test_conditional_protect_checks_its_condition_before_the_ignore_check():
    """Rows the condition rules out stop at the condition (AND stops at its first false
    operand), never paying for the ignore check; an ignored trigger still lets a row through."""
    trigger = models.ConditionallyProtected._meta.triggers[0]
    body = trigger.compile(models.ConditionallyProtected).sql.body
    condition = trigger.render_condition(models.ConditionallyProtected)
    assert f"WHEN (({condition}) AND (strpos(" in body, body
    active = models.ConditionallyProtected.objects.create(is_active=True)
    with pgtrigger.ignore("contrib_tests.ConditionallyProtected:protect_active_deletes"):
        active.delete()
    assert not models.ConditionallyProtected.objects.filter(pk=active.pk).exists()
    active = models.ConditionallyProtected.objects.create(is_active=True)
    with fails("Cannot delete rows"):
        active.delete()


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


def test_read_only_whole_model_refuses_any_change():
    row = models.FrozenAll.objects.create(name="a", amount=1)
    message = (
        r"Cannot update rows from contrib_tests_frozenall table "
        r'\(trigger "read_only_all"; read-only fields: id, name, amount\)'
    )
    with fails(message):
        models.FrozenAll.objects.filter(pk=row.pk).update(name="b")
    with fails(message):
        models.FrozenAll.objects.update(amount=2)
    with fails(message):
        models.FrozenAll.objects.filter(pk=row.pk).update(id=row.pk + 100)
    models.FrozenAll.objects.update(name="a", amount=1)  # identical values: no change
    row.save()
    assert list(models.FrozenAll.objects.values_list("id", "name", "amount")) == [(row.pk, "a", 1)]


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
    deleted, _ = single.delete()
    bulk_deleted, _ = model.objects.filter(pk__in=[b.pk for b in bulk]).delete()
    assert (deleted, bulk_deleted) == (0, 0)  # as documented: skipped rows are not counted
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


def test_soft_delete_custom_pk_queryset_delete():
    for code in ("keep", "it's", "gone"):
        models.SoftCustomPk.objects.create(code=code)
    models.SoftCustomPk.objects.filter(code__in=["it's", "gone"]).delete()
    assert dict(models.SoftCustomPk.objects.values_list("code", "is_active")) == {
        "keep": True,
        "it's": False,
        "gone": False,
    }


@pytest.mark.django_db(transaction=True)
def test_soft_delete_timestamp_is_the_time_of_the_delete():
    """``Now()`` is the transaction's time: in autocommit, that of the delete statement."""
    kept = models.SoftTimestamp.objects.create()
    stamped = models.SoftTimestamp.objects.create()
    before = dt.datetime.now(dt.timezone.utc)
    pk = stamped.pk
    stamped.delete()  # Django sets the instance's pk to None: read the row back by pk
    after = dt.datetime.now(dt.timezone.utc)
    stamps = dict(models.SoftTimestamp.objects.values_list("pk", "deleted_at"))
    assert set(stamps) == {kept.pk, pk}
    assert stamps[kept.pk] is None
    assert before <= stamps[pk] <= after


def test_soft_delete_composite_primary_key():
    if django.VERSION < (5, 2):
        pytest.skip("composite primary keys need Django 5.2")
    from tests.composite.models import SoftCompositePk as model

    model.objects.create(tenant=1, number=1)
    model.objects.create(tenant=1, number=2)
    model.objects.filter(tenant=1, number=2).delete()
    assert dict(model.objects.values_list("number", "is_active")) == {1: True, 2: False}


def test_soft_delete_composite_primary_key_single_delete():
    if django.VERSION < (5, 2):
        pytest.skip("composite primary keys need Django 5.2")
    from tests.composite.models import SoftCompositePk as model

    target = model.objects.create(tenant=1, number=1)
    model.objects.create(tenant=1, number=2)
    model.objects.create(tenant=2, number=1)  # same number, other tenant: must stay active
    target.delete()
    assert dict(
        ((t, n), active)
        for t, n, active in model.objects.values_list("tenant", "number", "is_active")
    ) == {(1, 1): False, (1, 2): True, (2, 1): True}


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
    (error,) = errors
    assert error.msg.startswith('Trigger "bad" on contrib_tests.Document: ')
    assert "FSM state 'nope' is not a choice of field \"status\"" in error.msg
    assert "'draft'" not in error.msg


def test_fsm_condition_enforces_transitions_only_when_true():
    free = models.GatedDocument.objects.create(locked=False)
    locked = models.GatedDocument.objects.create(locked=True)
    # Outside the declared transitions, but the condition (old row locked) is false.
    models.GatedDocument.objects.filter(pk=free.pk).update(status="archived")
    with fails(
        r"""Invalid transition of field "status" from 'draft' to 'archived' on table """
        r"""contrib_tests_gateddocument \(trigger "gated_fsm"\)"""
    ):
        models.GatedDocument.objects.filter(pk=locked.pk).update(status="archived")
    models.GatedDocument.objects.filter(pk=locked.pk).update(status="published")  # declared
    assert dict(models.GatedDocument.objects.values_list("pk", "status")) == {
        free.pk: "archived",
        locked.pk: "published",
    }


def test_fsm_wildcard_target_allows_any_state_from_the_source_only():
    for status in ("published", "archived", "cancelled", "draft"):
        doc = models.OpenDraft.objects.create()
        models.OpenDraft.objects.filter(pk=doc.pk).update(status=status)
        doc.refresh_from_db()
        assert doc.status == status
    published = models.OpenDraft.objects.create(status="published")
    with fails(
        r"""Invalid transition of field "status" from 'published' to 'draft' .*"""
        r"""allowed transitions: 'draft' -> \*, 'published' -> 'archived'"""
    ):
        models.OpenDraft.objects.filter(pk=published.pk).update(status="draft")
    archived = models.OpenDraft.objects.create(status="archived")
    with fails("from 'archived' to 'published'"):
        models.OpenDraft.objects.filter(pk=archived.pk).update(status="published")
    models.OpenDraft.objects.filter(pk=published.pk).update(status="archived")
    published.refresh_from_db()
    assert published.status == "archived"


def test_fsm_integer_choices():
    job = models.Job.objects.create()
    job.stage = models.Stage.RUNNING
    job.save()
    models.Job.objects.filter(pk=job.pk).update(stage=models.Stage.DONE)
    job.refresh_from_db()
    assert job.stage == models.Stage.DONE
    with fails(
        r"""Invalid transition of field "stage" from '3' to '2' on table contrib_tests_job """
        r"""\(trigger "stage_fsm"\); allowed transitions: 1 -> 2, 2 -> 3, 2 -> 4"""
    ):
        models.Job.objects.filter(pk=job.pk).update(stage=models.Stage.RUNNING)
    queued = models.Job.objects.create()
    with fails("from '1' to '4'"):
        models.Job.objects.filter(pk=queued.pk).update(stage=models.Stage.FAILED)
    assert dict(models.Job.objects.values_list("pk", "stage")) == {job.pk: 3, queued.pk: 1}
    assert list(check_trigger(models.Job, models.Job._meta.triggers[0])) == []


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


def test_track_changes_runs_one_function_call_per_bulk_update(run_sql):
    ((model, trigger),) = pgtrigger.registered("contrib_tests.Tracked:track_changes")
    assert model is models.Tracked
    pgid = trigger.get_pgid(model)
    models.Tracked.objects.bulk_create([models.Tracked() for _ in range(3)])
    run_sql("SET LOCAL track_functions = 'pl'")  # undone by the test transaction's rollback

    def calls():
        rows = run_sql("SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = %s", [pgid])
        return rows[0][0] if rows else 0

    assert calls() == 0
    assert models.Tracked.objects.update(status="paid") == 3
    assert calls() == 1
    assert models.Tracked.objects.update(status="shipped") == 3
    assert calls() == 2
    assert models.Change.objects.filter(field="status").count() == 6


def test_track_changes_ignore_suppresses_events():
    row = models.Tracked.objects.create()
    with pgtrigger.ignore("contrib_tests.Tracked:track_changes"):
        models.Tracked.objects.update(status="quiet", price="1.00")
    assert not models.Change.objects.exists()
    models.Tracked.objects.update(status="loud")
    assert list(
        models.Change.objects.values_list("object_pk", "field", "old_value", "new_value")
    ) == [(str(row.pk), "status", "quiet", "loud")]


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


def test_composer_row_level_func_runs_on_update(install):
    row = models.Composed.objects.create(status="new")
    install(
        models.Composed,
        pgtrigger.Composer(
            name="row_level",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            func={
                pgtrigger.Row: "RAISE EXCEPTION 'row level';",
                pgtrigger.Statement: "RAISE EXCEPTION 'statement level';",
            },
        ),
    )
    with fails("row level"):
        models.Composed.objects.filter(pk=row.pk).update(counter=1)
    with fails("row level"):
        row.save()
    # Row level: an update of no rows runs no trigger (a statement-level one would fire).
    assert models.Composed.objects.filter(pk=row.pk + 1).update(counter=1) == 0
    assert models.Composed.objects.get(pk=row.pk).counter == 0


def test_composer_row_level_condition_is_a_when_clause(install):
    row = models.Composed.objects.create(status="new")
    install(
        models.Composed,
        pgtrigger.Composer(
            name="row_locked",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(new__status="locked"),
            func={pgtrigger.Row: "RAISE EXCEPTION 'cannot lock';", pgtrigger.Statement: "x"},
        ),
    )
    models.Composed.objects.filter(pk=row.pk).update(status="done", counter=3)
    with fails("cannot lock"):
        models.Composed.objects.filter(pk=row.pk).update(status="locked")
    assert models.Composed.objects.values_list("status", "counter").get() == ("done", 3)


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
    with pytest.raises(ValueError, match="do not support referencing"):  # as 4.x
        _statement_composer(
            "RETURN NULL;", referencing=pgtrigger.Referencing(old="before", new="after")
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


def test_sync_field_plain_mirror():
    row = models.Mirrored.objects.create(name="Ann")
    row.refresh_from_db()
    assert row.name_copy == "Ann"
    models.Mirrored.objects.filter(pk=row.pk).update(name="Bob")
    row.refresh_from_db()
    assert row.name_copy == "Bob"
    models.Mirrored.objects.update(name_copy="tampered")  # overwritten from the row
    models.Mirrored.objects.bulk_create([models.Mirrored(name="it's", name_copy="wrong")])
    assert sorted(models.Mirrored.objects.values_list("name", "name_copy")) == [
        ("Bob", "Bob"),
        ("it's", "it's"),
    ]


def test_sync_aggregate_max_and_min():
    first, second = models.Batch.objects.create(), models.Batch.objects.create()
    items = {a: models.BatchItem.objects.create(batch=first, amount=a) for a in (5, 9, 2)}

    def extremes():
        return {
            pk: (high, low)
            for pk, high, low in models.Batch.objects.values_list("pk", "max_amount", "min_amount")
        }

    assert extremes() == {first.pk: (9, 2), second.pk: (None, None)}
    models.BatchItem.objects.filter(pk=items[9].pk).update(amount=1)  # same parent
    assert extremes() == {first.pk: (5, 1), second.pk: (None, None)}
    models.BatchItem.objects.filter(pk=items[5].pk).update(batch=second)
    assert extremes() == {first.pk: (2, 1), second.pk: (5, 5)}
    models.BatchItem.objects.filter(batch=first).delete()
    assert extremes() == {first.pk: (None, None), second.pk: (5, 5)}


def test_sync_aggregate_value_change_without_fk_change():
    order = models.Order.objects.create()
    line = models.OrderLine.objects.create(order=order, amount=5)
    models.OrderLine.objects.create(order=order, amount=7)
    models.OrderLine.objects.filter(pk=line.pk).update(amount=10)
    assert models.Order.objects.values_list("line_count", "amount").get() == (2, 17)
    line.refresh_from_db()
    line.amount = 1
    line.save()
    assert models.Order.objects.values_list("line_count", "amount").get() == (2, 8)


def test_sync_aggregate_bulk_move_updates_both_parents():
    first, second = models.Order.objects.create(), models.Order.objects.create()
    for amount in (1, 2, 3):
        models.OrderLine.objects.create(order=first, amount=amount)
    models.OrderLine.objects.create(order=second, amount=10)
    assert models.OrderLine.objects.filter(order=first).update(order=second) == 3
    totals = {
        pk: (count, amount)
        for pk, count, amount in models.Order.objects.values_list("pk", "line_count", "amount")
    }
    assert totals == {first.pk: (0, None), second.pk: (4, 16)}


# --- UpdateSearchVector ---------------------------------------------------------------------
def test_update_search_vector():
    from django.contrib.postgres.search import SearchQuery

    models.Article.objects.create(title="Triggers everywhere", body=None)
    models.Article.objects.create(title="Other", body="running databases")
    found = models.Article.objects.filter(search_vector=SearchQuery("run"))
    assert list(found.values_list("title", flat=True)) == ["Other"]


# --- Construction errors and checks -------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: pgtrigger.SoftDelete(name="sd"), r'SoftDelete trigger "sd" needs a field'),
        (
            lambda: pgtrigger.SyncField(name="sf", expression=F("name")),
            r'SyncField trigger "sf" needs a field and an expression',
        ),
        (
            lambda: pgtrigger.SyncField(name="sf", field="name_copy"),
            r'SyncField trigger "sf" needs a field and an expression',
        ),
        (
            lambda: pgtrigger.SyncAggregate(name="sa", parent_field="line_count"),
            r'SyncAggregate trigger "sa" needs fk and parent_field',
        ),
        (
            lambda: pgtrigger.SyncAggregate(
                name="sa", fk="order", parent_field="amount", aggregate="median", of="amount"
            ),
            r'SyncAggregate trigger "sa": aggregate must be in \(\'count\', \'sum\'',
        ),
        (
            lambda: pgtrigger.SyncAggregate(
                name="sa", fk="order", parent_field="amount", aggregate="sum"
            ),
            r'SyncAggregate trigger "sa": "sum" needs of=<field>',
        ),
        (
            lambda: pgtrigger.TrackChanges(name="tc", to="contrib_tests.Change"),
            r'TrackChanges trigger "tc" needs fields to track',
        ),
        (
            lambda: pgtrigger.TrackChanges(name="tc", fields=[], to="contrib_tests.Change"),
            r'TrackChanges trigger "tc" needs fields to track',
        ),
        (
            lambda: pgtrigger.TrackChanges(name="tc", fields=["status"]),
            r'TrackChanges trigger "tc" needs an event model \("to"\)',
        ),
        (
            lambda: pgtrigger.UpdateSearchVector(name="usv", document_fields=["title"]),
            r'UpdateSearchVector trigger "usv" needs a vector_field',
        ),
        (
            lambda: pgtrigger.UpdateSearchVector(name="usv", vector_field="search_vector"),
            r'UpdateSearchVector trigger "usv" needs document_fields',
        ),
        (
            lambda: pgtrigger.UpdateSearchVector(
                name="usv", vector_field="search_vector", document_fields=[]
            ),
            r'UpdateSearchVector trigger "usv" needs document_fields',
        ),
    ],
    ids=[
        "soft_delete_no_field",
        "sync_field_no_field",
        "sync_field_no_expression",
        "sync_aggregate_no_fk",
        "sync_aggregate_unknown_aggregate",
        "sync_aggregate_sum_without_of",
        "track_changes_no_fields",
        "track_changes_empty_fields",
        "track_changes_no_to",
        "search_vector_no_vector_field",
        "search_vector_no_document_fields",
        "search_vector_empty_document_fields",
    ],
)
def test_recipe_construction_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def _check(model, trigger, error_id):
    """The messages of ``trigger``'s check errors with ``error_id``, checked for their label."""
    errors = [e for e in check_trigger(model, trigger) if e.id == error_id]
    assert errors, [(e.id, e.msg) for e in check_trigger(model, trigger)]
    label = f'Trigger "{trigger.name}" on {model._meta.label}: '
    assert all(e.msg.startswith(label) and e.obj is model for e in errors)
    return [e.msg for e in errors]


@pytest.mark.parametrize(
    ("model", "field"), [(models.Document, "missing"), (models.Order, "lines")]
)
def test_fsm_check_field_not_a_column(model, field):
    trigger = pgtrigger.FSM(name="fsm_column", field=field, transitions=[("a", "b")])
    assert _check(model, trigger, "pgtrigger.E101") == [
        f'Trigger "fsm_column" on {model._meta.label}: FSM field "{field}" is not a column '
        "of the model."
    ]


def test_track_changes_checks_event_model_and_fields():
    missing = pgtrigger.TrackChanges(
        name="tc_missing", fields=["status"], to="contrib_tests.NoSuchModel"
    )
    (msg,) = _check(models.Tracked, missing, "pgtrigger.E103")
    assert "event model 'contrib_tests.NoSuchModel' not found" in msg
    lacking = pgtrigger.TrackChanges(name="tc_lacking", fields=["status"], to=models.Person)
    (msg,) = _check(models.Tracked, lacking, "pgtrigger.E103")
    assert "event model contrib_tests.Person lacks fields object_pk, field, old_value" in msg
    unknown = pgtrigger.TrackChanges(
        name="tc_unknown", fields=["status", "nope"], to="contrib_tests.Change"
    )
    (msg,) = _check(models.Tracked, unknown, "pgtrigger.E104")
    assert "tracked fields nope are not columns of the model" in msg
    reverse = pgtrigger.TrackChanges(name="tc_reverse", fields=["lines"], to=models.Change)
    (msg,) = _check(models.Order, reverse, "pgtrigger.E104")
    assert "tracked fields lines are not columns" in msg
    assert list(check_trigger(models.Tracked, models.Tracked._meta.triggers[0])) == []


def test_composer_statement_level_raw_condition_reads_the_transition_tables():
    trigger = pgtrigger.Composer(
        name="raw_condition",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition("OLD.status IS DISTINCT FROM NEW.status"),
        func=pgtrigger.Func("PERFORM 1 FROM {cond_new_values} AS n; RETURN NULL;"),
    )
    # As in 4.x, a raw condition applies to the transition tables (see
    # tests/pghistory_app/test_compat.py for its behaviour in the database).
    assert list(check_trigger(models.Composed, trigger)) == []
    function = trigger.compile(models.Composed).sql.function
    assert "WHERE old_values.status IS DISTINCT FROM new_values.status" in function


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
