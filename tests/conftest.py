import pytest
from django.db import connection

# pytester runs inner pytest sessions (tests/test_pytest_plugin.py).
pytest_plugins = ["pytester"]


@pytest.fixture
def run_sql():
    """Execute SQL on the default connection and return the rows, if any."""

    def run(query, params=None):
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    return run


@pytest.fixture
def install(db):
    """Install a trigger for the test; the test transaction's rollback removes it."""

    def _install(model, trigger):
        trigger.install(model)
        return trigger

    return _install
