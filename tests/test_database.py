"""The throwaway server of ``cookbook/database.py`` goes away with the process that booted it,
however that process ends."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
BOOT_AND_DIE = """
import os, sys
sys.path.insert(0, sys.argv[1])
from cookbook import database
url = database.url()
print(url, flush=True)
os._exit(0)  # no atexit handler runs: the server's own clean-up is skipped
"""


def _running(pgdata: pathlib.Path) -> bool:
    try:
        os.kill(int((pgdata / "postmaster.pid").read_text().split()[0]), 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def test_a_server_whose_owner_died_without_clean_up_is_removed():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-c", BOOT_AND_DIE, str(REPO)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    # The URL names the socket directory, next to pgdata in the server's temporary directory.
    servers = pathlib.Path(tempfile.gettempdir()).glob("pgtrigger-*/pgdata")
    found = [pgdata for pgdata in servers if pgdata.parent.name in out]
    assert found, out
    (pgdata,) = found
    deadline = time.monotonic() + 30
    while (_running(pgdata) or pgdata.parent.exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(pgdata)
    assert not pgdata.parent.exists()
