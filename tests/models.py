"""Models the core tests declare triggers on."""

from django.contrib.auth.models import User
from django.db import models

import pgtrigger


class TestModel(models.Model):
    """A model with one column of each common type, all nullable."""

    int_field = models.IntegerField(null=True)
    char_field = models.CharField(max_length=128, null=True)
    text_field = models.TextField(null=True)
    float_field = models.FloatField(null=True)
    bool_field = models.BooleanField(null=True)
    dt_field = models.DateTimeField(null=True)
    json_field = models.JSONField(null=True)


class ProtectedModel(models.Model):
    """Deletes are blocked by a trigger declared in ``Meta.triggers``."""

    name = models.CharField(max_length=64, default="")

    class Meta:
        triggers = [
            pgtrigger.Trigger(
                name="protect_delete",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
            )
        ]


class LogEntry(models.Model):
    """Rows written by triggers under test."""

    level = models.CharField(max_length=16)
    old_field = models.CharField(max_length=128, null=True)
    new_field = models.CharField(max_length=128, null=True)


class TimestampedAbstract(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        triggers = [
            pgtrigger.Trigger(
                name="protect_created_at",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__created_at__df=pgtrigger.F("new__created_at")),
                func="RAISE EXCEPTION 'created_at is read-only';",
            )
        ]


class Article(TimestampedAbstract):
    """Inherits its trigger from the abstract parent's Meta."""

    title = models.CharField(max_length=128)
    status = models.CharField(max_length=16, default="draft")


class UserProxy(User):
    """A proxy for a third-party table: triggers land on ``auth_user``."""

    class Meta:
        proxy = True
        triggers = [
            pgtrigger.Trigger(
                name="protect_superuser_delete",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__is_superuser=True),
                func="RAISE EXCEPTION 'superusers cannot be deleted';",
            )
        ]


class GroupMembership(User.groups.through):
    """A proxy for the default many-to-many through table of ``User.groups``."""

    class Meta:
        proxy = True
        triggers = [
            pgtrigger.Trigger(
                name="protect_membership_delete",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                func="RAISE EXCEPTION 'memberships are permanent';",
            )
        ]


@pgtrigger.register(
    pgtrigger.Trigger(
        name="log_update",
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=pgtrigger.AnyChange("name"),
        func=pgtrigger.Func(
            "INSERT INTO tests_logentry (level, old_field, new_field) "
            """VALUES ('ROW', OLD."{columns.name}", NEW."{columns.name}"); RETURN NULL;"""
        ),
    )
)
class Registered(models.Model):
    """Trigger declared with the ``pgtrigger.register`` decorator."""

    name = models.CharField(max_length=64)


class TestView(models.Model):
    """An unmanaged model over a view that tests create, for INSTEAD OF triggers."""

    name = models.CharField(max_length=64)

    class Meta:
        managed = False
        db_table = "tests_testview"


class Child(models.Model):
    """For deferrable constraint triggers: a child must reference an existing parent."""

    parent_id = models.IntegerField()
