"""A real multi-threaded HTTP/1.1 server for the sandbox, with fault injection.

The server is the standard library's ``ThreadingHTTPServer`` with a small WSGI
gateway that keeps connections alive (so clients reuse them, as with the real KG
behind its gateway) and can misbehave on purpose: answer 503, drop the
connection before or after handling the request, or add latency.
"""

from __future__ import annotations

import contextlib
import io
import logging
import random
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Faults", "ThreadedWSGIServer"]

log = logging.getLogger("ebrains_curation.kg.sandbox")


@dataclass
class Faults:
    """Misbehaviour injected into API requests (``/v3…`` paths).

    ``rate_503``: share of requests answered ``503 Service Unavailable`` without being handled.
    ``drop_rate``: share of requests whose connection is closed with no response; half of
    them are dropped *after* the request was handled, as when a gateway times out while
    the KG goes on writing. ``latency_ms``: added to every request.
    """

    rate_503: float = 0.0
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in ("rate_503", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        """Whether any fault is configured."""
        return bool(self.rate_503 or self.drop_rate or self.latency_ms)

    def decide(self) -> str | None:
        """None, "503", "drop-before" or "drop-after" for the next request."""
        with self._lock:
            r = self._rng.random()
            if r < self.rate_503:
                return "503"
            if r < self.rate_503 + self.drop_rate:
                return "drop-before" if self._rng.random() < 0.5 else "drop-after"
            return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # errors on a malformed request line are answered with a status line (the base class's
    # default, HTTP/0.9, would send a bare HTML page)
    default_request_version = "HTTP/1.0"
    raw_requestline: bytes
    _headers_buffer: list[bytes]
    server_version = "ebrains-curation-kg-sandbox"
    timeout = 120  # idle keep-alive connections end eventually
    disable_nagle_algorithm = True  # small JSON answers must not wait for delayed ACKs
    server: ThreadedWSGIServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def parse_request(self) -> bool:
        words = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n").split()
        if words and len(words) != 3:
            # HTTP/0.9 ("GET /path") has no headers to wait for, and the base class would answer
            # it (or any malformed line) without a status line: answer in HTTP/1.0 and close
            self.command, self.request_version = words[0], "HTTP/1.0"
            self.path = words[1] if len(words) > 1 else ""
            self.requestline = " ".join(words)[:200]
            self.close_connection = True
            why = "HTTP/0.9 requests are not supported" if len(words) == 2 else "Bad request line"
            self.send_error(400, why)
            return False
        return super().parse_request()

    def _refuse(self, status: int, message: str) -> None:
        """Answer without reading the body, then close (the unread body cannot be skipped safely)."""
        self.close_connection = True
        self._send(status, [("Content-Type", "text/plain"), ("Connection", "close")], message.encode())

    def _read_body(self) -> bytes | None:
        """The request body within the server's size and time limits; None once refused."""
        server = self.server
        raw = self.headers.get("Content-Length")
        if raw is None:
            if self.headers.get("Transfer-Encoding"):
                self._refuse(
                    411, "Chunked request bodies are not supported by the sandbox: send Content-Length"
                )
                return None
            return b""
        if not raw.strip().isdigit() or not raw.strip().isascii():
            self._refuse(400, f"Invalid Content-Length: {raw[:40]!r}")
            return None
        length = int(raw.strip())
        if length > server.max_body:
            self._refuse(
                413, f"The request body is {length} bytes, over the sandbox limit of {server.max_body} bytes"
            )
            return None
        chunks: list[bytes] = []
        deadline = time.monotonic() + server.body_timeout
        left = length
        while left > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._refuse(408, f"The request body did not arrive within {server.body_timeout:g} s")
                return None
            self.connection.settimeout(min(remaining, self.timeout or remaining))
            try:
                chunk = self.rfile.read1(min(left, 65536))
            except TimeoutError:
                continue
            if not chunk:
                self.close_connection = True
                return None  # the client went away mid-body: nothing to answer
            chunks.append(chunk)
            left -= len(chunk)
        self.connection.settimeout(self.timeout)
        return b"".join(chunks)

    def _handle(self) -> None:
        server = self.server
        path, _, query = self.path.partition("?")
        with server._conn_lock:
            server.requests_seen += 1
        body = self._read_body()
        if body is None:
            return
        faults = server.faults
        action = None
        if faults.active and path.startswith("/v3"):
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000.0)
            action = faults.decide()
        if action == "drop-before":
            self._drop()
            return
        if action == "503":
            self._send(
                503, [("Content-Type", "text/plain")], b"Service Unavailable (injected by the sandbox)"
            )
            return
        environ = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "SERVER_NAME": server.server_address[0],
            "SERVER_PORT": str(server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[name] = value
        status_line = "500 Internal Server Error"
        headers: list[tuple[str, str]] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> None:
            nonlocal status_line, headers
            status_line, headers = status, response_headers

        try:
            chunks = server.app(environ, start_response)
            data = b"".join(chunks)
        except Exception:
            log.exception("sandbox error on %s %s", self.command, path)
            status_line, headers, data = (
                "500 Internal Server Error",
                [("Content-Type", "text/plain")],
                b"Internal error",
            )
        if action == "drop-after":
            self._drop()
            return
        self._send(
            int(status_line.split()[0]), [h for h in headers if h[0].lower() != "content-length"], data
        )

    def _send(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        # headers and body in one write (one TCP segment for small answers)
        buffer: list[bytes] = self._headers_buffer  # BaseHTTPRequestHandler's own
        buffer.append(b"\r\n")
        if self.command != "HEAD":
            buffer.append(data)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class ThreadedWSGIServer(ThreadingHTTPServer):
    """A thread-per-connection HTTP/1.1 server for one WSGI app."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    #: largest request body accepted (the KG's spring.codec.max-in-memory-size is 20 MB)
    max_body = 20 * 1024 * 1024
    #: seconds a request body may take to arrive (slow senders must not hold a thread forever)
    body_timeout = 30.0

    def __init__(self, address: tuple[str, int], app: Callable[..., Any], faults: Faults | None = None):
        self.app = app
        self.faults = faults or Faults()
        self._connections: set[socket.socket] = set()
        #: number of HTTP requests received (faulty ones included), for tests and benchmarks
        self.requests_seen = 0
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

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
            log.debug("connection from %s ended: %r", client_address, exc)
        else:
            log.exception("sandbox error serving %s", client_address)

    def close_connections(self) -> None:
        """Close every open keep-alive connection (used when stopping)."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
