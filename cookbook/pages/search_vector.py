"""UpdateSearchVector: a full-text search column the database keeps current.

`pgtrigger.UpdateSearchVector` sets a `SearchVectorField` from document
fields on every insert and update, so full-text search needs no
application code to stay in sync.
"""

# --8<-- [start:models]
from django.contrib.postgres.search import SearchVectorField
from django.db import models

import pgtrigger


class Note(models.Model):
    title = models.CharField(max_length=64)
    body = models.TextField(default="")
    search = SearchVectorField(null=True)

    class Meta:
        triggers = [
            pgtrigger.UpdateSearchVector(
                name="note_search",
                vector_field="search",
                document_fields=["title", "body"],
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from django.contrib.postgres.search import SearchQuery

    from cookbook.show import check

    Note.objects.create(
        title="Postgres triggers", body="They run in the database."
    )
    Note.objects.create(title="Groceries", body="apples, running shoes")
    Note.objects.filter(title="Groceries").update(body="apples")
    found = list(
        Note.objects.filter(search=SearchQuery("running")).values_list(
            "title", flat=True
        )
    )
    return [
        check(
            found == ["Postgres triggers"],
            f"search for 'running' finds {found}",
        )
    ]


# --8<-- [end:demo]
