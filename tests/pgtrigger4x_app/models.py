"""An app whose migrations django-pgtrigger 4.17.0 wrote: it stands for an installed package.

Its files (``migrations/0*.py``) are committed exactly as 4.17.0's ``makemigrations`` wrote them
(``scripts/regenerate_pgtrigger4x_app.py``). The declarations cover what 4.x offers: every
recipe, the conditions, ``UpdateOf``, statement level with transition tables, deferred timing
and ``Func`` templates. Only 4.x's API is used, so the file imports under both packages.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

import pgtrigger


class Author(models.Model):
    name = models.CharField(max_length=64)


class Book(models.Model):
    title = models.CharField(max_length=128)
    status = models.CharField(max_length=16, default="draft")
    price = models.IntegerField(default=0)
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL)
    edits = models.IntegerField(default=0)
    summary = models.TextField(default="")
    notes = models.TextField(default="", db_column="book_notes")
    updated_at = models.DateTimeField(auto_now=True)
    search = SearchVectorField(null=True)

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="protect_published_delete",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="published"),
            ),
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[("draft", "review"), ("review", "published"), ("review", "draft")],
            ),
            pgtrigger.UpdateSearchVector(
                name="search_vector", vector_field="search", document_fields=["title", "summary"]
            ),
            pgtrigger.Trigger(
                name="bump_edits",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("title", "price"),
                func="NEW.edits := OLD.edits + 1; RETURN NEW;",
            ),
            pgtrigger.Trigger(
                name="no_negative_price",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("price"),
                condition=pgtrigger.Q(new__price__lt=0),
                func="RAISE EXCEPTION 'negative price'; RETURN NEW;",
            ),
            pgtrigger.Trigger(
                name="price_drop",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition('OLD."price" > NEW."price"'),
                func="RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="author_or_status",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=(
                    pgtrigger.Q(old__author__df=pgtrigger.F("new__author"))
                    | ~pgtrigger.Q(old__status__ndf=pgtrigger.F("new__status"))
                )
                & pgtrigger.Q(new__title__startswith="A'b"),
                func="RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="q_values",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(new__price__in=[1, 2, 3], new__notes__isnull=False)
                | pgtrigger.Q(new__price__gt=pgtrigger.F("old__price") + 10),
                func="RETURN NEW;",
            ),
            pgtrigger.Trigger(
                name="all_change",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AllChange("title", "notes"),
                func="RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="any_dont_change",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyDontChange(exclude=["edits"], exclude_auto=True),
                func="RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="all_dont_change",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AllDontChange("price"),
                func="RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="any_change_all",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(),
                func="RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="func_template",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=[("suffix", "TEXT"), ("n", "INTEGER")],
                func=pgtrigger.Func(
                    "suffix := '';\n"
                    "n := 0;\n"
                    "NEW.{columns.notes} := NEW.{columns.notes} || suffix;\n"
                    "RETURN NEW;"
                ),
            ),
            pgtrigger.Trigger(
                name="statement_inserts",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func="PERFORM count(*) FROM new_rows; RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="deferred_check",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update,
                timing=pgtrigger.Deferred,
                func=(
                    "IF NEW.title = '' THEN RAISE EXCEPTION 'title required'; END IF; RETURN NULL;"
                ),
            ),
            pgtrigger.Protect(
                name="protect_price_bulk",
                level=pgtrigger.Statement,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(new__price__gt=1000000),
            ),
            pgtrigger.Composer(
                name="composer_statement",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(new__status="banned"),
                func=pgtrigger.Func(
                    "IF EXISTS (SELECT 1 FROM {cond_new_values}) THEN"
                    " RAISE EXCEPTION 'banned'; END IF; RETURN NULL;"
                ),
            ),
            pgtrigger.Composer(
                name="composer_levels",
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                func={
                    pgtrigger.Row: "RETURN NULL;",
                    pgtrigger.Statement: "RETURN NULL;",
                },
            ),
        ]


class Shelf(models.Model):
    label = models.CharField(max_length=32)
    is_active = models.BooleanField(default=True)
    position = models.IntegerField(default=0)

    class Meta:
        triggers = [
            pgtrigger.SoftDelete(name="soft_delete", field="is_active"),
            pgtrigger.ReadOnly(name="read_only_label", fields=["label"]),
        ]


class Ledger(models.Model):
    entry = models.CharField(max_length=32)
    state = models.CharField(max_length=16, default="open", null=True)

    class Meta:
        triggers = [
            pgtrigger.ReadOnly(name="read_only_all"),
            pgtrigger.ReadOnly(name="read_only_exclude", exclude=["state"]),
            pgtrigger.SoftDelete(name="soft_close", field="state", value="closed"),
            pgtrigger.Protect(
                name="protect_inserts_bulk", level=pgtrigger.Statement, operation=pgtrigger.Insert
            ),
            pgtrigger.Protect(
                name="protect_deletes_bulk", level=pgtrigger.Statement, operation=pgtrigger.Delete
            ),
        ]
