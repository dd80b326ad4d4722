from django.apps import AppConfig


class ReliabilityTestsConfig(AppConfig):
    name = "tests.reliability"
    label = "reliability_tests"
    default_auto_field = "django.db.models.AutoField"
