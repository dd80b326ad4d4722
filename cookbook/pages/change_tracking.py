"""Change tracking: record old and new values of chosen fields.

`pgtrigger.TrackChanges` is statement-level: a bulk update of any number
of rows writes its events with one `INSERT ... SELECT` from the
transition tables.
"""

# --8<-- [start:models]
from django.db import models

import pgtrigger


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
                to=FieldChange,
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check

    Employee.objects.bulk_create(
        [
            Employee(name=name, salary=100, title="engineer")
            for name in ("ada", "bob", "cy")
        ]
    )
    Employee.objects.update(salary=models.F("salary") + 10)
    ada = Employee.objects.filter(name="ada")
    ada.update(title="lead", name="Ada")
    events = list(
        FieldChange.objects.order_by("id").values_list(
            "field", "old_value", "new_value"
        )
    )
    return [
        check(
            events.count(("salary", 100, 110)) == 3,
            "3 salary changes from one bulk update",
        ),
        check(
            events[-1] == ("title", "engineer", "lead"),
            "ada's title change (name untracked)",
        ),
    ]


# --8<-- [end:demo]
