"""FSM: only declared state transitions.

`pgtrigger.FSM` enforces a state machine in the database. Valid
transitions never call the trigger function (the check is in the
trigger's `WHEN` clause); an invalid one fails with the attempted and the
allowed transitions. The same declaration gives a Python API
(`FSM.get(Order, field="status").transition(order, "paid")`).
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Order(models.Model):
    class Status(models.TextChoices):
        CART = "cart"
        PAID = "paid"
        SHIPPED = "shipped"
        CANCELLED = "cancelled"

    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.CART,
    )

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="order_status",
                field="status",
                transitions=[
                    ("cart", "paid"),
                    ("paid", "shipped"),
                    ("*", "cancelled"),  # any state may be cancelled
                ],
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    order = Order.objects.create()
    order.status = "paid"
    order.save()
    paid = Order.objects.get().status == "paid"
    lines = [check(paid, "cart -> paid")]
    lines.append(
        refused(
            lambda: Order.objects.update(status="cart"),
            "Invalid transition of field \"status\" from 'paid' to 'cart'",
        )
    )
    cancelled = Order.objects.update(status="cancelled") == 1
    lines.append(check(cancelled, "paid -> cancelled (wildcard)"))

    # The Python API, from the same declaration.
    fsm = pgtrigger.FSM.get(Order, field="status")
    order = Order.objects.create()
    choices = fsm.available_transitions(order)
    lines.append(
        check(choices == ["paid", "cancelled"], f"cart may go to {choices}")
    )
    fsm.transition(order, Order.Status.PAID)  # saves only "status"
    stored = Order.objects.get(pk=order.pk).status
    lines.append(check(stored == "paid", "transition(order, PAID) saved"))
    try:
        fsm.transition(order, Order.Status.CART)
    except pgtrigger.TransitionNotAllowed as exc:  # a ValueError
        moved = f"{exc.source} -> {exc.target}"
        lines.append(f"TransitionNotAllowed, nothing updated: {moved}")
    else:
        raise AssertionError("paid -> cart was not refused")
    return lines


# --8<-- [end:demo]
