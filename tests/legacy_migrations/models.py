# The models the 4.x migration below was generated from (app label "app"), as declared today.
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
