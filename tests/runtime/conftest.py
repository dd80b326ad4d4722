import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.db import connections

from tests.runtime import pgbouncer as pgbouncer_harness


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup):
    """A PgBouncer in transaction-pooling mode in front of the test database."""
    executable = pgbouncer_harness.binary()
    if executable is None:
        reason = "PgBouncer is not installed (Debian package pgbouncer; .ci/run installs it)"
        if os.environ.get("PGTRIGGER_REQUIRE_PGBOUNCER"):  # set by .ci/run: never skip there
            pytest.fail(reason)
        pytest.skip(reason)
    # Not under pytest's tmp_path: its parents are private to this user, and pgbouncer runs as
    # another user when the tests run as root.
    workdir = Path(tempfile.mkdtemp(prefix="pgtrigger-pgbouncer-"))
    bouncer = pgbouncer_harness.PgBouncer(connections["default"].settings_dict, workdir)
    try:
        bouncer.start(executable)
        yield bouncer
    finally:
        bouncer.stop()
        shutil.rmtree(workdir, ignore_errors=True)
