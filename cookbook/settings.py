"""Settings for running the cookbook (``python -m cookbook``): nothing to configure."""

from cookbook import database

SECRET_KEY = "pgtrigger-cookbook"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.postgres",  # SearchVectorField (required from Django 6.0)
    "pgtrigger",
    "cookbook",
]
DATABASES = database.django_databases("default")
