"""FSM: only declared state transitions.

`pgtrigger.FSM` enforces a state machine in the database. Valid
transitions never call the trigger function (the check is in the
trigger's `WHEN` clause); an invalid one fails with the attempted and the
allowed transitions.
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
    return lines


# --8<-- [end:demo]
