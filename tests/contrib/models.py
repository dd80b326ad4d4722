"""Models for the contrib recipe tests."""

import enum

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Now

import pgtrigger


class ProtectedDelete(models.Model):
    name = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.Protect(name="protect_deletes", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="protect_bulk_updates",
                operation=pgtrigger.Update,
                level=pgtrigger.Statement,
                condition=None,
            ),
        ]


class ConditionallyProtected(models.Model):
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_active_deletes",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__is_active=True),
            ),
        ]


class FrozenRow(models.Model):
    name = models.CharField(max_length=32)
    note = models.CharField(max_length=32, default="")

    class Meta:
        triggers = [pgtrigger.ReadOnly(name="read_only", exclude=["note"])]


class FrozenField(models.Model):
    created_by = models.CharField(max_length=32)
    other = models.IntegerField(default=0)

    class Meta:
        triggers = [pgtrigger.ReadOnly(name="read_only_created_by", fields=["created_by"])]


class SoftBool(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]


class SoftChar(models.Model):
    status = models.CharField(max_length=16, default="active")

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="status", value="it's gone")]


class SoftInt(models.Model):
    state = models.IntegerField(default=1)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="state", value=0)]


class SoftNullable(models.Model):
    owner = models.CharField(max_length=16, null=True, default="me")

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="owner", value=None)]


class SoftTimestamp(models.Model):
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="deleted_at", value=Now())]


class SoftCustomPk(models.Model):
    code = models.CharField(max_length=16, primary_key=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]


class Status(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"


class Document(models.Model):
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=32, default="")

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[
                    (Status.DRAFT, Status.PUBLISHED),
                    (Status.PUBLISHED, Status.ARCHIVED),
                    ("*", Status.CANCELLED),
                ],
            )
        ]


class Ticket(models.Model):
    """FSM over a nullable integer with allowed initial states."""

    priority = models.IntegerField(null=True)

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="priority_fsm",
                field="priority",
                transitions=[(None, 1), (1, 2), (2, 3), (3, None)],
                initial=[None, 1],
            )
        ]


class Versioned(models.Model):
    name = models.CharField(max_length=32)
    version = models.IntegerField(default=0)

    class Meta:
        triggers = [pgtrigger.Versioning(name="versioning", field="version")]


class Change(models.Model):
    object_pk = models.TextField()
    field = models.TextField()
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_at = models.DateTimeField(null=True)


class Tracked(models.Model):
    status = models.CharField(max_length=16, default="new")
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    untracked = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.TrackChanges(
                name="track_changes", fields=["status", "price"], to="contrib_tests.Change"
            )
        ]


class Composed(models.Model):
    status = models.CharField(max_length=16, default="new")
    counter = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.Composer(
                name="statement_protect_status",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("status"),
                func={
                    pgtrigger.Row: "RAISE EXCEPTION 'row';",
                    pgtrigger.Statement: pgtrigger.Func(
                        "IF EXISTS (SELECT 1 FROM {cond_joined_values} AS j "
                        "WHERE j.old__status = 'locked') THEN "
                        "RAISE EXCEPTION 'locked rows cannot change status (% rows changed)', "
                        "(SELECT count(*) FROM {cond_new_values} AS n); END IF; RETURN NULL;"
                    ),
                },
            )
        ]


class Person(models.Model):
    email = models.CharField(max_length=64)
    email_lower = models.CharField(max_length=64, default="")
    price = models.IntegerField(default=0)
    quantity = models.IntegerField(default=0)
    total = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.SyncField(
                name="sync_email_lower", field="email_lower", expression=Lower("email")
            ),
            pgtrigger.SyncField(
                name="sync_total", field="total", expression=F("price") * F("quantity")
            ),
        ]


class Order(models.Model):
    line_count = models.IntegerField(default=0)
    amount = models.IntegerField(null=True)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    amount = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.SyncAggregate(name="sync_line_count", fk="order", parent_field="line_count"),
            pgtrigger.SyncAggregate(
                name="sync_amount", fk="order", parent_field="amount", aggregate="sum", of="amount"
            ),
        ]


class Article(models.Model):
    title = models.CharField(max_length=64)
    body = models.TextField(null=True)
    search_vector = SearchVectorField(null=True)

    class Meta:
        triggers = [
            pgtrigger.UpdateSearchVector(
                name="search", vector_field="search_vector", document_fields=["title", "body"]
            )
        ]


official_create = pgtrigger.OfficialInterface(
    name="official_create", operation=pgtrigger.Insert, hint="use Account.objects.open()"
)


class AccountManager(models.Manager):
    @official_create.official
    def open(self, name):
        return self.create(name=name)


class Account(models.Model):
    name = models.CharField(max_length=32)
    objects = AccountManager()

    class Meta:
        triggers = [official_create]


class FrozenAll(models.Model):
    """ReadOnly without fields or exclude: every field is read-only."""

    name = models.CharField(max_length=32)
    amount = models.IntegerField(default=0)

    class Meta:
        triggers = [pgtrigger.ReadOnly(name="read_only_all")]


class GatedDocument(models.Model):
    """FSM enforced only while the row is locked (the trigger's ``condition``)."""

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    locked = models.BooleanField(default=False)

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="gated_fsm",
                field="status",
                transitions=[(Status.DRAFT, Status.PUBLISHED)],
                condition=pgtrigger.Q(old__locked=True),
            )
        ]


class OpenDraft(models.Model):
    """FSM with a wildcard target: a draft may become anything."""

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="open_draft_fsm",
                field="status",
                transitions=[(Status.DRAFT, "*"), (Status.PUBLISHED, Status.ARCHIVED)],
            )
        ]


class Stage(models.IntegerChoices):
    QUEUED = 1
    RUNNING = 2
    DONE = 3
    FAILED = 4


class Job(models.Model):
    """FSM over an integer field with IntegerChoices states."""

    stage = models.IntegerField(choices=Stage.choices, default=Stage.QUEUED)

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="stage_fsm",
                field="stage",
                transitions=[
                    (Stage.QUEUED, Stage.RUNNING),
                    (Stage.RUNNING, Stage.DONE),
                    (Stage.RUNNING, Stage.FAILED),
                ],
            )
        ]


class Color(enum.Enum):
    """A plain Python enum (not Django ``Choices``): states are its members."""

    RED = "red"
    GREEN = "green"
    AMBER = "amber"


class Light(models.Model):
    """FSM with plain enum states, initial states and a wildcard source."""

    color = models.CharField(
        max_length=8, choices=[(c.value, c.name.title()) for c in Color], default=Color.RED.value
    )

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="light_fsm",
                field="color",
                transitions=[
                    (Color.RED, Color.GREEN),
                    (Color.GREEN, Color.AMBER),
                    ("*", Color.RED),
                ],
                initial=[Color.RED],
            )
        ]


class WorkflowState(models.Model):
    code = models.CharField(max_length=16, primary_key=True)


class Workflow(models.Model):
    """FSM over a ForeignKey: states are the primary keys of ``WorkflowState`` rows."""

    state = models.ForeignKey(WorkflowState, on_delete=models.PROTECT, default="new")

    class Meta:
        triggers = [
            pgtrigger.FSM(
                name="workflow_fsm",
                field="state",
                transitions=[("new", "review"), ("review", "*"), ("*", "closed")],
                initial=["new"],
            )
        ]


class Mirrored(models.Model):
    name = models.CharField(max_length=32)
    name_copy = models.CharField(max_length=32, default="")

    class Meta:
        triggers = [
            pgtrigger.SyncField(name="mirror_name", field="name_copy", expression=F("name"))
        ]


class Batch(models.Model):
    max_amount = models.IntegerField(null=True)
    min_amount = models.IntegerField(null=True)


class BatchItem(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    amount = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.SyncAggregate(
                name="sync_max_amount",
                fk="batch",
                parent_field="max_amount",
                aggregate="max",
                of="amount",
            ),
            pgtrigger.SyncAggregate(
                name="sync_min_amount",
                fk="batch",
                parent_field="min_amount",
                aggregate="min",
                of="amount",
            ),
        ]


# --- SoftDelete cascades, managers and undelete ----------------------------------------------
class SoftParent(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    objects = pgtrigger.SoftDeleteManager()
    all_objects = pgtrigger.SoftDeleteManager(rows="all")
    deleted_objects = pgtrigger.SoftDeleteManager(rows="deleted")

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active", cascade=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(is_active=True), name="softparent_alive_name"
            )
        ]


class SoftChild(models.Model):
    """Cascades from SoftParent, and on to SoftGrandchild."""

    parent = models.ForeignKey(SoftParent, on_delete=models.CASCADE)
    deleted_at = models.DateTimeField(null=True)

    objects = pgtrigger.SoftDeleteQuerySet.as_manager()

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(name="soft_delete", field="deleted_at", value=Now(), cascade=True)
        ]


class SoftGrandchild(models.Model):
    child = models.ForeignKey(SoftChild, on_delete=models.CASCADE)
    status = models.CharField(max_length=16, default="active")

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(
                name="soft_delete", field="status", value="gone", restore_value="active"
            )
        ]


class PlainChild(models.Model):
    """No SoftDelete: Django's collector really deletes it, a raw SQL delete leaves it."""

    parent = models.ForeignKey(SoftParent, on_delete=models.CASCADE)


class SetNullSoftChild(models.Model):
    """A SoftDelete model whose FK does not cascade: never soft-deleted by the parent."""

    parent = models.ForeignKey(SoftParent, on_delete=models.SET_NULL, null=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]


class SoftNode(models.Model):
    """A tree: the self-referential FK is not followed by the cascade."""

    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active", cascade=True)]


class CycA(models.Model):
    """A two-model cycle of cascading soft deletes: CycA.b -> CycB, CycB.a -> CycA.

    ``related_name="+"`` hides the reverse relation; Django's collector still follows it.
    """

    b = models.ForeignKey("CycB", on_delete=models.CASCADE, null=True, related_name="+")
    deleted_at = models.DateTimeField(null=True)

    objects = pgtrigger.SoftDeleteManager(rows="all")

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(name="soft_delete", field="deleted_at", value=Now(), cascade=True)
        ]


class CycB(models.Model):
    """Declared without cascade=True: with it, the cycle is a check error (the tests add it)."""

    a = models.ForeignKey(CycA, on_delete=models.CASCADE, null=True)
    deleted_at = models.DateTimeField(null=True)

    objects = pgtrigger.SoftDeleteManager(rows="all")

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="deleted_at", value=Now())]


class ProtectedSoftChild(models.Model):
    """A soft-deleting child whose FK protects its parent (django-safedelete lets it go)."""

    parent = models.ForeignKey(SoftParent, on_delete=models.PROTECT)
    is_active = models.BooleanField(default=True)

    class Meta:
        triggers = [pgtrigger.SoftDelete(name="soft_delete", field="is_active")]


class SoftFrozen(models.Model):
    """Deleted rows are frozen by a Protect that undelete(ignore=...) gets past."""

    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    objects = pgtrigger.SoftDeleteManager(rows="all")

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(name="soft_delete", field="is_active"),
            pgtrigger.Protect(
                name="frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__is_active=False),
            ),
        ]
