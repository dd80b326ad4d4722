"""Settings for the test suite: a real PostgreSQL (``DATABASE_URL`` or an embedded server)."""

import django

from cookbook import database

SECRET_KEY = "pgtrigger-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.postgres",  # SearchVectorField (required from Django 6.0)
    "pgtrigger",
    "tests",
    "tests.contrib",
    "tests.runtime",
    "tests.reliability",
    "cookbook",
    "pghistory",  # django-pghistory 3.9.2, unchanged (tests/pghistory_app)
    "tests.pghistory_app",
]
if django.VERSION >= (5, 2):
    INSTALLED_APPS.append("tests.composite")
DATABASES = database.django_databases("default", "other")
try:  # psycopg 3 only: a connection that binds parameters server-side (no multi-statements)
    import psycopg  # noqa: F401

    DATABASES["server_side_binding"] = {
        **DATABASES["default"],
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "server_side_binding": True},
        "TEST": {"MIRROR": "default"},
    }
except ImportError:
    pass
# Triggers are installed by the test app's migrations, as in a real project.
PGTRIGGER_INSTALL_ON_MIGRATE = False
