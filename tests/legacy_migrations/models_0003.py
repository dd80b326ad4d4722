# The models 0001_initial.py to 0003_remove_ledger_stamp_note.py were generated from (app label
# "app"), as declared today. models.py holds the state after 0001_initial.py only.
from django.db import models

import pgtrigger


class Item(models.Model):
    name = models.CharField(max_length=32)
    count = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="protect_delete",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
            ),
            pgtrigger.Trigger(
                name="protect_name",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__name__df=pgtrigger.F("new__name")),
                declare=[("old_name", "TEXT")],
                func="old_name := OLD.name; RAISE EXCEPTION 'name % is read-only', old_name;",
            ),
        ]


class Ledger(models.Model):
    amount = models.IntegerField()
    note = models.CharField(max_length=32, default="")

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="balance_check",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update,
                timing=pgtrigger.Deferred,
                func=(
                    "IF (SELECT sum(amount) FROM app_ledger) < 0 THEN RAISE EXCEPTION "
                    "'balance % is negative', (SELECT sum(amount) FROM app_ledger); END IF; "
                    "RETURN NULL;"
                ),
            ),
            pgtrigger.Trigger(
                name="limit_batch",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_values"),
                func=(
                    "IF (SELECT count(*) FROM new_values) > 2 THEN RAISE EXCEPTION "
                    "'batch of % rows', (SELECT count(*) FROM new_values); END IF; RETURN NULL;"
                ),
            ),
        ]
