"""Standalone Django settings for the benchmarks (DATABASE_URL or an embedded PostgreSQL)."""

from cookbook import database

SECRET_KEY = "pgtrigger-benchmarks"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "pgtrigger", "benchmarks"]
try:  # benchmarks.alternatives: django-simple-history (the "bench" extra) needs auth's User
    import simple_history  # noqa: F401
except ImportError:
    pass
else:
    INSTALLED_APPS += ["django.contrib.auth", "simple_history"]
DATABASES = database.django_databases("default")
PGTRIGGER_MIGRATIONS = False  # tables come from syncdb; triggers are installed explicitly
