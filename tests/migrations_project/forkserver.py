"""``python -m django`` without paying for Python's start and Django's imports on every command.

Most of a short management command's time is the interpreter starting and importing Django and
the driver. A server process does those imports once; each command is a child forked from it,
which then sets up Django from the project's settings exactly as ``python -m django`` does: the
app registry, the settings and the models are the child's own, never the server's (it only
imports modules that need no settings). The child's output goes to files the caller reads.

Commands that need a fresh interpreter (``PYTHON*`` environment variables such as
``PYTHONHASHSEED``) are run as subprocesses by the caller instead.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading

SERVER = r"""
import json, os, sys, traceback

import django.core.management
import django.db.migrations.autodetector
import django.db.models
try:
    import psycopg  # the driver's import is a large part of the start-up
except ImportError:
    pass

MAIN = os.path.join(os.path.dirname(django.__file__), "__main__.py")


def child(request):
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, name, flags in (
        (0, "stdin", os.O_RDONLY),
        (1, "stdout", os.O_WRONLY | os.O_TRUNC),
        (2, "stderr", os.O_WRONLY | os.O_TRUNC),
    ):
        os.dup2(os.open(request[name], flags), fd)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    sys.path[:0] = request["path"]
    sys.dont_write_bytecode = True
    sys.argv = [MAIN, *request["args"]]
    code = 0
    try:
        django.core.management.execute_from_command_line(sys.argv)
    except SystemExit as exit:
        if isinstance(exit.code, int):
            code = exit.code
        elif exit.code is not None:
            print(exit.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


for line in iter(sys.stdin.readline, ""):
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            child(request)
        finally:
            os._exit(1)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class ForkServer:
    """One server per test process, started on first use; one command at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def _server(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
            env.pop("PYTHONPATH", None)
            self._process = subprocess.Popen(
                [sys.executable, "-c", SERVER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=tempfile.gettempdir(),
                env=env,
                text=True,
            )
            atexit.register(self.close)
        return self._process

    def close(self) -> None:
        """Stop the server (it exits when its input closes) and reap it."""
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)
            self._process = None

    def _reply(self, server: subprocess.Popen[str]) -> dict:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line:
            self._process = None
            raise RuntimeError(f"the fork server exited ({server.wait()})")
        return json.loads(line)

    def run(
        self,
        args: list[str],
        cwd: pathlib.Path,
        env: dict[str, str],
        path: list[str],
        input: str | None,
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        """``python -m django *args`` in ``cwd``, with ``path`` ahead of ``sys.path``."""
        with tempfile.TemporaryDirectory(prefix="pgtrigger-cmd-") as tmp:
            files = {name: pathlib.Path(tmp, name) for name in ("stdin", "stdout", "stderr")}
            files["stdin"].write_text(input or "")
            files["stdout"].touch()
            files["stderr"].touch()
            request = {
                "args": args,
                "cwd": str(cwd),
                "env": env,
                "path": path,
                **{name: str(file) for name, file in files.items()},
            }
            server = self._server()
            assert server.stdin is not None
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            pid = self._reply(server)["pid"]
            expired = threading.Event()

            def kill() -> None:
                expired.set()
                os.kill(pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                returncode = self._reply(server)["returncode"]
            finally:
                timer.cancel()
            if expired.is_set():
                raise subprocess.TimeoutExpired(args, timeout)
            return subprocess.CompletedProcess(
                args, returncode, files["stdout"].read_text(), files["stderr"].read_text()
            )


SERVER_PROCESS = ForkServer()
