"""Models for the runtime (ignore, schema, constraints) tests."""

from django.db import models

import pgtrigger


class Guarded(models.Model):
    """Every write is refused unless the trigger is ignored."""

    name = models.CharField(max_length=32, unique=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="guard", operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete
            )
        ]


class StatementGuarded(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="statement_guard", operation=pgtrigger.Update, level=pgtrigger.Statement
            )
        ]


class Parent(models.Model):
    pass


class Child(models.Model):
    """A deferrable trigger: the parent must exist when the check runs."""

    parent_id = models.IntegerField()

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="parent_exists",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM runtime_tests_parent WHERE id = NEW.parent_id) "
                    "THEN RAISE EXCEPTION 'parent % does not exist', NEW.parent_id; END IF; "
                    "RETURN NULL;"
                ),
            )
        ]


class ImmediateChild(models.Model):
    """A deferrable trigger that is initially immediate: it fires at the end of the statement."""

    parent_id = models.IntegerField()

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="parent_exists_now",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Immediate,
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM runtime_tests_parent WHERE id = NEW.parent_id) "
                    "THEN RAISE EXCEPTION 'parent % is missing', NEW.parent_id; END IF; "
                    "RETURN NULL;"
                ),
            )
        ]


class Ledger(models.Model):
    """Triggers of two unrelated types, for ignoring by type, model, URI glob and tag."""

    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(
                name="ledger_soft_delete", field="is_active", tags=["bookkeeping"]
            ),
            pgtrigger.ReadOnly(
                name="ledger_name_read_only", fields=["name"], tags=["bookkeeping", "frozen"]
            ),
        ]


class ContextStamp(models.Model):
    """Stamps each written row with values of ``pgtrigger.context()``."""

    name = models.CharField(max_length=32)
    reason = models.TextField(null=True)
    actor = models.IntegerField(null=True)

    class Meta:
        triggers = [
            pgtrigger.SyncField(
                name="stamp_reason", field="reason", expression=pgtrigger.context_value("reason")
            ),
            pgtrigger.Trigger(
                name="stamp_actor",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=pgtrigger.Func(
                    f"""NEW."{{columns.actor}}" := {pgtrigger.context_value("actor")}::integer;"""
                    " RETURN NEW;"
                ),
            ),
        ]


class ContextVersioned(models.Model):
    name = models.CharField(max_length=32)
    version = models.IntegerField(default=0)
    changed_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        triggers = [pgtrigger.Versioning(name="versioning", changed_by="changed_by")]


class ContextChange(models.Model):
    object_pk = models.TextField()
    field = models.TextField()
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )


class ContextTracked(models.Model):
    status = models.CharField(max_length=16)

    class Meta:
        triggers = [
            pgtrigger.TrackChanges(
                name="track",
                fields=["status"],
                to="runtime_tests.ContextChange",
                changed_by="changed_by",
            )
        ]


class ContextSoftDeleted(models.Model):
    is_active = models.BooleanField(default=True)
    deleted_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(name="soft_delete", field="is_active", deleted_by="deleted_by")
        ]
