"""Mistakes 4.x refuses when they are made: names, ``F`` references, unknown URIs, function-name
collisions, and models of a private app registry."""

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, models

import pgtrigger
from pgtrigger import registry
from tests import models as test_models


def protect(name):
    return pgtrigger.Protect(name=name, operation=pgtrigger.Delete)


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "hello.world",
        "name\n",  # "$" in a regular expression matches before a final newline
        "has space",
        "ünïcode",
        "x" * 48,
        "",
    ],
)
def test_invalid_names_are_refused_at_declaration(name):
    with pytest.raises(ValueError, match="letters, digits, '_' or '-'"):
        protect(name)


def test_valid_names_are_accepted():
    assert protect("x" * 47).name == "x" * 47
    assert protect("Mixed-Case_9").name == "Mixed-Case_9"


def test_long_names_cannot_reach_install_truncated():
    # Two 64-character names would share PostgreSQL's 63-byte truncation of their identifier:
    # refused before any trigger object, so before any install without checks.
    for suffix in "ab":
        with pytest.raises(ValueError, match="more than 47"):
            protect("x" * 63 + suffix)


# --- F ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bad_value", "old_field", "OLD__int_field", "old__", "new__"])
def test_f_must_reference_old_or_new(name):
    with pytest.raises(ValueError, match="old__<field> or new__<field>"):
        pgtrigger.F(name)


@pytest.mark.django_db
def test_f_with_row_prefix_compiles(install):
    trigger = pgtrigger.Protect(
        name="protect_fmt",
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(new__int_field__gt=pgtrigger.F("old__int_field")),
    )
    install(test_models.TestModel, trigger)
    row = test_models.TestModel.objects.create(int_field=1)
    test_models.TestModel.objects.filter(pk=row.pk).update(int_field=0)
    with pytest.raises(Exception, match="Cannot update"):
        test_models.TestModel.objects.filter(pk=row.pk).update(int_field=2)


# --- unknown URIs -------------------------------------------------------------------------------


@pytest.mark.parametrize("uri", ["tests.Nope:nothing", "no-colon"])
def test_unknown_uri_is_key_error_and_value_error(uri):
    """4.x raises KeyError for an unknown URI (ValueError for a malformed one); earlier versions
    of this package raised ValueError: the error is both."""
    for call in (pgtrigger.registered, pgtrigger.install, pgtrigger.uninstall):
        with pytest.raises(KeyError) as raised:
            call(uri)
        assert isinstance(raised.value, ValueError)
        assert isinstance(raised.value, registry.UnknownTriggerError)
        assert str(raised.value).startswith("No registered trigger with URI")


# --- function-name collisions -------------------------------------------------------------------

# sha1("tests.TestModel:soft_delete_351984") and sha1("tests.ProtectedModel:soft_delete_351984")
# both start with "61de4". Found by hashing "tests.<Model>:soft_delete_<i>" for both models for
# i = 0, 1, 2, ... until the first 5 hex digits agreed (i = 351984, under a second).
COLLIDING_NAME = "soft_delete_351984"


@pytest.fixture
def colliding():
    first = pgtrigger.SoftDelete(name=COLLIDING_NAME, field="bool_field")
    second = pgtrigger.SoftDelete(name=COLLIDING_NAME, field="name", value="deleted")
    pgid = first.get_pgid(test_models.TestModel)
    assert pgid == second.get_pgid(test_models.ProtectedModel)
    yield first, second, pgid
    for trigger, model in ((first, test_models.TestModel), (second, test_models.ProtectedModel)):
        if (model, trigger) in pgtrigger.registered():
            trigger.unregister(model)


def test_function_name_collision_is_check_error(colliding):
    first, second, pgid = colliding
    first.register(test_models.TestModel)
    second.register(test_models.ProtectedModel)
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    message = str(raised.value)
    assert "pgtrigger.E011" in message
    assert f"tests.TestModel:{COLLIDING_NAME}" in message
    assert f"tests.ProtectedModel:{COLLIDING_NAME}" in message
    assert pgid in message
    assert "Rename the trigger" in message
    second.unregister(test_models.ProtectedModel)
    call_command("check")


def _installed_functions(pgid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", [pgid])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_install_refuses_function_name_collision(colliding):
    first, second, pgid = colliding
    first.register(test_models.TestModel)
    second.register(test_models.ProtectedModel)
    with pytest.raises(registry.FunctionNameCollision, match=f'"{pgid}".*Rename one of them'):
        pgtrigger.install()
    with pytest.raises(registry.FunctionNameCollision):
        pgtrigger.install(f"tests.ProtectedModel:{COLLIDING_NAME}")
    with pytest.raises(registry.FunctionNameCollision):
        second.install(test_models.ProtectedModel)
    with pytest.raises(Exception, match="share the PostgreSQL function name"):
        call_command("pgtrigger", "install")
    assert _installed_functions(pgid) == 0


@pytest.mark.django_db
def test_trigger_install_refuses_collision_with_registered(colliding):
    """An unregistered trigger installed by hand may not take a registered trigger's function."""
    first, second, _ = colliding
    first.register(test_models.TestModel)
    with pytest.raises(registry.FunctionNameCollision):
        second.install(test_models.ProtectedModel)
    first.install(test_models.TestModel)  # the same URI is no collision


# --- models of a private app registry -----------------------------------------------------------


def _private_model(trigger):
    class Meta:
        apps = Apps()
        app_label = "tests"
        db_table = "tests_private_nowhere"
        triggers = [trigger]

    return type("PrivateModel", (models.Model,), {"__module__": __name__, "Meta": Meta})


@pytest.mark.django_db
def test_private_app_registry_models_are_not_registered():
    meta_trigger = protect("private_meta")
    model = _private_model(meta_trigger)
    registered = protect("private_registered")
    pgtrigger.register(registered)(model)
    assert not [m for m, _ in pgtrigger.registered() if m is model]
    with pytest.raises(KeyError):
        pgtrigger.registered("tests.PrivateModel:private_meta")
    # The table does not exist: a full install would fail with 'relation ... does not exist'.
    pgtrigger.install()
    call_command("check")
