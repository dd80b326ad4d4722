"""Settings for the test suite: a real PostgreSQL (``DATABASE_URL`` or an embedded server)."""

import os

import django

from cookbook import database

SECRET_KEY = "pgtrigger-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # SearchVectorField (required from Django 6.0)
    "pgtrigger",
    "tests",
    "tests.contrib",
    "tests.runtime",
    "tests.reliability",
    "cookbook",
    "pghistory",  # django-pghistory 3.9.2, unchanged (tests/pghistory_app)
    "tests.pghistory_app",
    "pgtrigger.contrib.admin",  # the admin app (tests/admin_app)
    "tests.admin_app",
]
# The admin of tests/admin_app, driven by its tests and end-to-end in a browser.
ROOT_URLCONF = "tests.admin_app.urls"
STATIC_URL = "/static/"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
if django.VERSION >= (5, 2):
    INSTALLED_APPS.append("tests.composite")
# One embedded server per run: pytest-xdist workers inherit the URL of the server that the
# controller booted (their test databases get a per-worker suffix) instead of booting their own.
# Not DATABASE_URL: the demo and benchmark subprocesses of the tests keep their own servers.
if not os.environ.get("DATABASE_URL") and not os.environ.get("PGTRIGGER_TEST_SERVER"):
    os.environ["PGTRIGGER_TEST_SERVER"] = database.url()
DATABASES = database.django_databases(
    "default", "other", server=os.environ.get("DATABASE_URL") or os.environ["PGTRIGGER_TEST_SERVER"]
)
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
