from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

from pgtrigger import meta
from pgtrigger import settings as pgtrigger_settings

# Model classes are created after app configs are imported: let them declare Meta.triggers.
if pgtrigger_settings.model_meta():
    meta.allow_meta_triggers()


def _install_on_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """Install every trigger once ``migrate`` is done with all apps.

    Django sends ``post_migrate`` once per app that has a models module (pgtrigger has none),
    in ``INSTALLED_APPS`` order: install on the last one.
    """
    if not pgtrigger_settings.install_on_migrate():
        return
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if with_models and sender.label == with_models[-1].label:
        from pgtrigger import installation

        installation.install_present(database=using)


class PgtriggerConfig(AppConfig):
    name = "pgtrigger"
    verbose_name = "pgtrigger"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from pgtrigger import (
            checks,  # noqa: F401 - registers the system checks
            migrations,
            schema_editor,
        )

        # Both integrations read their setting (PGTRIGGER_MIGRATIONS, PGTRIGGER_SCHEMA_EDITOR)
        # when they run, so they are always composed in.
        migrations.install_autodetector()
        schema_editor.install_schema_editor()

        post_migrate.connect(_install_on_migrate, dispatch_uid="pgtrigger-install")
