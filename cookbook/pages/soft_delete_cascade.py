"""SoftDelete cascades: children, undelete, a manager of live rows.

`SoftDelete(cascade=True)` soft-deletes the rows that point to a
deleted row, `pgtrigger.SoftDeleteManager` hides soft-deleted rows
and restores them, and a partial unique constraint lets a deleted
row's name be used again.
"""

# --8<-- [start:models]
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

import pgtrigger


class Project(models.Model):
    name = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)

    objects = pgtrigger.SoftDeleteManager()  # alive rows only
    all_objects = pgtrigger.SoftDeleteManager(rows="all")

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(
                name="soft_delete",
                field="is_active",
                cascade=True,  # soft-delete its tasks too
            ),
        ]
        constraints = [
            # Unique among alive rows: a deleted
            # project does not hold on to its name.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(is_active=True),
                name="project_name_alive_unique",
            ),
        ]


class Task(models.Model):
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
    )
    title = models.CharField(max_length=32)
    deleted_at = models.DateTimeField(null=True)

    objects = pgtrigger.SoftDeleteManager()
    all_objects = pgtrigger.SoftDeleteManager(rows="all")

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(
                name="soft_delete",
                field="deleted_at",
                value=Now(),
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from django.db import connection

    from cookbook.show import check, refused

    site = Project.objects.create(name="site")
    Task.objects.create(project=site, title="logo")
    Task.objects.create(project=site, title="menu")
    site.delete()  # Django deletes the tasks, then the project
    kept = Task.all_objects.filter(deleted_at__isnull=False).count()

    app = Project.objects.create(name="app")
    Task.objects.create(project=app, title="api")
    with connection.cursor() as cursor:  # no Django at all
        cursor.execute(
            f"DELETE FROM {Project._meta.db_table} WHERE id = %s",
            [app.pk],
        )
    raw_kept = Task.all_objects.filter(project=app).deleted().count()

    Project.objects.create(name="site")  # the name is free again
    restored = Project.all_objects.filter(pk=app.pk).undelete()
    Task.all_objects.filter(project=app).undelete()
    tasks = Task.objects.filter(project=app).count()
    old_site = Project.all_objects.deleted().get(name="site")
    late = refused(
        lambda: Task.objects.create(project=old_site, title="late"),
        "under a soft-deleted",
    )
    counts = [Project.objects.count(), Project.all_objects.count()]
    erased, _ = pgtrigger.hard_delete(old_site)  # really
    return [
        check(kept == 2, "site.delete() soft-deleted its 2 tasks"),
        check(raw_kept == 1, "a raw SQL DELETE cascaded too"),
        check(counts[0] == 2, "objects hides the old site"),
        check(counts[1] == 3, "all_objects shows it"),
        check(restored == 1, "undelete() restored app"),
        check(tasks == 1, "and its task"),
        late,
        check(erased == 3, "hard_delete() erased the old site, 2 tasks"),
    ]


# --8<-- [end:demo]
