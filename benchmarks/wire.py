"""Count round trips on the wire: a TCP proxy in front of the database server.

A round trip is a request that the server answers in full, with a ReadyForQuery message: a
simple Query message, or the Sync that closes an extended-protocol request. A pipelined or
multi-statement request is one, however many messages and TCP segments it takes, and a Flush
sent after it (psycopg 3 sends Sync, then Flush) is not another. Counted from the client's
messages, so the count does not depend on how the bytes happen to be split in time.
Driver-independent, it counts what the network sees.
"""

from __future__ import annotations

import selectors
import socket
import threading
from typing import Any

_REQUESTS = (b"Q", b"S")  # the messages the server answers with ReadyForQuery
# Untyped messages before the StartupMessage: SSLRequest and GSSENCRequest.
_NEGOTIATIONS = (80877103, 80877104)


class WireCounter:
    """Proxy 127.0.0.1:``port`` to the server of a Django ``settings_dict``; keep the messages
    clients sent (``(type, payload)``, since the last ``reset``) and count their round trips."""

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        host, port = settings_dict["HOST"] or "localhost", int(settings_dict["PORT"] or 5432)
        self.upstream: str | tuple[str, int] = (
            f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
        )
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = int(self.listener.getsockname()[1])
        self.messages: list[tuple[bytes, bytes]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def settings(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` (a Django alias's settings) routed through the proxy."""
        return {**base, "HOST": "127.0.0.1", "PORT": str(self.port)}

    @property
    def round_trips(self) -> int:
        with self._lock:
            return sum(kind in _REQUESTS for kind, _ in self.messages)

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            if isinstance(self.upstream, str):
                server = socket.socket(socket.AF_UNIX)
                server.connect(self.upstream)
            else:
                server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        messages = _Messages()
        try:
            while True:
                for key, _ in selector.select():
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is client:
                        framed = messages.feed(data)
                        with self._lock:
                            self.messages += framed
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            client.close()
            server.close()


class _Messages:
    """Frames the client's side of the protocol into typed messages."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.startup = True  # untyped messages until the StartupMessage

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """The messages ``data`` completes, as ``(type, payload)``; the start-up messages
        (untyped) are left out."""
        self.buffer += data
        found = []
        while True:
            header = 4 if self.startup else 5
            if len(self.buffer) < header:
                return found
            length = int.from_bytes(self.buffer[header - 4 : header], "big")
            size = length if self.startup else 1 + length
            if len(self.buffer) < size:
                return found
            if self.startup:
                code = int.from_bytes(self.buffer[4:8], "big")
                self.startup = code in _NEGOTIATIONS
            else:
                found.append((bytes(self.buffer[:1]), bytes(self.buffer[5:size])))
            del self.buffer[:size]
