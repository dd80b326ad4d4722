"""pgtrigger.context() behind a real PgBouncer in transaction-pooling mode.

As in test_pooler: two clients in step on the pooler's server connections, one inside
``pgtrigger.context()``, the other outside. The first must always see its own values, the
other never any; afterwards no server connection holds a value.
"""

import pytest

import pgtrigger
from tests.runtime.models import ContextStamp
from tests.runtime.pgbouncer import POOL_SIZE
from tests.runtime.test_pooler import BINDINGS, MODES, in_mode, pooled, run_clients

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 150


def stamped(name):
    row = ContextStamp.objects.create(name=name)
    row.refresh_from_db()
    return row.reason, row.actor


def session_values(bouncer, binding):
    """pgtrigger.context outside any transaction on each of the pooler's server connections."""
    wrappers = [pooled(bouncer, binding) for _ in range(POOL_SIZE)]
    rows = []
    try:
        for wrapper in wrappers:
            wrapper.set_autocommit(False)
            cursor = wrapper.connection.cursor()  # the driver's own: nothing of pgtrigger's
            cursor.execute(
                "SELECT pg_backend_pid(), COALESCE(current_setting('pgtrigger.context', true), '')"
            )
            rows.append(cursor.fetchone())
    finally:
        for wrapper in wrappers:
            if wrapper.connection is not None:
                wrapper.connection.rollback()
            wrapper.close()
    assert len({pid for pid, _ in rows}) == POOL_SIZE, rows  # every server connection
    return [value for _, value in rows]


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_context_never_reaches_another_client(pgbouncer, mode, binding):
    def inside(round_):
        with pgtrigger.context(actor=round_, reason="inside"):
            return in_mode(mode, [lambda: stamped("inside"), lambda: stamped("inside")])

    def outside(round_):
        return in_mode(mode, [lambda: stamped("outside"), lambda: stamped("outside")])

    results = run_clients(pgbouncer, binding, {"inside": inside, "outside": outside}, ROUNDS)
    assert results["inside"] == [[("inside", r)] * 2 for r in range(ROUNDS)]
    assert results["outside"] == [[(None, None)] * 2] * ROUNDS
    assert session_values(pgbouncer, binding) == [""] * POOL_SIZE
