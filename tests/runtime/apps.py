from django.apps import AppConfig


class RuntimeTestsConfig(AppConfig):
    name = "tests.runtime"
    label = "runtime_tests"
    default_auto_field = "django.db.models.AutoField"
