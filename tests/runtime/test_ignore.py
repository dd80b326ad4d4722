"""``pgtrigger.ignore`` where the well-known "prefix each query with set_config" breaks."""

import asyncio
import contextlib
import threading

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

import pgtrigger
from pgtrigger.runtime import _execute_wrapper
from tests.runtime.models import Guarded, StatementGuarded

GUARD = "runtime_tests.Guarded:guard"
IGNORE_SQL = "SELECT COALESCE(current_setting('pgtrigger.ignore', true), '')"


def blocked(match="Cannot insert rows from runtime_tests_guarded"):
    return pytest.raises(DatabaseError, match=match)


def session_value(conn=connection):
    """The setting as the server sees it, read past Django's wrappers."""
    with conn.connection.cursor() as cursor:
        cursor.execute(IGNORE_SQL)
        return cursor.fetchone()[0]


def query_value(conn=connection):
    """The setting as Django's next query sees it."""
    with conn.cursor() as cursor:
        cursor.execute(IGNORE_SQL)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_ignore_block_and_nothing_left_after_it_in_the_same_transaction():
    with blocked(), transaction.atomic():
        Guarded.objects.create(name="a")
    with pgtrigger.ignore(GUARD):
        Guarded.objects.create(name="a")
        Guarded.objects.filter(name="a").update(name="b")
    with blocked("Cannot update rows"), transaction.atomic():
        Guarded.objects.filter(name="b").update(name="c")
    # Leaving the block sent nothing; the next query puts the value back first, even after
    # the savepoint rollback above undid the first putting back.
    assert query_value() == ""


@pytest.mark.django_db
def test_ignore_everything_nesting_and_is_ignored():
    assert not pgtrigger.is_ignored(GUARD)
    with pgtrigger.ignore():
        assert pgtrigger.is_ignored(GUARD, "runtime_tests.StatementGuarded:statement_guard")
        Guarded.objects.create(name="all")
    with pgtrigger.ignore("runtime_tests.StatementGuarded:statement_guard"):
        with pgtrigger.ignore(GUARD):
            Guarded.objects.create(name="inner")
            StatementGuarded.objects.update(name="x")
        assert not pgtrigger.is_ignored(GUARD)
        with blocked(), transaction.atomic():
            Guarded.objects.create(name="outer")
        StatementGuarded.objects.update(name="statement level still ignored")


@pytest.mark.django_db
def test_ignore_as_decorator():
    @pgtrigger.ignore(GUARD)
    def create(name):
        return Guarded.objects.create(name=name)

    create("one")
    create("two")
    assert Guarded.objects.count() == 2
    with blocked(), transaction.atomic():
        Guarded.objects.create(name="three")


@pytest.mark.django_db
def test_bulk_create_update_raw_sql_and_named_cursors():
    with transaction.atomic(), pgtrigger.ignore(GUARD):
        Guarded.objects.bulk_create([Guarded(name=f"n{i}") for i in range(5)])
        # A server-side cursor (DECLARE ... CURSOR) interleaved with ignored writes.
        for obj in Guarded.objects.iterator(chunk_size=2):
            Guarded.objects.filter(pk=obj.pk).update(name=f"it-{obj.pk}")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE runtime_tests_guarded SET name = name || %s", ["-raw"])
    assert all(n.endswith("-raw") for n in Guarded.objects.values_list("name", flat=True))


@pytest.mark.django_db
def test_exits_cleanly_after_a_caught_error_in_atomic():
    with transaction.atomic():
        with pgtrigger.ignore(GUARD):
            Guarded.objects.create(name="dup")
            try:
                with transaction.atomic():
                    Guarded.objects.create(name="dup")
            except IntegrityError:
                pass
            Guarded.objects.create(name="after the error")
        with blocked(), transaction.atomic():
            Guarded.objects.create(name="not ignored any more")
    assert Guarded.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_exits_cleanly_when_the_transaction_is_aborted():
    with transaction.atomic():
        with pgtrigger.ignore(GUARD):
            Guarded.objects.create(name="dup")
            try:
                Guarded.objects.create(name="dup")  # no savepoint: the transaction is aborted
            except IntegrityError:
                transaction.set_rollback(True)
        # leaving ignore ran no query on the aborted transaction
    assert Guarded.objects.count() == 0
    assert session_value() == ""


@pytest.mark.django_db(transaction=True)
def test_autocommit_mode_and_connection_reuse():
    assert connection.get_autocommit() and not connection.in_atomic_block
    with pgtrigger.ignore(GUARD):
        Guarded.objects.create(name="autocommit")  # its own transaction
        Guarded.objects.create(name="autocommit 2")
        for obj in Guarded.objects.iterator(chunk_size=1):  # a WITH HOLD named cursor
            Guarded.objects.filter(pk=obj.pk).update(name=f"{obj.name}!")
        # Each query carried the value for its own transaction: none is left on the session,
        # even for SQL that bypasses Django on the same connection.
        assert query_value() != ""
        assert session_value() == ""
    assert session_value() == ""
    with blocked():
        Guarded.objects.create(name="next request")
    with pgtrigger.ignore(GUARD):
        Guarded.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_threads_do_not_see_each_others_ignores():
    inside, done = threading.Event(), threading.Event()
    errors = []

    def other_thread():
        inside.wait(10)
        try:
            try:
                Guarded.objects.create(name="other thread")
            except DatabaseError as exc:
                errors.append(str(exc))
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with pgtrigger.ignore(GUARD):
        Guarded.objects.create(name="main thread")
        inside.set()
        done.wait(10)
    thread.join(10)
    assert len(errors) == 1 and "Cannot insert rows" in errors[0]
    with pgtrigger.ignore(GUARD):
        assert list(Guarded.objects.values_list("name", flat=True)) == ["main thread"]
        Guarded.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_async_orm_inside_ignore():
    async def scenario():
        with pgtrigger.ignore(GUARD):
            await Guarded.objects.acreate(name="async")

        @pgtrigger.ignore(GUARD)
        async def decorated():
            await Guarded.objects.acreate(name="async decorated")

        await decorated()
        # Restored on the connection the async ORM used, even for SQL that bypasses Django.
        assert await sync_to_async(session_value)() == ""
        try:
            await Guarded.objects.acreate(name="async blocked")
        except DatabaseError as exc:
            return str(exc)
        finally:
            await sync_to_async(connections.close_all)()
        return "not blocked"

    message = asyncio.run(scenario())
    assert "Cannot insert rows" in message
    with pgtrigger.ignore(GUARD):
        assert Guarded.objects.count() == 2
        Guarded.objects.all().delete()


@pytest.mark.skipif(
    "server_side_binding" not in settings.DATABASES, reason="server-side binding is psycopg 3 only"
)
@pytest.mark.django_db(transaction=True, databases=["default", "server_side_binding"])
def test_server_side_binding_refuses_multi_statements_but_ignore_works():
    ssb = connections["server_side_binding"]
    with pytest.raises(DatabaseError), ssb.cursor() as cursor:
        # The well-known approach: prefix the query. Refused with server-side binding.
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true); SELECT %s", ['{"x"}', 1])
    ssb_guarded = Guarded.objects.using("server_side_binding")
    with pgtrigger.ignore(GUARD):
        ssb_guarded.create(name="ssb")
        ssb_guarded.filter(name="ssb").update(name="ssb2")
        with transaction.atomic(using="server_side_binding"):
            for obj in ssb_guarded.iterator(chunk_size=1):  # a named cursor
                ssb_guarded.filter(pk=obj.pk).update(name="ssb3")
    assert list(ssb_guarded.values_list("name", flat=True)) == ["ssb3"]
    with blocked("Cannot update rows"):
        ssb_guarded.update(name="x")
    with pgtrigger.ignore(GUARD, databases=["server_side_binding"]):
        ssb_guarded.all().delete()


@pytest.mark.django_db(databases=["default", "other"])
def test_databases_limits_the_ignore():
    with pgtrigger.ignore(GUARD, databases=["other"]):
        Guarded.objects.using("other").create(name="other db")
        with blocked(), transaction.atomic():
            Guarded.objects.create(name="default db")


def test_trigger_sql_has_no_exception_block():
    ((model, trigger),) = pgtrigger.registered(GUARD)
    compiled = trigger.compile(model).sql
    assert "EXCEPTION WHEN" not in compiled.function.upper()
    assert "current_setting('pgtrigger.ignore', true)" in compiled.body


@pytest.mark.django_db
def test_executemany_inside_ignore():
    # The prefixing approach cannot prefix executemany(); a separate statement can.
    with pgtrigger.ignore(GUARD), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO runtime_tests_guarded (name) VALUES (%s)", [["m1"], ["m2"], ["m3"]]
        )
    assert Guarded.objects.count() == 3


@pytest.mark.django_db
def test_first_set_config_undone_by_a_savepoint_rollback():
    with pgtrigger.ignore(GUARD):
        try:
            with transaction.atomic():
                Guarded.objects.create(name="rolled back")  # the setting is first set here
                raise RuntimeError("roll back the savepoint, and the setting with it")
        except RuntimeError:
            pass
        Guarded.objects.create(name="kept")  # set again before this query
    assert list(Guarded.objects.values_list("name", flat=True)) == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_one_ignore_instance_shared_by_concurrent_tasks_and_nested():
    shared = pgtrigger.ignore(GUARD)

    async def task(name, first_out):
        with shared:
            await Guarded.objects.acreate(name=name)
            await asyncio.sleep(0.05 if first_out else 0.2)
        return pgtrigger.is_ignored(GUARD)

    async def scenario():
        try:
            # Enter A, enter B, exit A, exit B: each task leaves its own block.
            return await asyncio.gather(task("a", True), task("b", False))
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(scenario()) == [False, False]
    with shared:
        with shared:
            assert pgtrigger.is_ignored(GUARD)
        assert pgtrigger.is_ignored(GUARD)
        Guarded.objects.all().delete()
    assert not pgtrigger.is_ignored(GUARD)


@pytest.mark.django_db
def test_instead_of_trigger_honours_ignore():
    from tests.models import TestModel, TestView

    trigger = pgtrigger.Trigger(
        name="view_guard",
        when=pgtrigger.InsteadOf,
        operation=pgtrigger.Insert,
        func="RAISE EXCEPTION 'view is read-only';",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW tests_testview AS SELECT id, char_field AS name FROM tests_testmodel"
        )
    trigger.install(TestView)
    trigger.register(TestView)
    try:
        with pytest.raises(DatabaseError, match="view is read-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO tests_testview (id, name) VALUES (1, 'x')")
        with pgtrigger.ignore("tests.TestView:view_guard"), connection.cursor() as cursor:
            cursor.execute("INSERT INTO tests_testview (id, name) VALUES (1, 'x')")
        assert TestModel.objects.count() == 0  # ignored: the row went nowhere
    finally:
        trigger.unregister(TestView)


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
@pytest.mark.skipif(
    connection.Database.__name__ == "psycopg2",
    reason="psycopg2 reports a terminated backend differently (InterfaceError)",
)
def test_connection_lost_inside_an_autocommit_block():
    with pgtrigger.ignore(GUARD):
        Guarded.objects.create(name="before")  # the setting is now session-wide
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with connections["other"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(DatabaseError):  # Django's exception
            Guarded.objects.create(name="lost")
    # Leaving the block sent nothing to the lost connection; Django closes it at the end of
    # the request.
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    with blocked():
        Guarded.objects.create(name="after")  # a new session, without the setting
    with pgtrigger.ignore(GUARD):
        assert list(Guarded.objects.values_list("name", flat=True)) == ["before"]


@pytest.mark.django_db(transaction=True)
def test_ignore_session_from_4x():
    """4.x's recipe for catching errors inside ignore(): wrap the transaction in session()."""
    with pgtrigger.ignore(GUARD):
        Guarded.objects.create(name="dup")
    with pgtrigger.ignore.session(), transaction.atomic():
        with pgtrigger.ignore(GUARD), contextlib.suppress(IntegrityError):
            Guarded.objects.create(name="dup")  # no savepoint: the transaction is aborted
        transaction.set_rollback(True)
    # Nothing was set for the session, in the block or after it.
    with pgtrigger.ignore.session(databases=["default"]):
        assert session_value() == ""
        with blocked():
            Guarded.objects.create(name="not ignored")

    @pgtrigger.ignore.session()
    @pgtrigger.schema.session()
    def decorated():
        with pgtrigger.ignore(GUARD):
            return Guarded.objects.create(name="decorated").name

    assert decorated() == "decorated"
    assert session_value() == ""


@pytest.fixture
def sqlite_alias(tmp_path):
    """A connected SQLite alias next to the PostgreSQL ones, as in a mixed DATABASES."""
    connections.settings["sqlite"] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        "OPTIONS": {},
        "TEST": {"NAME": str(tmp_path / "db.sqlite3")},
    }
    # This thread's connection object for the alias, outside the test case's list of databases.
    wrapper = connections["sqlite"] = connections.create_connection("sqlite")
    try:
        wrapper.connect()  # not ensure_connection(), which the test case refuses for the alias
        yield "sqlite"
    finally:
        wrapper.close()
        del connections["sqlite"]
        del connections.settings["sqlite"]


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_non_postgresql_aliases_are_skipped(sqlite_alias):
    sqlite = connections[sqlite_alias]
    assert sqlite.connection is not None  # connected: 4.x-era code failed here
    with pgtrigger.ignore(GUARD), pgtrigger.schema("public"):
        Guarded.objects.create(name="ignored")
        with sqlite.cursor() as cursor:
            cursor.execute("SELECT 1")  # sent as is: no set_config on SQLite
            assert cursor.fetchone() == (1,)
    with pgtrigger.ignore(GUARD, databases=["default", sqlite_alias]):
        Guarded.objects.create(name="ignored too")
    assert _execute_wrapper not in sqlite.execute_wrappers
    with pgtrigger.ignore(GUARD):
        assert Guarded.objects.count() == 2


@pytest.mark.django_db
def test_nested_schema_blocks_append_as_in_4x():
    def path():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('search_path')")
            return cursor.fetchone()[0]

    outside = path()
    with pgtrigger.schema("a", "b"):
        assert path() == "a, b"
        with pgtrigger.schema("c", "a"), pgtrigger.schema("d", databases=["other"]):
            assert path() == "a, b, c"
        assert path() == "a, b"
    assert path() == outside
