"""Sync fields: denormalized values kept right by the database.

`pgtrigger.SyncField` keeps a column equal to an expression of its row (a
lower-cased copy, a computed total). `pgtrigger.SyncAggregate` keeps a
parent column equal to an aggregate of its children (here, a count and a
sum).
"""

# --8<-- [start:models]
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower

import pgtrigger


class Author(models.Model):
    email = models.CharField(max_length=64)
    email_lower = models.CharField(max_length=64, default="")
    book_count = models.IntegerField(default=0)
    total_pages = models.IntegerField(null=True)

    class Meta:
        triggers = [
            pgtrigger.SyncField(
                name="sync_email_lower",
                field="email_lower",
                expression=Lower("email"),
            ),
        ]


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    pages = models.IntegerField()
    price = models.IntegerField(default=0)
    copies = models.IntegerField(default=0)
    stock_value = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.SyncField(
                name="sync_stock_value",
                field="stock_value",
                expression=F("price") * F("copies"),
            ),
            pgtrigger.SyncAggregate(
                name="sync_book_count",
                fk="author",
                parent_field="book_count",  # count(*) by default
            ),
            pgtrigger.SyncAggregate(
                name="sync_total_pages",
                fk="author",
                parent_field="total_pages",
                aggregate="sum",
                of="pages",
            ),
        ]


# --8<-- [end:models]


# --8<-- [start:demo]
def demo() -> list[str]:
    from cookbook.show import check

    author = Author.objects.create(email="Grace@Example.COM")
    Book.objects.create(author=author, pages=100, price=3, copies=10)
    Book.objects.create(author=author, pages=250)
    author.refresh_from_db()
    book = Book.objects.get(pages=100)
    return [
        check(
            author.email_lower == "grace@example.com",
            "email_lower follows email",
        ),
        check(
            author.book_count == 2 and author.total_pages == 350,
            "author: 2 books, 350 pages",
        ),
        check(book.stock_value == 30, "stock_value = price * copies = 30"),
    ]


# --8<-- [end:demo]
