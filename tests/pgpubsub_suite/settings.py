"""Settings for django-pgpubsub 1.3.1's own test suite, run unchanged on this package.

Its test app is ``pgpubsub.tests``, whose label ("tests") is that of this suite's app: it runs
in a pytest process of its own (see ``test_pgpubsub_suite.py``), on the test server.
"""

import os

from cookbook import database

try:  # pgpubsub uses psycopg2 unless told otherwise
    import psycopg2  # noqa: F401
except ImportError:
    os.environ.setdefault("PGPUBSUB_USE_PSYCOPG_V3", "True")

SECRET_KEY = "pgtrigger-pgpubsub-suite"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "pgtrigger",
    "pgpubsub",
    "pgpubsub.tests",
]
# The suite's server (PGTRIGGER_TEST_SERVER, set by tests/settings.py), a test database of its own.
DATABASES = database.django_databases(
    "default", server=os.environ.get("DATABASE_URL") or os.environ["PGTRIGGER_TEST_SERVER"]
)
DATABASES["default"]["TEST"] = {"NAME": f"test_pgpubsub_{os.getpid()}"}
# The legacy name that settings built with dj-database-url < 1.0 give: Django's load_backend()
# maps it, and so must this package (it used to fail django.setup()).
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql_psycopg2"
