"""Statement-level history: one history row per statement, not per row.

A plain `pgtrigger.Trigger` at statement level with transition tables:
each bulk update records how many rows it touched and the total change,
in a single insert.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class StockMove(models.Model):
    rows = models.IntegerField()
    delta = models.IntegerField()

    class Meta:
        db_table = "stock_move"  # a fixed name for the trigger's SQL


class Stock(models.Model):
    sku = models.CharField(max_length=16)
    quantity = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="stock_history",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(
                    old="old_values",
                    new="new_values",
                ),
                func="""
                INSERT INTO stock_move (rows, delta)
                SELECT count(*),
                       COALESCE(sum(n.quantity - o.quantity), 0)
                FROM old_values o JOIN new_values n ON o.id = n.id;
                RETURN NULL;
                """,
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check

    Stock.objects.bulk_create(
        [Stock(sku=f"sku-{i}", quantity=10) for i in range(50)]
    )
    Stock.objects.update(quantity=models.F("quantity") - 1)
    Stock.objects.filter(sku="sku-1").update(quantity=100)
    moves = list(
        StockMove.objects.order_by("id").values_list("rows", "delta")
    )
    return [
        check(
            moves == [(50, -50), (1, 91)],
            f"two statements, two history rows: {moves}",
        )
    ]


# --8<-- [end:demo]
