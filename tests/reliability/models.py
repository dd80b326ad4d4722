"""Models for the reliability suites: differential conditions, hostile names, races, drift."""

from django.db import models

import pgtrigger


class Nullable(models.Model):
    """Nullable columns of several types for the differential test of conditions."""

    int_a = models.IntegerField(null=True)
    int_b = models.IntegerField(null=True)
    txt = models.CharField(max_length=64, null=True)
    flag = models.BooleanField(null=True)


class Fired(models.Model):
    row_id = models.IntegerField()


class Record(models.Model):
    """Nullable columns of each kind a condition compares, for the differential test."""

    int_a = models.IntegerField(null=True)
    int_b = models.IntegerField(null=True)
    txt = models.CharField(max_length=16, null=True)
    day = models.DateField(null=True)
    ref = models.ForeignKey(
        "self", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class RecordChange(models.Model):
    """An UPDATE of a ``Record`` as one row (``old_<field>``, ``new_<field>``).

    Django's ``filter()``/``exclude()`` over these rows is the oracle for conditions over
    ``old__<field>``/``new__<field>``: the columns have the same types and nullability.
    """

    old_int_a = models.IntegerField(null=True)
    old_int_b = models.IntegerField(null=True)
    old_txt = models.CharField(max_length=16, null=True)
    old_day = models.DateField(null=True)
    old_ref = models.ForeignKey(
        Record, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    new_int_a = models.IntegerField(null=True)
    new_int_b = models.IntegerField(null=True)
    new_txt = models.CharField(max_length=16, null=True)
    new_day = models.DateField(null=True)
    new_ref = models.ForeignKey(
        Record, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class Firing(models.Model):
    """A row the differential test's trigger fired for; ``negated`` for the ``~condition``."""

    row_id = models.IntegerField()
    negated = models.BooleanField()


class Hostile(models.Model):
    """Table and column names that are SQL-hostile but that Django itself can create."""

    select = models.CharField(max_length=64, db_column="order; DROP TABLE x; --", null=True)
    unicode = models.CharField(max_length=64, db_column="ünïcødé 'quoted'", default="")
    status = models.CharField(max_length=16, db_column="from", default="new")
    is_active = models.BooleanField(default=True, db_column="WHERE")

    class Meta:
        db_table = "reliability tests; 'hostile' ☃"
        triggers = [
            pgtrigger.Protect(
                name="protect-hostile_values",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__select="'; DROP TABLE x; --")
                | pgtrigger.Q(new__unicode__contains="$$ \\ %_"),
            ),
            pgtrigger.FSM(
                name="fsm", field="status", transitions=[("new", "it's done"), ("*", "☃")]
            ),
            pgtrigger.SoftDelete(name="soft_delete", field="is_active"),
            pgtrigger.ReadOnly(name="read_only", fields=["unicode"]),
            pgtrigger.TrackChanges(
                name="track", fields=["status", "select"], to="reliability_tests.HostileEvent"
            ),
        ]


class HostileEvent(models.Model):
    object_pk = models.TextField(db_column="select")
    field = models.TextField(db_column="table")
    old_value = models.JSONField(null=True, db_column="old'value")
    new_value = models.JSONField(null=True, db_column="new;value")

    class Meta:
        db_table = "events; table"


class Account(models.Model):
    """For the races: FSM transitions and soft deletes from two connections."""

    status = models.CharField(max_length=16, default="open")
    is_active = models.BooleanField(default=True)
    balance = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="account_fsm",
                field="status",
                transitions=[
                    ("open", "frozen"),
                    ("frozen", "open"),
                    ("open", "closed"),
                    ("frozen", "closed"),
                ],
            ),
            pgtrigger.SoftDelete(name="soft_delete", field="is_active"),
        ]
