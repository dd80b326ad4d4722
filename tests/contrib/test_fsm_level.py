"""``FSM`` is row-level: a statement-level declaration is refused where it is written."""

import pytest

import pgtrigger


def test_statement_level_is_refused_at_declaration():
    with pytest.raises(ValueError, match=r'FSM trigger "fsm" must be row-level: remove level='):
        pgtrigger.FSM(
            name="fsm", field="status", transitions=[("a", "b")], level=pgtrigger.Statement
        )


def test_row_level_may_be_spelled_out():
    fsm = pgtrigger.FSM(name="fsm", field="status", transitions=[("a", "b")], level=pgtrigger.Row)
    assert fsm.level == pgtrigger.Row
