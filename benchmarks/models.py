"""Benchmark tables: each scenario has a twin without trigger, with a hand-written trigger
and with the pgtrigger recipe. Triggers are installed by the benchmarks themselves."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

import pgtrigger


class _Row(models.Model):
    status = models.CharField(max_length=16, default="draft")
    is_active = models.BooleanField(default=True)
    version = models.IntegerField(default=0)
    n = models.IntegerField(default=0)
    search = SearchVectorField(null=True)

    class Meta:
        abstract = True


class PlainRow(_Row):
    pass


class HandRow(_Row):
    pass


class RecipeRow(_Row):
    pass


class StatementRow(_Row):
    """For statement-level variants, measured against RecipeRow's row-level forms."""


def fill(tables: list[type[_Row]], rows: int) -> None:
    """Refill ``tables`` with ``rows`` identical draft rows, vacuumed and analyzed."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(f"TRUNCATE {table}")
            cursor.execute(
                f"INSERT INTO {table} (status, is_active, version, n) "
                "SELECT 'draft', true, 0, 0 FROM generate_series(1, %s)",
                [rows],
            )
            cursor.execute(f"VACUUM ANALYZE {table}")


class IgnoreRow(models.Model):
    """A protected row updated under ``pgtrigger.ignore()`` (benchmarks.versus417)."""

    n = models.IntegerField(default=0)

    class Meta:
        triggers = [pgtrigger.Protect(name="protect_updates", operation=pgtrigger.Update)]


class Change(models.Model):
    object_pk = models.TextField()
    field = models.TextField()
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)


# --- app-level alternatives ---------------------------------------------------------------------
try:
    from django_fsm import FSMField, transition
    from safedelete.models import SOFT_DELETE, SOFT_DELETE_CASCADE, SafeDeleteModel
except ImportError:  # the "bench" extra is not installed: alternatives are skipped
    SafeDeleteModel = None
else:

    class SafeDeleted(SafeDeleteModel):
        """Soft delete done by django-safedelete in Python."""

        _safedelete_policy = SOFT_DELETE
        name = models.CharField(max_length=16, default="")

    class TriggerSoftDeleted(models.Model):
        """Soft delete done by a pgtrigger.SoftDelete trigger (installed by the benchmark)."""

        name = models.CharField(max_length=16, default="")
        is_active = models.BooleanField(default=True)

    class SafeParent(SafeDeleteModel):
        """Cascading soft delete done by django-safedelete in Python."""

        _safedelete_policy = SOFT_DELETE_CASCADE

    class SafeChild(SafeDeleteModel):
        _safedelete_policy = SOFT_DELETE
        parent = models.ForeignKey(SafeParent, on_delete=models.CASCADE)

    class TriggerParent(models.Model):
        """SoftDelete(cascade=True), registered and installed by the benchmark."""

        is_active = models.BooleanField(default=True)

    class TriggerChild(models.Model):
        parent = models.ForeignKey(TriggerParent, on_delete=models.CASCADE)
        is_active = models.BooleanField(default=True)

    class FsmDocument(models.Model):
        """Transitions checked by django-fsm-2 in Python."""

        status = FSMField(default="draft")

        @transition(field=status, source="draft", target="published")
        def publish(self) -> None:
            pass

    class TriggerFsmDocument(models.Model):
        """Transitions checked by a pgtrigger.FSM trigger (installed by the benchmark)."""

        status = models.CharField(max_length=16, default="draft")


try:
    from simple_history.models import HistoricalRecords
except ImportError:  # the "bench" extra is not installed: the history rows are skipped
    HistoricalRecords = None
else:

    class SimpleHistoryRow(models.Model):
        """History recorded by django-simple-history's post_save signal, in Python."""

        n = models.IntegerField(default=0)
        # No foreign key to auth_user: syncdb creates this table before auth migrates.
        history = HistoricalRecords(user_db_constraint=False)

    class TrackedRow(models.Model):
        """History recorded by a pgtrigger.TrackChanges trigger (installed by the benchmark)."""

        n = models.IntegerField(default=0)
