"""The threaded HTTP server both local sandboxes (KG, Data Proxy + IAM) are built on.

It keeps track of its open keep-alive connections so that stopping a sandbox can close them
(otherwise a client's idle connection keeps a handler thread waiting), and treats a client
that hangs up as normal rather than printing a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["TrackedThreadingHTTPServer"]


class TrackedThreadingHTTPServer(ThreadingHTTPServer):
    """A thread-per-connection server that can close every open connection when it stops."""

    daemon_threads = True
    allow_reuse_address = True
    #: where connection problems are logged (each sandbox names its own logger)
    log: logging.Logger = logging.getLogger("ebrains_curation.net.serving")

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]):
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up (timeout, dropped connection) is normal here: no traceback on stderr
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            self.log.debug("connection from %s ended: %r", client_address, exc)
        else:
            self.log.exception("sandbox error serving %s", client_address)

    def close_connections(self) -> None:
        """Close every open keep-alive connection (used when stopping)."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
