from django.apps import AppConfig


class PghistoryAppConfig(AppConfig):
    """django-pghistory 3.9.2, installed unchanged, tracking models of this package."""

    name = "tests.pghistory_app"
    label = "pghistory_app"
    default_auto_field = "django.db.models.AutoField"
