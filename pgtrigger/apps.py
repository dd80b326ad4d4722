from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from pgtrigger import meta
from pgtrigger import settings as pgtrigger_settings

# Model classes are created after app configs are imported: let them declare Meta.triggers.
if pgtrigger_settings.model_meta():
    meta.allow_meta_triggers()


def _install_on_migrate(using: str, **kwargs: Any) -> None:
    if pgtrigger_settings.install_on_migrate():
        from pgtrigger import installation

        installation.install(database=using)


class PgtriggerConfig(AppConfig):
    name = "pgtrigger"
    verbose_name = "pgtrigger"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from pgtrigger import (
            checks,  # noqa: F401 - registers the system checks
            migrations,
        )

        if pgtrigger_settings.migrations():
            migrations.install_autodetector()

        # Run once, after every app has migrated.
        post_migrate.connect(_install_on_migrate, sender=self, dispatch_uid="pgtrigger-install")
