from django.apps import AppConfig


class CompositeTestsConfig(AppConfig):
    """Models with composite primary keys (Django 5.2+ only)."""

    name = "tests.composite"
    label = "composite_tests"
    default_auto_field = "django.db.models.AutoField"
