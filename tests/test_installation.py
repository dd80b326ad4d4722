"""Installation reads and writes in a constant number of queries, whatever the trigger count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pgtrigger
from pgtrigger import installation

pytestmark = pytest.mark.django_db


def count_queries(func, *args, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        func(*args, **kwargs)
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_trigger_count():
    uris = [trigger.get_uri(model) for model, trigger in pgtrigger.registered()]
    assert len(uris) >= 5
    for func in (installation.status, pgtrigger.install, pgtrigger.uninstall):
        one = count_queries(func, uris[0])
        every = count_queries(func, *uris)
        assert one == every, func.__name__
    assert count_queries(installation.status) <= 2
    assert count_queries(pgtrigger.prune) <= 3


def test_install_is_idempotent_and_status_installed():
    pgtrigger.install()
    pgtrigger.install()
    statuses = {s.uri: s.status for s in installation.status()}
    assert set(statuses.values()) == {installation.Status.INSTALLED}


def test_trigger_object_install_uninstall_enable_disable():
    from tests.models import ProtectedModel

    ((model, trigger),) = pgtrigger.registered("tests.ProtectedModel:protect_delete")
    assert model is ProtectedModel
    trigger.disable(model)
    (row,) = installation.status(trigger.get_uri(model))
    assert row.enabled is False
    trigger.enable(model)
    trigger.uninstall(model)
    (row,) = installation.status(trigger.get_uri(model))
    assert row.status == installation.Status.UNINSTALLED
    trigger.install(model)
    (row,) = installation.status(trigger.get_uri(model))
    assert (row.status, row.enabled) == (installation.Status.INSTALLED, True)
