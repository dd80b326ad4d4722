from django.apps import AppConfig


class PgtriggerAdminConfig(AppConfig):
    name = "pgtrigger.contrib.admin"
    label = "pgtrigger_admin"
    verbose_name = "Triggers"
    default_auto_field = "django.db.models.AutoField"
