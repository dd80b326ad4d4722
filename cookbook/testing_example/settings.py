"""The cookbook's settings, with a test database of its own and no install by ``--run-syncdb``:
with ``--nomigrations``, the triggers in that database are the pytest plugin's work."""

import os

from cookbook.settings import *  # noqa: F403

DATABASES["default"]["TEST"] = {"NAME": f"pgtrigger_cookbook_tests_{os.getpid()}"}  # noqa: F405
PGTRIGGER_SCHEMA_EDITOR = False
