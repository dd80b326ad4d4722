"""Composer: statement-level conditions over a bulk update.

A `pgtrigger.Composer` at statement level runs once per statement; its
condition filters the statement's transition tables, exposed to the
function as `{cond_new_values}` and friends. Here a bulk price change is
refused when it changes any price by more than half.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


class Product(models.Model):
    price = models.IntegerField()

    class Meta:
        triggers = [
            pgtrigger.Composer(
                name="limit_price_changes",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("price"),
                func=pgtrigger.Func(
                    """
                    IF EXISTS (
                        SELECT 1 FROM {cond_joined_values} AS c
                        WHERE abs(c.new__price - c.old__price) * 2
                            > c.old__price
                    ) THEN
                        RAISE EXCEPTION
                            'price changes over 50%% are refused';
                    END IF;
                    RETURN NULL;
                    """
                ),
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check, refused

    Product.objects.bulk_create([Product(price=p) for p in (100, 200, 300)])
    Product.objects.update(price=models.F("price") * 11 / 10)
    prices = sorted(Product.objects.values_list("price", flat=True))
    return [
        check(
            prices == [110, 220, 330],
            "+10% on every price in one statement",
        ),
        refused(
            lambda: Product.objects.update(price=1),
            "price changes over 50%",
        ),
    ]


# --8<-- [end:demo]
