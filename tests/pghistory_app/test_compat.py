"""django-pgtrigger 4.x surface that downstream code (django-pghistory among it) relies on."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.state import ProjectState

import pgtrigger
import pgtrigger.core
import pgtrigger.utils
from pgtrigger import migrations
from tests.asserts import fails
from tests.pghistory_app.models import Author, Book, Loan


def _pgids(model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [model._meta.db_table],
        )
        return {row[0] for row in cursor.fetchall()}


# --- pgtrigger.core / pgtrigger.utils ----------------------------------------------------------
def test_core_module_names():
    assert pgtrigger.core.Trigger is pgtrigger.Trigger
    assert pgtrigger.core.MAX_NAME_LENGTH == 47
    for status in ("INSTALLED", "UNINSTALLED", "OUTDATED", "PRUNE", "UNALLOWED"):
        assert getattr(pgtrigger.core, status) == status
    for change in (pgtrigger.AnyChange, pgtrigger.AllChange, pgtrigger.AnyDontChange):
        assert isinstance(change("title"), pgtrigger.core._Change)
    assert not isinstance(pgtrigger.Q(new__title="x"), pgtrigger.core._Change)


def test_change_fields_set_after_construction_are_compiled():
    """pghistory replaces ``.fields`` of an ``AnyChange()`` with the tracked fields."""
    condition = pgtrigger.AnyChange()
    assert condition.fields == []
    condition.fields = ["title"]
    assert condition.resolve(Book) == 'OLD."title" IS DISTINCT FROM NEW."title"'


@pytest.mark.django_db
def test_utils_versions():
    with connection.cursor() as cursor:
        assert pgtrigger.utils.pg_maj_version(cursor) == connection.pg_version // 10000
    driver = connection.Database.__version__
    assert pgtrigger.utils.psycopg_maj_version == int(driver.split(".")[0])


# --- ForeignKey lookups ------------------------------------------------------------------------
def test_distinct_lookups_on_foreign_keys():
    changed = pgtrigger.Q(old__author__df=pgtrigger.F("new__author"))
    assert changed.resolve(Book) == 'OLD."author_id" IS DISTINCT FROM (NEW."author_id")'
    same = pgtrigger.Q(old__author__ndf=pgtrigger.F("new__author_id"))
    assert same.resolve(Book) == 'OLD."author_id" IS NOT DISTINCT FROM (NEW."author_id")'
    assert pgtrigger.Q(new__book__df=None).resolve(Loan) == 'NEW."book_id" IS DISTINCT FROM NULL'


@pytest.mark.django_db
def test_distinct_lookup_on_foreign_key_with_model_instance(install):
    author = Author.objects.create(name="a")
    book = Book.objects.create(title="t", author=author)
    install(
        Loan,
        pgtrigger.Protect(
            name="pin_book",
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(old__book__ndf=book) & pgtrigger.Q(new__book__df=book),
        ),
    )
    loan = Loan.objects.create(book=book)
    Loan.objects.update(days=3)  # the book stays: allowed
    with fails("Cannot update rows"):
        Loan.objects.update(book=None)
    loan.refresh_from_db()
    assert loan.book == book


# --- Trigger methods as context managers, installation status -----------------------------------
@pytest.mark.django_db
def test_trigger_methods_undo_on_exit():
    with connection.cursor() as cursor:  # no deferred FK checks pending at ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    trigger = pgtrigger.Protect(name="no_loan_deletes", operation=pgtrigger.Delete)
    pgid = trigger.get_pgid(Loan)
    uri = trigger.get_uri(Loan)
    assert trigger.get_installation_status(Loan) == ("UNINSTALLED", None)
    with trigger.register(Loan):
        assert pgtrigger.registered(uri) == [(Loan, trigger)]
        with trigger.unregister(Loan):
            assert uri not in {t.get_uri(m) for m, t in pgtrigger.registered()}
        assert pgtrigger.registered(uri) == [(Loan, trigger)]
    assert uri not in {t.get_uri(m) for m, t in pgtrigger.registered()}

    with trigger.install(Loan):
        assert pgid in _pgids(Loan)
        assert trigger.get_installation_status(Loan) == ("INSTALLED", True)
        with trigger.disable(Loan):
            assert trigger.get_installation_status(Loan) == ("INSTALLED", False)
            Loan.objects.create().delete()
        with fails("Cannot delete rows"):
            Loan.objects.create().delete()
        with trigger.uninstall(Loan):
            assert pgid not in _pgids(Loan)
        assert pgid in _pgids(Loan)
    assert pgid not in _pgids(Loan)

    # Outside ``with`` the calls act at once, and stay.
    trigger.install(Loan)
    trigger.disable(Loan)
    assert trigger.get_installation_status(Loan) == ("INSTALLED", False)
    trigger.enable(Loan)
    with trigger.enable(Loan):
        pass  # undoing an enable disables
    assert trigger.get_installation_status(Loan) == ("INSTALLED", False)
    with connection.cursor() as cursor:
        cursor.execute(f'COMMENT ON TRIGGER "{pgid}" ON "{Loan._meta.db_table}" IS \'x\'')
    assert trigger.get_installation_status(Loan) == ("OUTDATED", False)
    trigger.uninstall(Loan)
    assert trigger.get_installation_status(Loan) == ("UNINSTALLED", None)


@pytest.mark.django_db
def test_install_context_undoes_after_an_error():
    trigger = pgtrigger.Protect(name="no_loan_inserts", operation=pgtrigger.Insert)
    with pytest.raises(RuntimeError), trigger.install(Loan):
        raise RuntimeError
    assert trigger.get_pgid(Loan) not in _pgids(Loan)


# --- 3.x-style migration files: declarations in AddTrigger / RemoveTrigger ---------------------
def _state():
    state = ProjectState.from_apps(apps)
    state.models["pghistory_app", "loan"].options[migrations.OPTION] = []
    return state


@pytest.mark.django_db
def test_migration_with_trigger_declarations():
    declaration = pgtrigger.Protect(
        name="old_style", operation=pgtrigger.Delete, condition=pgtrigger.Q(old__status="kept")
    )
    add = migrations.AddTrigger(model_name="loan", trigger=declaration)
    remove = migrations.RemoveTrigger(model_name="loan", name="old_style")
    before = _state()
    added = before.clone()
    add.state_forwards("pghistory_app", added)
    (compiled,) = added.models["pghistory_app", "loan"].options[migrations.OPTION]
    assert compiled == declaration.compile(Loan)  # compiled against the state's model
    altered_declaration = pgtrigger.Protect(name="old_style", operation=pgtrigger.Insert)
    altered = added.clone()
    migrations.AlterTrigger(
        model_name="loan", name="old_style", trigger=altered_declaration
    ).state_forwards("pghistory_app", altered)
    assert altered.models["pghistory_app", "loan"].options[migrations.OPTION] == [
        altered_declaration.compile(Loan)
    ]
    removed = added.clone()
    remove.state_forwards("pghistory_app", removed)
    assert removed.models["pghistory_app", "loan"].options[migrations.OPTION] == []

    pgid = declaration.get_pgid(Loan)
    with connection.schema_editor() as editor:
        add.database_forwards("pghistory_app", editor, before, added)
    assert pgid in _pgids(Loan)
    Loan.objects.create(status="open").delete()
    loan = Loan.objects.create(status="kept")
    with fails("Cannot delete rows"):
        loan.delete()
    with connection.schema_editor() as editor:
        remove.database_forwards("pghistory_app", editor, added, removed)
    assert pgid not in _pgids(Loan)
    with connection.schema_editor() as editor:
        remove.database_backwards("pghistory_app", editor, removed, added)
    assert pgid in _pgids(Loan)
    with connection.schema_editor() as editor:
        add.database_backwards("pghistory_app", editor, added, before)
    assert pgid not in _pgids(Loan)


# --- Composer transition-table fragments ---------------------------------------------------------
def _log_composer(template, condition, operation=pgtrigger.Update):
    return pgtrigger.Composer(
        name="log_rows",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        condition=condition,
        func=pgtrigger.Func(template),
    )


def _days():
    return sorted(Loan.objects.values_list("days", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "condition",
    [
        None,
        pgtrigger.Q(new__status="late"),
        pgtrigger.Q(old__status="open"),
        pgtrigger.AnyChange("status"),
        pgtrigger.Condition("OLD.\"status\" = 'open' AND NEW.\"status\" = 'late'"),
    ],
)
def test_composer_fragments_keep_the_transition_table_names(install, condition):
    """``SELECT new_values.* FROM {cond_new_values}``, as 4.x documents (and pghistory renders)."""
    table = Loan._meta.db_table
    install(
        Loan,
        _log_composer(
            f'INSERT INTO "{table}" ("status", "days") '
            "SELECT 'log-new', new_values.days + 100 FROM {cond_new_values}; "
            f'INSERT INTO "{table}" ("status", "days") '
            "SELECT 'log-old', old_values.days + 200 FROM {cond_old_values} "
            "WHERE old_values.days >= 0; "
            f'INSERT INTO "{table}" ("status", "days") '
            "SELECT 'log-joined', new_values.days - old_values.days + 300 "
            "FROM {cond_joined_values} ORDER BY 1; RETURN NULL;",
            condition,
        ),
    )
    Loan.objects.bulk_create([Loan(status="open", days=1), Loan(status="other", days=2)])
    Loan.objects.filter(status="open").update(status="late", days=5)
    assert _days() == [2, 5, 101 + 4, 201, 304]
    # Rows the condition (if any) rejects log nothing.
    Loan.objects.filter(status="other").update(days=7)
    expected = [5, 7, 101 + 4, 201, 304]
    if condition is None:
        expected += [107, 202, 305]
    assert _days() == sorted(expected)


@pytest.mark.django_db
def test_composer_fragments_still_take_an_alias(install):
    install(
        Loan,
        _log_composer(
            "IF EXISTS (SELECT 1 FROM {cond_new_values} AS n) THEN "
            "RAISE EXCEPTION 'late: %', (SELECT count(*) FROM {cond_joined_values} j); "
            "END IF; RETURN NULL;",
            pgtrigger.Q(new__status="late"),
        ),
    )
    Loan.objects.create(status="open")
    Loan.objects.update(days=2)
    with fails("late: 1"):
        Loan.objects.update(status="late")


# --- Statement-level Protect / ReadOnly with a condition -----------------------------------------
@pytest.mark.django_db
def test_statement_level_protect_with_condition(install):
    install(
        Loan,
        pgtrigger.Protect(
            name="protect_late",
            operation=pgtrigger.Delete,
            level=pgtrigger.Statement,
            condition=pgtrigger.Q(old__status="late"),
        ),
    )
    Loan.objects.bulk_create([Loan(status="open"), Loan(status="late"), Loan(status="open")])
    with fails(r"Cannot delete rows from .* \(trigger \"protect_late\"\)"):
        Loan.objects.all().delete()
    Loan.objects.filter(status="open").delete()
    assert list(Loan.objects.values_list("status", flat=True)) == ["late"]


@pytest.mark.django_db
def test_statement_level_protect_with_condition_on_both_rows(install):
    install(
        Loan,
        pgtrigger.Protect(
            name="protect_reopen",
            operation=pgtrigger.Update,
            level=pgtrigger.Statement,
            condition=pgtrigger.Q(old__status="closed", new__status="open"),
        ),
    )
    Loan.objects.bulk_create([Loan(status="closed"), Loan(status="late")])
    Loan.objects.filter(status="late").update(status="open")
    with fails("Cannot update rows"):
        Loan.objects.update(status="open")
    assert sorted(Loan.objects.values_list("status", flat=True)) == ["closed", "open"]


@pytest.mark.django_db
def test_statement_level_read_only(install):
    frozen = pgtrigger.ReadOnly(name="frozen_days", fields=["days"], level=pgtrigger.Statement)
    install(Loan, frozen)
    Loan.objects.bulk_create([Loan(days=1), Loan(days=2)])
    Loan.objects.update(status="late")  # days unchanged
    with fails("read-only fields: days"):
        Loan.objects.filter(days=2).update(days=3)
    assert _days() == [1, 2]
