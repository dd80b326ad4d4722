"""FSM: only declared state transitions.

`pgtrigger.FSM` enforces a state machine in the database. Valid transitions never call the
trigger function (the check is in the trigger's `WHEN` clause); an invalid one fails with the
attempted and the allowed transitions.
"""

from django.db import models

import pgtrigger
from cookbook.show import check, refused


class Order(models.Model):
    class Status(models.TextChoices):
        CART = "cart"
        PAID = "paid"
        SHIPPED = "shipped"
        CANCELLED = "cancelled"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CART)

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
            )
        ]


def demo() -> list[str]:
    order = Order.objects.create()
    order.status = "paid"
    order.save()
    return [
        check(Order.objects.get().status == "paid", "cart -> paid"),
        refused(
            lambda: Order.objects.update(status="cart"),
            "Invalid transition of field \"status\" from 'paid' to 'cart'",
        ),
        check(Order.objects.update(status="cancelled") == 1, "paid -> cancelled (wildcard)"),
    ]
