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
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from ...net.serving import TrackedThreadingHTTPServer

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
        coding = self.headers.get("Transfer-Encoding")
        if coding is not None:
            return self._read_chunked(coding, raw)
        if raw is None:
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

    def _read_chunked(self, coding: str, length: str | None) -> bytes | None:
        """A ``Transfer-Encoding: chunked`` body (the KG accepts it), within the same size and time limits."""
        codings = [c.strip().lower() for c in coding.split(",")]
        if length is not None or codings[-1] != "chunked":
            # both headers, or chunked not last: the body's end is ambiguous (request smuggling)
            self._refuse(400, "Transfer-Encoding must end with chunked and comes without Content-Length")
            return None
        if codings != ["chunked"]:
            self._refuse(501, f"Transfer-Encoding {coding[:60]!r}: only chunked is supported")
            return None
        reader = _ChunkedReader(self.rfile, self.connection, self.server.max_body, self.server.body_timeout)
        try:
            body = reader.read()
        except _BodyRefused as exc:
            self._refuse(exc.status, exc.message)
            return None
        except ConnectionError:
            body = None
        if body is None:
            self.close_connection = True  # the client went away mid-body: nothing to answer
            return None
        self.connection.settimeout(self.timeout)
        return body

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
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"):
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


class _BodyRefused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
#: longest chunk-size line (with extensions) and trailer line, and most trailer lines
_MAX_LINE = 4096
_MAX_TRAILERS = 64


class _ChunkedReader:
    """Reads one chunked body (RFC 9112 section 7.1) exactly: no byte of a next request is consumed.

    Every socket read waits at most until ``timeout`` seconds after the start (then 408);
    the data may total at most ``max_body`` bytes (then 413); malformed framing is a 400.
    """

    def __init__(self, rfile: Any, conn: socket.socket, max_body: int, timeout: float):
        self.rfile, self.conn, self.max_body, self.timeout = rfile, conn, max_body, timeout
        self.deadline = time.monotonic() + timeout

    def _late(self) -> _BodyRefused:
        return _BodyRefused(408, f"The request body did not arrive within {self.timeout:g} s")

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._late()
        self.conn.settimeout(remaining)

    def _line(self) -> bytes | None:
        """One CRLF-ended line without its CRLF (None: the client closed)."""
        line = bytearray()
        while True:
            self._arm()
            try:
                peeked = self.rfile.peek(1)  # at most one socket read, nothing consumed yet
            except TimeoutError:
                raise self._late() from None
            if not peeked:
                return None
            end = peeked.find(b"\n", 0, _MAX_LINE + 2 - len(line))
            line += self.rfile.read(end + 1 if end >= 0 else min(len(peeked), _MAX_LINE + 2 - len(line)))
            if end >= 0:
                if not line.endswith(b"\r\n"):
                    raise _BodyRefused(400, "Malformed chunked body: lines must end with CRLF")
                return bytes(line[:-2])
            if len(line) > _MAX_LINE:
                raise _BodyRefused(400, f"Malformed chunked body: a line longer than {_MAX_LINE} bytes")

    def _data(self, size: int, parts: list[bytes]) -> bool:
        """Read ``size`` bytes of chunk data into ``parts``; False if the client closed."""
        while size > 0:
            self._arm()
            try:
                piece = self.rfile.read1(min(size, 65536))
            except TimeoutError:  # the socket waited until the deadline (a timed-out socket cannot go on)
                raise self._late() from None
            if not piece:
                return False
            parts.append(piece)
            size -= len(piece)
        return True

    def read(self) -> bytes | None:
        """The de-chunked body, or None if the client closed the connection mid-body."""
        parts: list[bytes] = []
        total = 0
        while True:
            line = self._line()
            if line is None:
                return None
            size_text = line.split(b";", 1)[0].strip(b" \t")
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise _BodyRefused(400, f"Malformed chunked body: chunk size {size_text[:40]!r}")
            size = int(size_text, 16)
            total += size
            if total > self.max_body:
                raise _BodyRefused(
                    413, f"The request body is over the sandbox limit of {self.max_body} bytes"
                )
            if size == 0:
                break
            if not self._data(size, parts):
                return None
            end = self._line()
            if end is None:
                return None
            if end:
                raise _BodyRefused(400, "Malformed chunked body: chunk data longer than its size")
        for _ in range(_MAX_TRAILERS + 1):  # trailer fields, ignored, up to an empty line
            trailer = self._line()
            if trailer is None:
                return None
            if not trailer:
                return b"".join(parts)
        raise _BodyRefused(400, f"Malformed chunked body: more than {_MAX_TRAILERS} trailer lines")


class ThreadedWSGIServer(TrackedThreadingHTTPServer):
    """A thread-per-connection HTTP/1.1 server for one WSGI app."""

    log = log
    request_queue_size = 256

    #: largest request body accepted (the KG's spring.codec.max-in-memory-size is 20 MB)
    max_body = 20 * 1024 * 1024
    #: seconds a request body may take to arrive (slow senders must not hold a thread forever)
    body_timeout = 30.0

    def __init__(self, address: tuple[str, int], app: Callable[..., Any], faults: Faults | None = None):
        self.app = app
        self.faults = faults or Faults()
        #: number of HTTP requests received (faulty ones included), for tests and benchmarks
        self.requests_seen = 0
        super().__init__(address, _Handler)
