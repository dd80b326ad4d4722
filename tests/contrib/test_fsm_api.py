"""The FSM's Python API and state diagrams, with the database's trigger as the oracle."""

import os
import pathlib
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

import pgtrigger
from pgtrigger import TransitionNotAllowed
from pgtrigger.contrib.fsm import ANY
from tests.contrib import models

pytestmark = pytest.mark.django_db

# Every FSM flavour: model, field, and all the states a row can hold.
MACHINES = {
    "TextChoices": (models.Document, "status", list(models.Status.values)),
    "IntegerChoices": (models.Job, "stage", list(models.Stage.values)),
    "IntegerField, NULL, initial": (models.Ticket, "priority", [None, 1, 2, 3]),
    "enum.Enum, initial, wildcard source": (models.Light, "color", [c.value for c in models.Color]),
    "ForeignKey, initial, wildcard target": (models.Workflow, "state", ["new", "review", "closed"]),
    "wildcard target": (models.OpenDraft, "status", list(models.Status.values)),
}


def _db_allows(model, pk, field, target):
    """Whether the trigger lets ``UPDATE`` set ``field`` to ``target`` (in a savepoint)."""
    attname = model._meta.get_field(field).attname
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**{attname: target})
            transaction.set_rollback(True)
    except DatabaseError as exc:
        assert "pgtrigger: Invalid transition" in str(exc)
        return False
    return True


def _row(model, field, state):
    """A saved row in ``state``, the trigger ignored so that any source state exists."""
    trigger = pgtrigger.FSM.get(model, field)
    with pgtrigger.ignore(f"{model._meta.label}:{trigger.name}"):
        attname = model._meta.get_field(field).attname
        return model.objects.create(**{attname: state})


def _declared(trigger, model, source, target):
    """Whether a transition from ``source`` into ``target`` is declared (a wildcard target
    stands for the other states)."""
    return any(
        (s == ANY or trigger.normalize(model, s) == source)
        and (trigger.normalize(model, t) == target if t != ANY else target != source)
        for s, t in trigger.transitions
    )


@pytest.fixture
def workflow_states():
    for code in ("new", "review", "closed"):
        models.WorkflowState.objects.create(code=code)


@pytest.mark.usefixtures("workflow_states")
@pytest.mark.parametrize("flavour", MACHINES)
def test_python_api_agrees_with_the_trigger_on_every_pair(flavour):
    model, field, states = MACHINES[flavour]
    trigger = pgtrigger.FSM.get(model, field)
    for source in states:
        obj = _row(model, field, source)
        available = trigger.available_transitions(obj)
        for target in states:
            db = _db_allows(model, obj.pk, field, target)
            assert trigger.can_transition(obj, target) == db, (source, target)
            assert trigger.allows(model, source, target) == db, (source, target)
            listed = target in available or (ANY in available and target != source)
            assert listed == _declared(trigger, model, source, target), (source, target)
            assert not listed or db, (source, target)


@pytest.mark.usefixtures("workflow_states")
@pytest.mark.parametrize("flavour", MACHINES)
def test_transition_agrees_with_the_trigger_and_saves(flavour):
    model, field, states = MACHINES[flavour]
    trigger = pgtrigger.FSM.get(model, field)
    attname = model._meta.get_field(field).attname
    for source in states:
        for target in states:
            obj = _row(model, field, source)
            db = _db_allows(model, obj.pk, field, target)
            if db:
                trigger.transition(obj, target)
                assert getattr(obj, attname) == target
            else:
                with CaptureQueriesContext(connection) as queries:
                    with pytest.raises(TransitionNotAllowed) as raised:
                        trigger.transition(obj, target)
                # At most the one guarded UPDATE, which matched no row (the stored state below).
                assert len([q for q in queries if q["sql"].startswith("UPDATE")]) <= 1
                assert (raised.value.source, raised.value.target) == (source, target)
                assert getattr(obj, attname) == source
            stored = model.objects.values_list(attname, flat=True).get(pk=obj.pk)
            assert stored == (target if db else source)


def test_initial_states_checked_in_python_and_by_the_trigger():
    trigger = pgtrigger.FSM.get(models.Light, "color")
    assert trigger.available_transitions(models.Light()) == ["red"]  # as stored
    green = models.Light(color="green")
    assert not trigger.can_transition(green, "green")
    with pytest.raises(TransitionNotAllowed, match="allowed initial states: 'red'"):
        trigger.transition(green, models.Color.GREEN)
    assert green.pk is None
    with transaction.atomic(), pytest.raises(DatabaseError, match="Invalid initial state"):
        models.Light.objects.create(color="green")  # the trigger agrees
    light = models.Light()
    trigger.transition(light, models.Color.RED)  # an unsaved instance is inserted
    assert models.Light.objects.get(pk=light.pk).color == "red"
    ticket = models.Ticket(priority=2)
    ticket_fsm = pgtrigger.FSM.get(ticket, "priority")
    assert ticket_fsm.available_transitions(ticket) == [None, 1]
    assert ticket_fsm.can_transition(ticket, None) and not ticket_fsm.can_transition(ticket, 2)


def test_transition_updates_only_the_state_field():
    doc = models.Document.objects.create(title="stored")
    doc.title = "only in memory"
    fsm = pgtrigger.FSM.get(models.Document, "status")
    with CaptureQueriesContext(connection) as queries:
        fsm.transition(doc, models.Status.PUBLISHED)
    (update,) = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert '"status"' in update and '"title"' not in update
    # One statement, no savepoint: the UPDATE guarded by the sources of the target.
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE"]
    assert update.endswith(" AND (\"status\" IN ('published', 'draft')) RETURNING \"status\"")
    assert models.Document.objects.values_list("status", "title").get() == ("published", "stored")
    assert doc.status == "published"


def test_transition_starts_from_the_stored_state_not_the_in_memory_one():
    doc = models.Document.objects.create()
    doc.status = "published"  # set in memory, never saved
    fsm = pgtrigger.FSM.get(models.Document, "status")
    assert fsm.can_transition(doc, "archived")  # the in-memory answer, no query
    message = (
        r"""contrib_tests.Document: FSM trigger "status_fsm" does not allow field "status" to go """
        r"""from 'draft' to 'archived' \(the database holds 'draft'; the instance holds """
        r"""'published' in memory\); allowed from 'draft': 'published', 'cancelled'\."""
    )
    with pytest.raises(TransitionNotAllowed, match=message) as raised:
        fsm.transition(doc, "archived")
    assert isinstance(raised.value, ValueError) and raised.value.instance is doc
    assert doc.status == "published"  # left as it was
    assert models.Document.objects.get().status == "draft"
    fsm.transition(doc, "cancelled")  # wildcard source
    assert models.Document.objects.get().status == "cancelled"


def test_transition_without_save_checks_memory_and_sets_the_field():
    doc = models.Document.objects.create()
    fsm = pgtrigger.FSM.get(models.Document, "status")
    with CaptureQueriesContext(connection) as queries:
        fsm.transition(doc, "published", save=False)
        with pytest.raises(TransitionNotAllowed, match="from 'published' to 'draft'"):
            fsm.transition(doc, "draft", save=False)
    assert not queries.captured_queries
    assert doc.status == "published"
    assert models.Document.objects.get().status == "draft"
    doc.save()
    assert models.Document.objects.get().status == "published"


def test_under_a_condition_the_database_decides_and_its_refusal_is_the_same_error():
    fsm = pgtrigger.FSM.get(models.GatedDocument, "status")
    free = models.GatedDocument.objects.create(locked=False)
    locked = models.GatedDocument.objects.create(locked=True)
    assert not fsm.can_transition(free, "archived")  # declared transitions only
    fsm.transition(free, "archived")  # condition false: the trigger allows it
    with pytest.raises(TransitionNotAllowed, match="refused by the database") as raised:
        fsm.transition(locked, "archived")
    assert isinstance(raised.value.__cause__, DatabaseError)
    assert locked.status == "draft"
    fsm.transition(locked, "published")  # the transaction is still usable
    assert dict(models.GatedDocument.objects.values_list("pk", "status")) == {
        free.pk: "archived",
        locked.pk: "published",
    }


def test_a_refusal_with_a_custom_message_is_recognized_by_sqlstate_and_uri():
    declared = pgtrigger.FSM.get(models.GatedDocument, "status")
    custom = pgtrigger.FSM(
        name=declared.name,
        field="status",
        transitions=[(models.Status.DRAFT, models.Status.PUBLISHED)],
        condition=pgtrigger.Q(old__locked=True),
        message="Locked documents only get published.",
    )
    custom.install(models.GatedDocument)  # replaces the declared one; the test rolls back
    locked = models.GatedDocument.objects.create(locked=True)
    with pytest.raises(TransitionNotAllowed, match="refused by the database") as raised:
        custom.transition(locked, "archived")
    assert "Locked documents only get published." in str(raised.value.__cause__)
    assert pgtrigger.errors.refused_by(raised.value.__cause__) == custom.get_uri(
        models.GatedDocument
    )
    other = pgtrigger.FSM(
        name="another_fsm",
        field="status",
        transitions=[(models.Status.DRAFT, models.Status.PUBLISHED)],
        condition=pgtrigger.Q(old__locked=True),
    )
    # Another trigger's refusal of the UPDATE is a TransitionNotAllowed too, naming it.
    with pytest.raises(TransitionNotAllowed, match="refused the transition") as raised:
        other.transition(locked, "archived")
    assert raised.value.uri == custom.get_uri(models.GatedDocument)


def test_transition_accepts_enum_members_and_foreign_key_instances(workflow_states):
    light = models.Light.objects.create()
    light_fsm = pgtrigger.FSM.get(light, "color")
    light_fsm.transition(light, models.Color.GREEN)
    assert light.color == "green" and light_fsm.can_transition(light, models.Color.AMBER)
    flow = models.Workflow.objects.create()
    flow_fsm = pgtrigger.FSM.get(models.Workflow, "state_id")  # the attname works too
    assert flow_fsm.available_transitions(flow) == ["review", "closed"]
    review = models.WorkflowState.objects.get(code="review")
    flow_fsm.transition(flow, review)
    assert flow.state == review and flow_fsm.available_transitions(flow) == [ANY, "closed"]
    refusal = "from 'closed' to 'nope'; allowed from 'closed': none"
    with pytest.raises(TransitionNotAllowed, match=refusal):
        flow_fsm.transition(_row(models.Workflow, "state", "closed"), "nope")


def test_get_finds_the_declaration_or_says_why_not():
    assert pgtrigger.FSM.get(models.Document).name == "status_fsm"
    assert pgtrigger.FSM.get(models.Document, name="status_fsm").field == "status"
    with pytest.raises(LookupError, match='Document has no registered FSM trigger with field "t"'):
        pgtrigger.FSM.get(models.Document, "t")
    with pytest.raises(LookupError, match=r"ProtectedDelete has no registered FSM trigger$"):
        pgtrigger.FSM.get(models.ProtectedDelete)


def test_get_with_several_machines_asks_for_a_field():
    second = pgtrigger.FSM(name="title_fsm", field="title", transitions=[("", "x")])
    pgtrigger.registry.add(models.Document, second)
    try:
        with pytest.raises(LookupError, match='several of FSM trigger: "status_fsm"'):
            pgtrigger.FSM.get(models.Document)
        assert pgtrigger.FSM.get(models.Document, "title") is second
    finally:
        pgtrigger.registry.remove(models.Document, second)


# --- diagrams -----------------------------------------------------------------------------
def test_mermaid_diagram_expands_wildcards_over_the_choices():
    fsm = pgtrigger.FSM.get(models.Document, "status")
    assert fsm.graph(models.Document) == (
        "stateDiagram-v2\n"
        '    state "draft" as s0\n'
        '    state "published" as s1\n'
        '    state "archived" as s2\n'
        '    state "cancelled" as s3\n'
        "    [*] --> s0\n"
        "    s0 --> s1\n"
        "    s1 --> s2\n"
        "    s0 --> s3\n"
        "    s1 --> s3\n"
        "    s2 --> s3\n"
    )


def test_dot_diagram_with_initial_states_and_null():
    fsm = pgtrigger.FSM.get(models.Ticket, "priority")
    assert fsm.graph(models.Ticket, "dot") == (
        'digraph "priority_fsm" {\n'
        "    rankdir=LR;\n"
        "    node [shape=box, style=rounded];\n"
        '    "[*]" [shape=point, width=0.2];\n'
        '    s0 [label="None"];\n'
        '    s1 [label="1"];\n'
        '    s2 [label="2"];\n'
        '    s3 [label="3"];\n'
        '    "[*]" -> s0;\n'
        '    "[*]" -> s1;\n'
        "    s0 -> s1;\n"
        "    s1 -> s2;\n"
        "    s2 -> s3;\n"
        "    s3 -> s0;\n"
        "}\n"
    )


def test_diagram_labels_are_escaped():
    fsm = pgtrigger.FSM(name="q-t", field="title", transitions=[('say "hi"; #1', "a\\b")])
    mermaid = fsm.graph(models.Document)
    assert 'state "say &quot;hi&quot;; #1" as s0' in mermaid
    tags = pgtrigger.FSM(name="tags", field="title", transitions=[("<b>&", "x")])
    assert 'state "&lt;b&gt;&amp;" as s0' in tags.graph(models.Document)
    assert "    state \"''\" as s2\n    [*] --> s2\n" in mermaid  # the default, ""
    dot = fsm.graph(models.Document, "dot")
    assert 'digraph "q-t"' in dot and 's0 [label="say \\"hi\\"; #1"];' in dot
    assert 's1 [label="a\\\\b"];' in dot


def test_graph_command_prints_mermaid_and_dot(capsys):
    call_command("pgtrigger", "graph", "contrib_tests.Light:light_fsm")
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("stateDiagram-v2\n") and "    [*] --> s0\n" in mermaid
    assert mermaid == pgtrigger.FSM.get(models.Light).graph(models.Light)
    call_command("pgtrigger", "graph", "contrib_tests.Light:light_fsm", "--format", "dot")
    assert capsys.readouterr().out == pgtrigger.FSM.get(models.Light).graph(models.Light, "dot")


def test_graph_command_refuses_other_triggers_and_unknown_uris():
    with pytest.raises(CommandError, match="is a Protect, not an FSM"):
        call_command("pgtrigger", "graph", "contrib_tests.ProtectedDelete:protect_deletes")
    with pytest.raises(CommandError, match="No registered trigger"):
        call_command("pgtrigger", "graph", "contrib_tests.Document:nope")


def test_docs_diagram_is_written_from_the_cookbook_declaration_without_a_database(tmp_path):
    """The FSM page includes what ``python -m cookbook.graph`` (the docs hook) writes."""
    from cookbook.pages.fsm import Order

    root = pathlib.Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = "postgresql://nobody@invalid.invalid:1/none"  # never used
    result = subprocess.run(
        [sys.executable, "-m", "cookbook.graph", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["fsm.order_status.mmd"]
    written = (tmp_path / "fsm.order_status.mmd").read_text()
    assert written == pgtrigger.FSM.get(Order).graph(Order)
    page = (root / "docs" / "cookbook" / "fsm.md").read_text()
    assert '```mermaid\n--8<-- "build/recipe-graphs/fsm.order_status.mmd"\n```' in page
    assert "build/recipe-graphs" in (root / "scripts" / "docs_hooks.py").read_text()
