"""``Composer`` on a real database: levels, conditions and transition tables."""

import pytest

import pgtrigger
from pgtrigger.checks import check_trigger
from tests.asserts import fails
from tests.contrib import models

pytestmark = pytest.mark.django_db


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
