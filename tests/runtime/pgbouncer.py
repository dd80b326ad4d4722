"""A real PgBouncer in transaction-pooling mode, in front of the test database.

The Debian package ``pgbouncer`` provides the binary (``.ci/run`` installs it). The pooler
listens on a free localhost port and passes every database name through to the server Django's
``default`` alias uses, with a pool of two server connections, so that two clients' transactions
take turns on the same server sessions.
"""

from __future__ import annotations

import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import time
from typing import Any

BINARY_PATHS = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
POOL_SIZE = 2


def binary() -> str | None:
    """The pgbouncer executable, or None when it is not installed."""
    return shutil.which("pgbouncer") or next(
        (path for path in BINARY_PATHS if os.access(path, os.X_OK)), None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as(host: str) -> str | None:
    """The system user pgbouncer switches to: it refuses to run as root.

    For a server on a unix socket, the owner of the socket's directory (the embedded server's
    data directory is private to its user); for a TCP server, ``nobody``.
    """
    if os.getuid() != 0:
        return None
    if host.startswith("/"):
        return pwd.getpwuid(pathlib.Path(host).stat().st_uid).pw_name
    return "nobody"


def _quote(value: str) -> str:
    """A pgbouncer connection-string or auth-file value, double-quoted."""
    return '"' + value.replace('"', '""') + '"'


class PgBouncer:
    """A pgbouncer process in front of the server of ``settings_dict`` (a Django alias's)."""

    def __init__(self, settings_dict: dict[str, Any], workdir: pathlib.Path) -> None:
        self.settings_dict = settings_dict
        self.workdir = workdir
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> pathlib.Path:
        s = self.settings_dict
        host = s["HOST"] or "localhost"
        server = f"host={host} port={s['PORT'] or 5432}"
        if s.get("PASSWORD"):
            server += f" password={s['PASSWORD']}"
        user = s["USER"] or pwd.getpwuid(os.getuid()).pw_name
        (self.workdir / "users.txt").write_text(
            f"{_quote(user)} {_quote(s.get('PASSWORD') or '')}\n"
        )
        config = self.workdir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = {server}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.workdir / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {POOL_SIZE}\n"
            "max_client_conn = 100\n"
            f"logfile = {self.workdir / 'pgbouncer.log'}\n"
        )
        return config

    def start(self, executable: str) -> None:
        config = self.write_config()
        command = [executable, "-q", str(config)]
        user = _run_as(self.settings_dict["HOST"] or "")
        if user is not None:
            command[1:1] = ["-u", user]
            entry = pwd.getpwnam(user)
            for path in [self.workdir, *self.workdir.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen on port {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.workdir / "pgbouncer.log"
        stderr = ""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            stderr = self.process.stderr.read().decode(errors="replace")
        return stderr + (path.read_text() if path.exists() else "")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def settings(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` (a Django alias's settings) routed through the pooler."""
        return {**base, "HOST": "127.0.0.1", "PORT": str(self.port)}
