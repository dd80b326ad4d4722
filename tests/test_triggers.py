"""Every Trigger attribute, installed on a real database: the trigger fires, or does not."""

import pytest
from django.db import DatabaseError, connection, transaction

import pgtrigger
from tests import models

pytestmark = pytest.mark.django_db


def log_row(level="ROW"):
    return pgtrigger.Func(
        "INSERT INTO tests_logentry (level, old_field, new_field) "
        f"""VALUES ('{level}', NULL, NEW."{{columns.char_field}}"); RETURN NULL;"""
    )


def test_before_insert_rewrites_new_row(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="upper_char",
            when=pgtrigger.Before,
            operation=pgtrigger.Insert,
            func="NEW.char_field := upper(NEW.char_field); RETURN NEW;",
        ),
    )
    obj = models.TestModel.objects.create(char_field="abc")
    obj.refresh_from_db()
    assert obj.char_field == "ABC"


def test_after_update_with_condition_fires_only_when_true(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="log_increase",
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(old__int_field__lt=pgtrigger.F("new__int_field")),
            func=log_row(),
        ),
    )
    obj = models.TestModel.objects.create(int_field=5, char_field="a")
    models.TestModel.objects.filter(pk=obj.pk).update(int_field=3, char_field="down")
    models.TestModel.objects.filter(pk=obj.pk).update(int_field=9, char_field="up")
    assert list(models.LogEntry.objects.values_list("new_field", flat=True)) == ["up"]


def test_before_delete_blocks(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="no_delete",
            when=pgtrigger.Before,
            operation=pgtrigger.Delete,
            func="RAISE EXCEPTION 'no deletes on %', TG_TABLE_NAME;",
        ),
    )
    obj = models.TestModel.objects.create()
    with pytest.raises(DatabaseError, match="no deletes on tests_testmodel"):
        with transaction.atomic():
            obj.delete()
    assert models.TestModel.objects.filter(pk=obj.pk).exists()


def test_statement_level_truncate(install, run_sql):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="no_truncate",
            level=pgtrigger.Statement,
            when=pgtrigger.Before,
            operation=pgtrigger.Truncate,
            func="RAISE EXCEPTION 'no truncate';",
        ),
    )
    models.TestModel.objects.create()
    with pytest.raises(DatabaseError, match="no truncate"):
        with transaction.atomic():
            run_sql("TRUNCATE tests_testmodel CASCADE")
    assert models.TestModel.objects.count() == 1


def test_update_of_fires_only_for_named_columns(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="log_char_update",
            when=pgtrigger.After,
            operation=pgtrigger.UpdateOf("char_field"),
            func=log_row(),
        ),
    )
    obj = models.TestModel.objects.create(char_field="a", int_field=1)
    models.TestModel.objects.filter(pk=obj.pk).update(int_field=2)
    assert not models.LogEntry.objects.exists()
    models.TestModel.objects.filter(pk=obj.pk).update(char_field="b")
    assert list(models.LogEntry.objects.values_list("new_field", flat=True)) == ["b"]


def test_combined_operations(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="log_write",
            when=pgtrigger.After,
            operation=pgtrigger.Insert | pgtrigger.Update,
            func=log_row(),
        ),
    )
    obj = models.TestModel.objects.create(char_field="ins")
    models.TestModel.objects.filter(pk=obj.pk).update(char_field="upd")
    obj.delete()
    assert sorted(models.LogEntry.objects.values_list("new_field", flat=True)) == ["ins", "upd"]


def test_statement_level_with_transition_tables(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="count_updates",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            referencing=pgtrigger.Referencing(old="old_values", new="new_values"),
            func=(
                "INSERT INTO tests_logentry (level, old_field, new_field) "
                "SELECT 'STATEMENT', (SELECT count(*) FROM old_values)::text, count(*)::text "
                "FROM new_values; RETURN NULL;"
            ),
        ),
    )
    models.TestModel.objects.bulk_create([models.TestModel(int_field=i) for i in range(5)])
    models.TestModel.objects.update(int_field=0)
    entries = list(models.LogEntry.objects.values_list("level", "old_field", "new_field"))
    assert entries == [("STATEMENT", "5", "5")]


def test_declare_variables(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="declare_var",
            when=pgtrigger.Before,
            operation=pgtrigger.Insert,
            declare=[("greeting", "TEXT"), ("n", "INTEGER")],
            func="greeting := 'hi'; n := 41; NEW.char_field := greeting; "
            "NEW.int_field := n + 1; RETURN NEW;",
        ),
    )
    obj = models.TestModel.objects.create()
    obj.refresh_from_db()
    assert (obj.char_field, obj.int_field) == ("hi", 42)


def test_func_template_variables(install):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="func_vars",
            when=pgtrigger.Before,
            operation=pgtrigger.Insert,
            func=pgtrigger.Func(
                "NEW.\"{columns.text_field}\" := '{meta.db_table}:{fields.char_field.name}'; "
                "RETURN NEW;"
            ),
        ),
    )
    obj = models.TestModel.objects.create()
    obj.refresh_from_db()
    assert obj.text_field == "tests_testmodel:char_field"


def test_instead_of_on_a_view(install, run_sql):
    run_sql("CREATE VIEW tests_testview AS SELECT id, char_field AS name FROM tests_testmodel")
    install(
        models.TestView,
        pgtrigger.Trigger(
            name="view_insert",
            when=pgtrigger.InsteadOf,
            operation=pgtrigger.Insert,
            func="INSERT INTO tests_testmodel (char_field) VALUES (NEW.name); RETURN NEW;",
        ),
    )
    run_sql("INSERT INTO tests_testview (id, name) VALUES (1, 'through view')")
    assert list(models.TestModel.objects.values_list("char_field", flat=True)) == ["through view"]


def test_condition_escapes_hostile_values(install):
    hostile = "O'Brien'); DROP TABLE tests_logentry; --\\ $$ %s"
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="hostile",
            when=pgtrigger.After,
            operation=pgtrigger.Insert,
            condition=pgtrigger.Q(new__char_field=hostile),
            func=log_row(),
        ),
    )
    models.TestModel.objects.create(char_field="harmless")
    models.TestModel.objects.create(char_field=hostile)
    assert list(models.LogEntry.objects.values_list("new_field", flat=True)) == [hostile]


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        (pgtrigger.AnyChange("int_field", "char_field"), [True, True, False]),
        (pgtrigger.AllChange("int_field", "char_field"), [False, True, False]),
        (pgtrigger.AnyDontChange("int_field", "char_field"), [True, False, True]),
        (pgtrigger.AllDontChange("int_field", "char_field"), [False, False, True]),
        (~pgtrigger.AnyChange("int_field", "char_field"), [False, False, True]),
        (pgtrigger.AnyChange(exclude=["char_field", "text_field"]), [True, True, False]),
        (
            pgtrigger.Condition('OLD."int_field" IS DISTINCT FROM NEW."int_field"'),
            [True, True, False],
        ),
    ],
)
def test_change_conditions(install, condition, fires):
    install(
        models.TestModel,
        pgtrigger.Trigger(
            name="change",
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=condition,
            func=log_row(),
        ),
    )
    obj = models.TestModel.objects.create(int_field=1, char_field="a")
    updates = [{"int_field": 2}, {"int_field": 3, "char_field": "b"}, {}]
    fired = []
    for update in updates:
        before = models.LogEntry.objects.count()
        obj.__dict__.update(update)
        obj.save()
        fired.append(models.LogEntry.objects.count() > before)
    assert fired == fires


def test_any_change_exclude_auto(install):
    install(
        models.Article,
        pgtrigger.Trigger(
            name="log_real_change",
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=pgtrigger.AnyChange(exclude_auto=True),
            func="INSERT INTO tests_logentry (level) VALUES ('ROW'); RETURN NULL;",
        ),
    )
    article = models.Article.objects.create(title="t")
    article.save()  # only updated_at (auto_now) changes
    assert not models.LogEntry.objects.exists()
    article.title = "new"
    article.save()
    assert models.LogEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_deferred_constraint_trigger_fires_at_commit():
    trigger = pgtrigger.Trigger(
        name="parent_must_exist",
        when=pgtrigger.After,
        operation=pgtrigger.Insert | pgtrigger.Update,
        timing=pgtrigger.Deferred,
        func=(
            "IF NOT EXISTS (SELECT 1 FROM tests_testmodel WHERE id = NEW.parent_id) THEN "
            "RAISE EXCEPTION 'parent % missing', NEW.parent_id; END IF; RETURN NULL;"
        ),
    )
    trigger.install(models.Child)
    try:
        with transaction.atomic():
            child = models.Child.objects.create(parent_id=12345)
            models.TestModel.objects.create(id=12345)  # parent arrives later in the transaction
        assert models.Child.objects.filter(pk=child.pk).exists()
        with pytest.raises(DatabaseError, match="parent 999 missing"):
            with transaction.atomic():
                models.Child.objects.create(parent_id=999)
        assert not models.Child.objects.filter(parent_id=999).exists()
    finally:
        trigger.uninstall(models.Child)


def test_meta_trigger_from_abstract_parent():
    article = models.Article.objects.create(title="a")
    with pytest.raises(DatabaseError, match="created_at is read-only"):
        with transaction.atomic():
            models.Article.objects.filter(pk=article.pk).update(created_at="2000-01-01T00:00Z")


def test_proxy_trigger_on_third_party_table():
    user = models.UserProxy.objects.create(username="root", is_superuser=True)
    with pytest.raises(DatabaseError, match="superusers cannot be deleted"):
        with transaction.atomic():
            user.delete()
    plain = models.UserProxy.objects.create(username="plain")
    plain.delete()


def test_proxy_trigger_on_m2m_through_table():
    from django.contrib.auth.models import Group, User

    user = User.objects.create(username="u")
    group = Group.objects.create(name="g")
    user.groups.add(group)
    with pytest.raises(DatabaseError, match="memberships are permanent"):
        with transaction.atomic():
            user.groups.remove(group)


def test_registered_by_decorator_logs_changes():
    obj = models.Registered.objects.create(name="a")
    obj.name = "b"
    obj.save()
    obj.save()  # no change: condition false
    entries = list(models.LogEntry.objects.values_list("old_field", "new_field"))
    assert entries == [("a", "b")]


def test_pgid_is_deterministic_lowercase_and_fits():
    trigger = pgtrigger.Trigger(
        name="A" * 47, when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    pgid = trigger.get_pgid(models.TestModel)
    assert pgid == trigger.get_pgid(models.TestModel)
    assert pgid == pgid.lower() and len(pgid) <= 63
    assert trigger.get_uri(models.TestModel) == "tests.TestModel:" + "A" * 47


def test_trigger_function_has_no_exception_block():
    trigger = pgtrigger.Trigger(
        name="t", when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    compiled = trigger.compile(models.TestModel).sql
    assert "EXCEPTION" not in compiled.function.upper()
    assert "current_setting('pgtrigger.ignore', true)" in compiled.body


def test_server_version_supports_replace():
    assert connection.pg_version >= 140000
