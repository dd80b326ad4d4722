"""Registration through Meta.triggers, the decorator, inheritance and proxies."""

import pytest
from django.contrib.auth.models import User

import pgtrigger
from tests import models


def uris():
    return {trigger.get_uri(model) for model, trigger in pgtrigger.registered()}


def test_registered_includes_every_declaration_style():
    assert {
        "tests.ProtectedModel:protect_delete",  # Meta.triggers
        "tests.Registered:log_update",  # @pgtrigger.register
        "tests.Article:protect_created_at",  # inherited from an abstract Meta
        "tests.UserProxy:protect_superuser_delete",  # proxy of a third-party model
        "tests.GroupMembership:protect_membership_delete",  # proxy of an M2M through table
    } <= uris()


def test_abstract_models_register_nothing_themselves():
    assert not any(m is models.TimestampedAbstract for m, _ in pgtrigger.registered())


def test_proxy_triggers_target_the_concrete_table():
    ((model, trigger),) = pgtrigger.registered("tests.GroupMembership:protect_membership_delete")
    assert trigger.compile(model).table == User.groups.through._meta.db_table


def test_register_as_call_and_unregister():
    trigger = pgtrigger.Trigger(
        name="called", when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    assert pgtrigger.register(trigger)(models.LogEntry) is models.LogEntry
    try:
        assert pgtrigger.registered("tests.LogEntry:called") == [(models.LogEntry, trigger)]
    finally:
        trigger.unregister(models.LogEntry)
    assert "tests.LogEntry:called" not in uris()


def test_register_on_abstract_model_applies_to_later_subclasses():
    from django.db import models as dj_models

    class Base(dj_models.Model):
        class Meta:
            abstract = True
            app_label = "tests"

    trigger = pgtrigger.Trigger(
        name="inherited", when=pgtrigger.Before, operation=pgtrigger.Insert, func="RETURN NEW;"
    )
    pgtrigger.register(trigger)(Base)

    class Concrete(Base):
        class Meta(Base.Meta):
            app_label = "tests"

    try:
        assert pgtrigger.registered("tests.Concrete:inherited") == [(Concrete, trigger)]
    finally:
        trigger.unregister(Concrete)
        from django.apps import apps

        del apps.all_models["tests"]["concrete"]
        apps.clear_cache()


def test_registered_unknown_uri():
    with pytest.raises(ValueError, match="No registered trigger"):
        pgtrigger.registered("tests.Nope:nothing")
