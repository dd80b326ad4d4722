"""pgtrigger.context(): values triggers read in SQL, sent like ignore()'s settings."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, connections, transaction
from django.http import JsonResponse
from django.test import AsyncClient, Client, override_settings
from django.urls import path

import pgtrigger
from pgtrigger.middleware import ContextMiddleware
from tests.runtime.models import (
    ContextChange,
    ContextSoftDeleted,
    ContextStamp,
    ContextTracked,
    ContextVersioned,
)


def stamp(name="row"):
    """Write a row; return what its triggers read from the context: (reason, actor)."""
    row = ContextStamp.objects.create(name=name)
    row.refresh_from_db()
    return row.reason, row.actor


def session_value():
    """pgtrigger.context as the connection's session sees it, outside our wrapper."""
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(current_setting('pgtrigger.context', true), '')")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_autocommit_inside_and_outside():
    assert stamp() == (None, None)
    with pgtrigger.context(actor=7, reason="import"):
        assert stamp() == ("import", 7)
        assert session_value() == ""  # transaction-local: gone with the query's transaction
    assert stamp() == (None, None)


@pytest.mark.django_db
def test_inside_atomic_and_around_atomic():
    with transaction.atomic():
        assert stamp() == (None, None)
        with pgtrigger.context(actor=1, reason="inside"):
            assert stamp() == ("inside", 1)
        assert stamp() == (None, None)
    with pgtrigger.context(actor=2, reason="around"), transaction.atomic():
        assert stamp() == ("around", 2)


@pytest.mark.django_db
def test_nested_contexts_merge_inner_wins():
    with pgtrigger.context(actor=1, reason="outer"):
        with pgtrigger.context(reason="inner"):
            assert pgtrigger.current_context() == {"actor": 1, "reason": "inner"}
            assert stamp() == ("inner", 1)
            with pgtrigger.context(actor=None):
                assert stamp() == ("inner", None)
        assert stamp() == ("outer", 1)
    assert pgtrigger.current_context() == {}


@pytest.mark.django_db
def test_resent_after_savepoint_rollback():
    with pgtrigger.context(reason="outer"), transaction.atomic():
        assert stamp() == ("outer", None)
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            with pgtrigger.context(reason="inner"):
                assert stamp() == ("inner", None)
            raise ZeroDivisionError
        assert stamp() == ("outer", None)


@pytest.mark.django_db
def test_values_are_escaped():
    reason = 'it\'s 100% \\ {"json"} -- ; DROP'
    with pgtrigger.context(reason=reason):
        assert stamp() == (reason, None)
        with connection.cursor() as cursor:  # parameters and a literal '%' in the query
            cursor.execute("SELECT %s, '100%%'", ["x"])
            assert cursor.fetchone() == ("x", "100%")


def test_unserializable_value_fails_where_given():
    with pytest.raises(TypeError):
        pgtrigger.context(actor=object())
    with pytest.raises(ValueError):
        pgtrigger.context(score=float("nan"))


@pytest.mark.django_db
def test_decorator():
    @pgtrigger.context(actor=3)
    def write():
        return stamp()

    assert write() == (None, 3)
    assert stamp() == (None, None)


@pytest.mark.django_db(transaction=True)
def test_async_orm_and_decorator():
    async def read(name):
        row = await ContextStamp.objects.aget(name=name)
        return row.reason, row.actor

    async def scenario():
        with pgtrigger.context(actor=4, reason="async"):
            await ContextStamp.objects.acreate(name="a")

        @pgtrigger.context(reason="decorated")
        async def decorated():
            await ContextStamp.objects.acreate(name="b")
            return await sync_to_async(stamp)("c")  # followed into sync_to_async

        in_thread = await decorated()
        await ContextStamp.objects.acreate(name="d")
        try:
            return [await read("a"), await read("b"), in_thread, await read("d")]
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(scenario()) == [
        ("async", 4),
        ("decorated", None),
        ("decorated", None),
        (None, None),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_tasks_are_isolated():
    async def task(name, actor, delay):
        with pgtrigger.context(actor=actor):
            await asyncio.sleep(delay)
            return pgtrigger.current_context()

    async def scenario():
        return await asyncio.gather(task("a", 1, 0.05), task("b", 2, 0.01))

    assert asyncio.run(scenario()) == [{"actor": 1}, {"actor": 2}]


@pytest.mark.django_db(transaction=True)
def test_threads_are_isolated():
    inside, done = threading.Event(), threading.Event()
    seen = []

    def other_thread():
        inside.wait(10)
        try:
            seen.append(stamp("other"))
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with pgtrigger.context(actor=9, reason="main"):
        inside.set()
        done.wait(10)
        assert stamp("main") == ("main", 9)
    thread.join(10)
    assert seen == [(None, None)]


# Middleware ------------------------------------------------------------------------------


def sync_view(request):
    return JsonResponse({"actor": stamp("sync view")[1], "context": pgtrigger.current_context()})


async def async_view(request):
    row = await ContextStamp.objects.acreate(name="async view")
    await row.arefresh_from_db()
    return JsonResponse({"actor": row.actor, "context": pgtrigger.current_context()})


urlpatterns = [path("sync/", sync_view), path("async/", async_view)]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pgtrigger.middleware.ContextMiddleware",
]
middleware_settings = override_settings(
    ROOT_URLCONF=__name__,
    MIDDLEWARE=MIDDLEWARE,
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
)


@pytest.fixture
def user(db):
    return User.objects.create_user("alice", password="pw")


@middleware_settings
@pytest.mark.parametrize("url", ["/sync/", "/async/"])
@pytest.mark.django_db(transaction=True)
def test_middleware_sets_the_user_as_actor(url):
    user = User.objects.create_user("alice", password="pw")
    client = Client()
    assert client.get(url).json() == {"actor": None, "context": {"actor": None}}
    client.force_login(user)
    assert client.get(url).json() == {"actor": user.pk, "context": {"actor": user.pk}}
    assert pgtrigger.current_context() == {}


@middleware_settings
@pytest.mark.parametrize("url", ["/sync/", "/async/"])
@pytest.mark.django_db(transaction=True)
def test_middleware_in_an_async_stack(url):
    user = User.objects.create_user("bob", password="pw")

    async def scenario():
        client = AsyncClient()
        anonymous = (await client.get(url)).json()
        await sync_to_async(client.force_login)(user)
        try:
            return anonymous, (await client.get(url)).json()
        finally:
            await sync_to_async(connections.close_all)()

    anonymous, logged_in = asyncio.run(scenario())
    assert anonymous == {"actor": None, "context": {"actor": None}}
    assert logged_in == {"actor": user.pk, "context": {"actor": user.pk}}


def test_middleware_is_sync_and_async_capable():
    assert ContextMiddleware.sync_capable and ContextMiddleware.async_capable


# Recipes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_versioning_changed_by(user):
    row = ContextVersioned.objects.create(name="a")
    with pgtrigger.context(actor=user.pk):
        ContextVersioned.objects.filter(pk=row.pk).update(name="b")
    row.refresh_from_db()
    assert (row.version, row.changed_by_id) == (1, user.pk)
    ContextVersioned.objects.filter(pk=row.pk).update(name="c")
    row.refresh_from_db()
    assert (row.version, row.changed_by_id) == (2, None)


@pytest.mark.django_db
def test_track_changes_changed_by(user):
    row = ContextTracked.objects.create(status="new")
    with pgtrigger.context(actor=user.pk):
        ContextTracked.objects.filter(pk=row.pk).update(status="paid")
    ContextTracked.objects.filter(pk=row.pk).update(status="shipped")
    events = ContextChange.objects.order_by("id").values_list("new_value", "changed_by_id")
    assert list(events) == [("paid", user.pk), ("shipped", None)]


@pytest.mark.django_db
def test_soft_delete_deleted_by(user):
    kept, other = ContextSoftDeleted.objects.create(), ContextSoftDeleted.objects.create()
    with pgtrigger.context(actor=user.pk):
        kept.delete()
    other.delete()
    rows = ContextSoftDeleted.objects.order_by("id").values_list("is_active", "deleted_by_id")
    assert list(rows) == [(False, user.pk), (False, None)]


@pytest.mark.django_db
def test_a_non_integer_actor_is_a_database_error(user):
    row = ContextVersioned.objects.create(name="a")
    with pytest.raises(DatabaseError), pgtrigger.context(actor="alice"):
        ContextVersioned.objects.filter(pk=row.pk).update(name="b")


def test_default_sql_does_not_read_the_context():
    for trigger in (
        pgtrigger.Versioning(name="v"),
        pgtrigger.SoftDelete(name="s", field="is_active"),
        pgtrigger.TrackChanges(name="t", fields=["status"], to=ContextChange),
    ):
        model = {"v": ContextVersioned, "s": ContextSoftDeleted, "t": ContextTracked}[trigger.name]
        assert "pgtrigger.context" not in trigger.get_func(model)


def test_context_value_sql():
    assert str(pgtrigger.context_value("actor")) == (
        "(NULLIF(current_setting('pgtrigger.context', true), '')::jsonb ->> 'actor')"
    )
    assert format(pgtrigger.context_value("o'k")).endswith("->> 'o''k')")


@pytest.mark.parametrize(
    ("model", "trigger", "error"),
    [
        (ContextVersioned, pgtrigger.Versioning(name="v", changed_by="nope"), "pgtrigger.E010"),
        (
            ContextSoftDeleted,
            pgtrigger.SoftDelete(name="s", field="is_active", deleted_by="nope"),
            "pgtrigger.E010",
        ),
        (
            ContextTracked,
            pgtrigger.TrackChanges(
                name="t", fields=["status"], to=ContextChange, changed_by="nope"
            ),
            "pgtrigger.E103",
        ),
    ],
)
def test_unknown_actor_field_is_a_check_error(model, trigger, error):
    from pgtrigger.checks import check_trigger

    messages = list(check_trigger(model, trigger))
    assert [m.id for m in messages] == [error]
    assert model._meta.label in messages[0].msg and "nope" in messages[0].msg
