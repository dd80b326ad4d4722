"""Change tracking: record old and new values of chosen fields.

`pgtrigger.TrackChanges` is statement-level: a bulk update of any number of rows writes its
events with one `INSERT ... SELECT` from the transition tables.
"""

from django.db import models

import pgtrigger
from cookbook.show import check


class FieldChange(models.Model):
    object_pk = models.TextField()
    field = models.TextField()
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_at = models.DateTimeField(null=True)


class Employee(models.Model):
    name = models.CharField(max_length=32)
    salary = models.IntegerField()
    title = models.CharField(max_length=32)

    class Meta:
        triggers = [
            pgtrigger.TrackChanges(
                name="track_salary_and_title",
                fields=["salary", "title"],
                to="cookbook.FieldChange",
            )
        ]


def demo() -> list[str]:
    Employee.objects.bulk_create(
        [Employee(name=n, salary=100, title="engineer") for n in ("ada", "bob", "cy")]
    )
    Employee.objects.update(salary=models.F("salary") + 10)
    Employee.objects.filter(name="ada").update(title="lead", name="Ada")
    events = list(FieldChange.objects.order_by("id").values_list("field", "old_value", "new_value"))
    return [
        check(events.count(("salary", 100, 110)) == 3, "3 salary changes from one bulk update"),
        check(events[-1] == ("title", "engineer", "lead"), "ada's title change (name untracked)"),
    ]
