"""ignore() and schema() behind a real PgBouncer in transaction-pooling mode.

Two clients, each a thread with its own Django connection through the pooler, take turns
(a barrier per round) on the pooler's two server connections: one client inside
``pgtrigger.ignore()`` / ``pgtrigger.schema()``, the other outside. Whatever server connection
each query lands on, the ignoring client must always be ignored and the other client never.
Afterwards, fresh clients holding both server connections see no setting left over.
"""

import contextlib
import threading

import pytest
from django.conf import settings
from django.db import DatabaseError, connections, transaction

import pgtrigger
from tests.runtime.models import Guarded
from tests.runtime.pgbouncer import POOL_SIZE
from tests.runtime.test_ignore import GUARD

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 300
TENANT = "pgtrigger_pooler_tenant"
BINDINGS = ["client-side binding"]
if "server_side_binding" in settings.DATABASES:
    BINDINGS.append("server-side binding")
MODES = ["autocommit", "atomic"]


def pooled(bouncer, binding):
    """A new Django connection to the test database through the pooler."""
    wrapper = connections.create_connection("default")
    options = dict(wrapper.settings_dict["OPTIONS"])
    if binding == "server-side binding":
        options["server_side_binding"] = True
    wrapper.settings_dict = {
        **bouncer.settings(wrapper.settings_dict),
        "NAME": connections["default"].settings_dict["NAME"],
        "OPTIONS": options,
    }
    return wrapper


def run_clients(bouncer, binding, clients, rounds=ROUNDS):
    """Run each ``clients[name](round)`` in its own thread and Django connection through the
    pooler, all clients in step; return ``{name: [outcome of each round]}``."""
    barrier = threading.Barrier(len(clients), timeout=60)
    results = {}

    def run(name, body):
        wrapper = connections["default"] = pooled(bouncer, binding)  # this thread's connection
        try:
            outcomes = []
            for round_ in range(rounds):
                barrier.wait()
                outcomes.append(body(round_))
            results[name] = outcomes
        except BaseException as exc:
            results[name] = exc
            barrier.abort()
        finally:
            wrapper.close()

    threads = [threading.Thread(target=run, args=item) for item in clients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for outcome in results.values():
        if isinstance(outcome, BaseException):
            raise outcome
    return results


def in_mode(mode, queries):
    """Run ``queries`` (a list of callables) in autocommit mode, or together in one atomic
    block; return the results, or the error message when one fails."""
    block = transaction.atomic() if mode == "atomic" else contextlib.nullcontext()
    try:
        with block:
            return [query() for query in queries]
    except DatabaseError as exc:
        return str(exc).splitlines()[0]


def leftovers(bouncer, binding):
    """The settings each of the pooler's server connections has outside any transaction.

    ``POOL_SIZE`` fresh clients each hold one server connection (an open transaction) at once,
    so together they read every server connection the pooler has.
    """
    wrappers = [pooled(bouncer, binding) for _ in range(POOL_SIZE)]
    cursors = []
    try:
        for wrapper in wrappers:
            wrapper.set_autocommit(False)
            cursor = wrapper.connection.cursor()  # the driver's own: nothing of pgtrigger's
            cursor.execute(
                "SELECT pg_backend_pid(), COALESCE(current_setting('pgtrigger.ignore', true), ''),"
                " current_setting('search_path') = reset_val FROM pg_settings"
                " WHERE name = 'search_path'"
            )
            cursors.append(cursor)
        rows = [cursor.fetchone() for cursor in cursors]
    finally:
        for wrapper in wrappers:
            if wrapper.connection is not None:
                wrapper.connection.rollback()
            wrapper.close()
    assert len({pid for pid, _, _ in rows}) == POOL_SIZE, rows  # every server connection
    return [(ignore, default_path) for _, ignore, default_path in rows]


@pytest.fixture
def rows():
    with pgtrigger.ignore(GUARD):
        return Guarded.objects.create(name="inside").pk, Guarded.objects.create(name="outside").pk


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_ignore_never_reaches_another_client(pgbouncer, rows, mode, binding):
    inside_pk, outside_pk = rows

    def update(round_):
        return Guarded.objects.filter(pk=inside_pk).update(name=f"in {round_}")

    def executemany(round_):
        with connections["default"].cursor() as cursor:
            cursor.executemany(
                "UPDATE runtime_tests_guarded SET name = %s WHERE id = %s",
                [[f"many {round_}", inside_pk], [f"in {round_}", inside_pk]],
            )
            return 1

    def raw(round_):  # no parameters: sent as is, even with server-side binding
        with connections["default"].cursor() as cursor:
            cursor.execute(
                f"UPDATE runtime_tests_guarded SET name = 'raw {round_}' WHERE id = {inside_pk}"
            )
            return cursor.rowcount

    def ignoring(round_):
        with pgtrigger.ignore(GUARD):
            queries = [update, executemany, raw]
            if mode == "atomic":  # two queries in each transaction
                first, second = queries[round_ % 3], queries[(round_ + 1) % 3]
                return in_mode(mode, [lambda: first(round_), lambda: second(round_)])
            return in_mode(mode, [lambda: queries[round_ % 3](round_)])

    def protected(round_):
        return in_mode(mode, [lambda: Guarded.objects.filter(pk=outside_pk).update(name="x")])

    results = run_clients(pgbouncer, binding, {"ignoring": ignoring, "protected": protected})

    refused = [r for r in results["ignoring"] if not isinstance(r, list)]
    assert refused == [], f"the ignoring client was refused {len(refused)} times"
    leaked = [r for r in results["protected"] if isinstance(r, list)]
    assert leaked == [], f"the other client's protected update went through {len(leaked)} times"
    assert all("Cannot update rows from runtime_tests_guarded" in r for r in results["protected"])
    assert leftovers(pgbouncer, binding) == [("", True)] * POOL_SIZE


@pytest.fixture
def tenant_tables():
    """``pooler_item`` in the public schema and in a tenant schema, telling them apart."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            f'CREATE SCHEMA "{TENANT}";'
            f'CREATE TABLE "{TENANT}".pooler_item (tenant text);'
            f"INSERT INTO \"{TENANT}\".pooler_item VALUES ('tenant');"
            "CREATE TABLE public.pooler_item (tenant text);"
            "INSERT INTO public.pooler_item VALUES ('public');"
        )
    yield
    with connections["default"].cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{TENANT}" CASCADE; DROP TABLE public.pooler_item')


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_schema_never_reaches_another_client(pgbouncer, tenant_tables, mode, binding):
    def select(params):
        def run():
            with connections["default"].cursor() as cursor:
                if params is None:
                    cursor.execute("SELECT tenant FROM pooler_item")
                else:
                    cursor.execute("SELECT tenant FROM pooler_item WHERE %s", params)
                return cursor.fetchone()[0]

        return run

    def named_cursor():  # a named cursor needs a transaction behind a transaction pooler
        with connections["default"].chunked_cursor() as cursor:
            cursor.execute("SELECT tenant FROM pooler_item WHERE %s", [True])
            return cursor.fetchall()[0][0]

    def in_tenant(round_):
        with pgtrigger.schema(TENANT):
            queries = [select(None), select([True])]
            if mode == "atomic":
                return in_mode(mode, [*queries, named_cursor])
            return in_mode(mode, [queries[round_ % 2]])

    def outside(round_):
        return in_mode(mode, [select([True])])

    results = run_clients(pgbouncer, binding, {"tenant": in_tenant, "public": outside})

    wrong = [r for r in results["tenant"] if set(r) != {"tenant"}]
    assert wrong == [], f"the tenant client saw other data {len(wrong)} times: {wrong[:3]}"
    wrong = [r for r in results["public"] if r != ["public"]]
    assert wrong == [], f"the other client saw the tenant's data {len(wrong)} times: {wrong[:3]}"
    assert leftovers(pgbouncer, binding) == [("", True)] * POOL_SIZE


@pytest.mark.parametrize("binding", BINDINGS)
def test_later_clients_are_protected(pgbouncer, rows, binding):
    """After an ignoring client has gone, clients in atomic() or not run with the triggers."""
    inside_pk, outside_pk = rows

    def ignoring(round_):
        with pgtrigger.ignore(GUARD):
            update = Guarded.objects.filter(pk=inside_pk).update
            return in_mode("autocommit", [lambda: update(name=f"in {round_}")])

    def later(round_):
        mode = MODES[round_ % 2]
        return in_mode(mode, [lambda: Guarded.objects.filter(pk=outside_pk).update(name="x")])

    def reading(round_):  # another client meanwhile, so both server connections take turns
        return Guarded.objects.count()

    run_clients(pgbouncer, binding, {"ignoring": ignoring, "reading": reading}, rounds=100)
    results = run_clients(pgbouncer, binding, {"one": later, "two": later}, rounds=50)
    went_through = [r for outcomes in results.values() for r in outcomes if isinstance(r, list)]
    assert went_through == [], f"protected updates went through {len(went_through)} times"
