"""What ``pgtrigger.context()`` accepts: Django's JSON types, never a NUL character."""

import asyncio
import datetime
import decimal
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, connections, models
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import isolate_apps

import pgtrigger
from pgtrigger.middleware import ContextMiddleware

pytestmark = pytest.mark.django_db


def read(key):
    """``key`` of the context, as a query of the block reads it in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pgtrigger.context_value(key)}")
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "values",
    [
        {"reason": "a\x00b"},
        {"reason": ["ok", {"deep": "\x00"}]},
        {"tags": {"key\x00": 1}},
    ],
)
def test_a_nul_character_is_refused_where_given(values):
    with pytest.raises(ValueError, match="NUL character"):
        pgtrigger.context(**values)
    with pgtrigger.context(other=1):  # nothing was entered
        assert read("reason") is None


def test_text_that_only_looks_like_an_escaped_nul_round_trips():
    text = "backslash-u: \\u0000 and a real \\"
    with pgtrigger.context(reason=text):
        assert read("reason") == text


def test_django_json_types_are_sent_as_djangojsonencoder_writes_them():
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    when = datetime.datetime(2026, 12, 4, 18, 0, tzinfo=datetime.timezone.utc)
    with pgtrigger.context(actor=key, amount=decimal.Decimal("1.10"), at=when):
        assert read("actor") == str(key)
        assert read("amount") == "1.10"
        assert read("at") == "2026-12-04T18:00:00Z"
        assert pgtrigger.current_context()["actor"] == key  # the Python values
    with pytest.raises(TypeError):
        pgtrigger.context(actor=object())


# Custom user models (private app registry: no table needed, the middleware reads user.pk).
@pytest.fixture(scope="module")
def user_models():
    with isolate_apps("tests.runtime"):

        class UUIDUser(AbstractBaseUser):
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)

        class IntUser(AbstractBaseUser):
            id = models.BigAutoField(primary_key=True)

        class StringUser(AbstractBaseUser):
            username = models.CharField(max_length=32, primary_key=True)

        yield {"uuid": UUIDUser, "int": IntUser, "string": StringUser}


PKS = {
    "uuid": uuid.UUID("0b6a2d5e-8f0c-4a55-9b1e-3c2d1e0f4a5b"),
    "int": 2**40,
    "string": "o'brien %s \\",
}


def view(request):
    return HttpResponse(read("actor") or "")


async def async_view(request):
    return HttpResponse(await sync_to_async(read)("actor") or "")


@pytest.mark.parametrize("kind", PKS)
def test_middleware_sends_uuid_integer_and_string_primary_keys(user_models, kind):
    user = user_models[kind](pk=PKS[kind])
    request = RequestFactory().get("/")
    request.user = user
    assert ContextMiddleware(view)(request).content.decode() == str(PKS[kind])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", PKS)
def test_async_middleware_sends_uuid_integer_and_string_primary_keys(user_models, kind):
    user = user_models[kind](pk=PKS[kind])
    request = RequestFactory().get("/")
    request.user = user

    async def scenario():
        try:
            return await ContextMiddleware(async_view)(request)
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(scenario()).content.decode() == str(PKS[kind])
