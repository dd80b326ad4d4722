from django.apps import AppConfig


class ContribTestsConfig(AppConfig):
    name = "tests.contrib"
    label = "contrib_tests"
    default_auto_field = "django.db.models.AutoField"
