"""``UpdateSearchVector`` and ignoring: ``trigger.ignore(model)`` raises ``RuntimeError`` as in
4.x, while ``pgtrigger.ignore(uri)`` works (the function is ours, not the built-in one)."""

import pytest

import pgtrigger
from tests.contrib import models

pytestmark = pytest.mark.django_db

URI = "contrib_tests.Article:search"


def test_trigger_ignore_raises_runtime_error_as_in_4x():
    ((model, trigger),) = pgtrigger.registered(URI)
    with pytest.raises(RuntimeError, match="Cannot ignore UpdateSearchVector triggers"):
        trigger.ignore(model)


def test_pgtrigger_ignore_skips_the_search_vector_update():
    with pgtrigger.ignore(URI):
        ignored = models.Article.objects.create(title="ignored words")
    kept = models.Article.objects.create(title="kept words")
    vectors = dict(
        models.Article.objects.filter(pk__in=[ignored.pk, kept.pk]).values_list(
            "pk", "search_vector"
        )
    )
    assert vectors[ignored.pk] is None
    assert vectors[kept.pk]
