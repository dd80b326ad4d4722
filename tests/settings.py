"""Settings for the test suite: a real PostgreSQL (``DATABASE_URL`` or an embedded server)."""

import django

from cookbook import database

SECRET_KEY = "pgtrigger-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "pgtrigger",
    "tests",
    "tests.contrib",
    "tests.runtime",
    "tests.reliability",
    "cookbook",
]
if django.VERSION >= (5, 2):
    INSTALLED_APPS.append("tests.composite")
DATABASES = database.django_databases("default", "other")
# Triggers are installed by the test app's migrations, as in a real project.
PGTRIGGER_INSTALL_ON_MIGRATE = False
