"""Count round trips on the wire: a TCP proxy in front of the database server.

A round trip is a request the client sends once the server has answered the previous one in
full (its ReadyForQuery message), or at the connection's start, however many messages and TCP
segments it takes: a pipelined or multi-statement request is one, even when the server starts
answering a pipeline before the client has sent all of it. Driver-independent, it counts what
the network sees.
"""

from __future__ import annotations

import selectors
import socket
import threading
from typing import Any

_READY = b"Z\x00\x00\x00\x05"


class WireCounter:
    """Proxy 127.0.0.1:``port`` to the server of a Django ``settings_dict``; count round trips
    and keep what clients sent."""

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        host, port = settings_dict["HOST"] or "localhost", int(settings_dict["PORT"] or 5432)
        self.upstream: str | tuple[str, int] = (
            f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
        )
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = int(self.listener.getsockname()[1])
        self.round_trips = 0
        self.sent = bytearray()  # every byte clients sent, in order
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def settings(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` (a Django alias's settings) routed through the proxy."""
        return {**base, "HOST": "127.0.0.1", "PORT": str(self.port)}

    def reset(self) -> None:
        with self._lock:
            self.round_trips = 0
            self.sent.clear()

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
        answered, tail = True, b""  # the server is idle; the last bytes it sent
        try:
            while True:
                for key, _ in selector.select():
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is client:
                        with self._lock:
                            self.round_trips += answered
                            self.sent += data
                        answered = False
                    else:
                        # ReadyForQuery: 'Z', length 5 (then the status byte), maybe split
                        # across two reads.
                        answered = answered or _READY in tail + data
                        tail = (tail + data)[-len(_READY) :]
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            client.close()
            server.close()
