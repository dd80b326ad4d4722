"""``UpdateSearchVector``'s text search configuration: ``config_name`` (4.x) or ``config``."""

import pytest
from django.contrib.postgres.search import SearchQuery

import pgtrigger
from tests.contrib import models

pytestmark = pytest.mark.django_db


def simple_config_trigger(**config):
    # Named to sort after the model's own trigger: PostgreSQL fires BEFORE triggers by name.
    return pgtrigger.UpdateSearchVector(
        name="zz_simple", vector_field="search_vector", document_fields=["body"], **config
    )


@pytest.mark.parametrize("config", [{"config": "simple"}, {"config_name": "pg_catalog.simple"}])
def test_config_selects_the_text_search_configuration(install, config):
    install(models.Article, simple_config_trigger(**config))
    models.Article.objects.create(title="t", body="running databases")
    articles = models.Article.objects.filter
    # "simple" does not stem: the word is indexed as written.
    assert articles(search_vector=SearchQuery("running", config="simple")).count() == 1
    assert articles(search_vector=SearchQuery("run", config="simple")).count() == 0


def test_config_defaults_to_english_and_conflicts_are_refused():
    default = simple_config_trigger().compile(models.Article).sql.function
    assert "'pg_catalog.english'::regconfig" in default
    with pytest.raises(ValueError, match="config_name or config, not both"):
        simple_config_trigger(config="simple", config_name="english")


def test_update_search_vector():
    from django.contrib.postgres.search import SearchQuery

    models.Article.objects.create(title="Triggers everywhere", body=None)
    models.Article.objects.create(title="Other", body="running databases")
    found = models.Article.objects.filter(search_vector=SearchQuery("run"))
    assert list(found.values_list("title", flat=True)) == ["Other"]
