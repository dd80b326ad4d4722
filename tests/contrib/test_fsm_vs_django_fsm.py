"""``FSM.available_transitions()`` against django-fsm-2 (the ``bench`` extra) on random
machines: the same targets from every state, self-loops and ``"*"`` sources included."""

import random

import pytest
from django.db import models
from django.test.utils import isolate_apps

import pgtrigger
from pgtrigger.contrib.fsm import ANY

django_fsm = pytest.importorskip("django_fsm")

STATES = ["a", "b", "c", "d"]


def machines(count, seed=22):
    """``count`` random transition lists: explicit targets, sources a state or ``"*"``."""
    rng = random.Random(seed)
    for _ in range(count):
        pairs = {(rng.choice([*STATES, ANY]), rng.choice(STATES)) for _ in range(rng.randint(1, 7))}
        yield sorted(pairs)


def fsm_2_model(index, pairs):
    """A django-fsm-2 model with one ``@transition`` method per pair."""
    attrs = {
        "__module__": __name__,
        "status": django_fsm.FSMField(default="a", choices=[(s, s) for s in STATES]),
    }
    for number, (source, target) in enumerate(pairs):

        def method(self):
            pass

        method.__name__ = f"t{number}"
        attrs[f"t{number}"] = django_fsm.transition(
            field=attrs["status"], source=source, target=target
        )(method)
    return type(f"FsmTwo{index}", (models.Model,), attrs)


@isolate_apps("tests.contrib")
def test_available_transitions_agree_with_django_fsm_2():
    class Plain(models.Model):
        status = models.CharField(max_length=1, choices=[(s, s) for s in STATES])

    compared = 0
    for index, pairs in enumerate(machines(60)):
        theirs = fsm_2_model(index, pairs)
        ours = pgtrigger.FSM(name="m", field="status", transitions=pairs)
        for state in STATES:
            obj = Plain(status=state)
            obj._state.adding = False  # a loaded row
            other = theirs(status=state)
            expected = {t.target for t in other.get_available_status_transitions()}
            available = ours.available_transitions(obj)
            assert len(available) == len(set(available)), (pairs, state)
            assert set(available) == expected, (pairs, state)
            assert all(ours.can_transition(obj, target) for target in available)
            compared += 1
    assert compared == 60 * len(STATES)


@isolate_apps("tests.contrib")
def test_the_current_state_is_listed_when_a_transition_into_it_is_declared():
    class Order(models.Model):
        status = models.CharField(
            max_length=9, choices=[(s, s) for s in ("pending", "done", "cancelled")]
        )

    machine = pgtrigger.FSM(
        name="m",
        field="status",
        transitions=[("pending", "pending"), ("pending", "done"), ("*", "cancelled")],
    )

    def available(state):
        obj = Order(status=state)
        obj._state.adding = False
        return machine.available_transitions(obj)

    assert available("pending") == ["pending", "done", "cancelled"]  # a self-loop
    assert available("cancelled") == ["cancelled"]  # "*" -> the current state
    assert available("done") == ["cancelled"]
    wildcard = pgtrigger.FSM(name="w", field="status", transitions=[("pending", "*")])
    obj = Order(status="pending")
    obj._state.adding = False
    assert wildcard.available_transitions(obj) == ["done", "cancelled"]  # the other states
