"""``FSM.transition()`` on a model with a composite primary key (Django 5.2+)."""

import django
import pytest

import pgtrigger
from pgtrigger import TransitionNotAllowed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(django.VERSION < (5, 2), reason="composite primary keys need Django 5.2"),
]


def test_the_guarded_update_matches_the_whole_key():
    from tests.composite.models import SoftCompositePk as model

    machine = pgtrigger.FSM(name="active_fsm", field="is_active", transitions=[(True, False)])
    model.objects.create(tenant=1, number=1)
    model.objects.create(tenant=1, number=2)
    model.objects.create(tenant=2, number=1)
    row = model.objects.get(tenant=1, number=2)
    machine.transition(row, False)
    assert row.is_active is False
    with pytest.raises(TransitionNotAllowed, match="from False to True"):
        machine.transition(row, True)
    assert set(model.objects.values_list("tenant", "number", "is_active")) == {
        (1, 1, True),
        (1, 2, False),
        (2, 1, True),
    }
