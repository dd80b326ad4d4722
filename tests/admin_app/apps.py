from django.apps import AppConfig


class AdminTestsConfig(AppConfig):
    name = "tests.admin_app"
    label = "admin_tests"
    default_auto_field = "django.db.models.AutoField"
