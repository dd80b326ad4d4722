"""``FSM.transition()``: one guarded ``UPDATE``, and any trigger's refusal of it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext, isolate_apps

import pgtrigger
from pgtrigger import TransitionNotAllowed
from tests.contrib.models import Document, GatedDocument, Status

pytestmark = pytest.mark.django_db

FSM_URI = "contrib_tests.Document:status_fsm"
PUBLISH_URI = "contrib_tests.Document:publish_needs_title"


@pytest.fixture
def publish_needs_title():
    """The docs' per-transition rule (``pay_needs_total``) on ``Document``: publishing needs a
    title. Registered and installed; removed afterwards."""
    rule = pgtrigger.Protect(
        name="publish_needs_title",
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(old__status="draft", new__status="published", new__title=""),
    )
    pgtrigger.registry.add(Document, rule)
    rule.install(Document)
    try:
        yield rule
    finally:
        rule.uninstall(Document)
        pgtrigger.registry.remove(Document, rule)


def fsm():
    return pgtrigger.FSM.get(Document, "status")


def test_another_triggers_refusal_is_transition_not_allowed_in_a_savepoint(publish_needs_title):
    doc = Document.objects.create()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            with pytest.raises(TransitionNotAllowed, match="refused the transition") as raised:
                fsm().transition(doc, Status.PUBLISHED)
        assert [q["sql"].split()[0] for q in queries][:3] == ["SAVEPOINT", "UPDATE", "ROLLBACK"]
        assert raised.value.uri == PUBLISH_URI
        assert (raised.value.source, raised.value.target) == ("draft", "published")
        assert isinstance(raised.value.__cause__, DatabaseError)
        assert doc.status == "draft"
        # The transaction goes on: the same transition once the rule is met.
        Document.objects.filter(pk=doc.pk).update(title="titled")
        fsm().transition(doc, Status.PUBLISHED)
    assert Document.objects.get().status == "published"


@pytest.mark.django_db(transaction=True)
def test_another_triggers_refusal_in_autocommit(publish_needs_title):
    doc = Document.objects.create()
    with pytest.raises(TransitionNotAllowed) as raised:
        fsm().transition(doc, Status.PUBLISHED)
    assert raised.value.uri == PUBLISH_URI and raised.value.source == "draft"
    assert Document.objects.get().status == "draft"


def test_a_custom_triggers_raise_is_named_by_its_function():
    """A registered trigger that is not a recipe: a bare ``RAISE EXCEPTION``."""
    stray = pgtrigger.Trigger(
        name="no-archive",
        when=pgtrigger.Before,
        operation=pgtrigger.UpdateOf("status"),
        condition=pgtrigger.Q(new__status="archived"),
        func="RAISE EXCEPTION 'no archiving today';",
    )
    pgtrigger.registry.add(Document, stray)
    stray.install(Document)
    try:
        doc = Document.objects.create(status="published")
        with pytest.raises(TransitionNotAllowed, match="no archiving today") as raised:
            fsm().transition(doc, Status.ARCHIVED)
        assert raised.value.uri == "contrib_tests.Document:no-archive"
        assert Document.objects.get().status == "published"  # the transaction is usable
    finally:
        pgtrigger.registry.remove(Document, stray)


def test_other_database_errors_go_through_unchanged():
    doc = Document.objects.create()
    Document.objects.filter(pk=doc.pk).delete()
    with pytest.raises(Document.DoesNotExist):
        fsm().transition(doc, Status.PUBLISHED)
    assert doc.status == "draft"


def test_the_guard_refuses_from_the_stored_state_without_a_savepoint():
    doc = Document.objects.create(status="published")
    stale = Document.objects.get()
    Document.objects.filter(pk=doc.pk).update(status="cancelled")
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TransitionNotAllowed, match="the database holds 'cancelled'") as raised:
            fsm().transition(stale, Status.ARCHIVED)  # allowed from what it holds in memory
    # The guarded UPDATE (no row), then the read for the message: no savepoint.
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE", "SELECT"]
    assert raised.value.uri == FSM_URI and raised.value.source == "cancelled"
    assert stale.status == "published"


def test_signals_are_sent_as_by_save_with_update_fields():
    doc = Document.objects.create()
    seen = []

    def pre(sender, instance, update_fields, **kwargs):
        seen.append(("pre", sender, instance.status, update_fields))

    def post(sender, instance, created, update_fields, **kwargs):
        seen.append(("post", sender, instance.status, created, update_fields))

    pre_save.connect(pre, sender=Document)
    post_save.connect(post, sender=Document)
    try:
        fsm().transition(doc, Status.PUBLISHED)
    finally:
        pre_save.disconnect(pre, sender=Document)
        post_save.disconnect(post, sender=Document)
    fields = frozenset({"status"})
    assert seen == [
        ("pre", Document, "published", fields),
        ("post", Document, "published", False, fields),
    ]


def test_the_stored_state_comes_back_from_returning():
    """A ``BEFORE`` trigger that rewrites the new state: the instance holds what is stored."""
    rewrite = pgtrigger.Trigger(
        name="publish_means_cancel",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(new__status="published"),
        func="NEW.status := 'cancelled'; RETURN NEW;",
    )
    rewrite.install(Document)  # rolled back with the test
    doc = Document.objects.create()
    fsm().transition(doc, Status.PUBLISHED)
    assert doc.status == "cancelled" == Document.objects.get().status


# Proxy models -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gated_proxy():
    with isolate_apps("tests.contrib"):

        class GatedProxy(GatedDocument):
            class Meta:
                proxy = True

        yield GatedProxy


def test_a_refusal_under_a_condition_on_a_proxy_is_transition_not_allowed(gated_proxy):
    GatedDocument.objects.create(locked=True)
    locked = gated_proxy.objects.get()
    machine = pgtrigger.FSM.get(gated_proxy, "status")
    with pytest.raises(TransitionNotAllowed, match="refused by the database") as raised:
        machine.transition(locked, Status.ARCHIVED)
    assert raised.value.uri == "contrib_tests.GatedDocument:gated_fsm"
    machine.transition(locked, Status.PUBLISHED)  # the transaction is usable
    assert GatedDocument.objects.get().status == "published"
