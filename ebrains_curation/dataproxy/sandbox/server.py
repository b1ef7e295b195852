"""The Data Proxy + IAM sandbox on a real socket: a threaded HTTP/1.1 server that streams bodies.

Unlike the KG sandbox's gateway, request bodies are handed to the app as a
stream (uploads of gigabytes go to disk, not memory), and responses may be
iterators (downloads). Faults are injected like the KG sandbox does: answer 503,
drop the connection before or after handling, add latency.
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
from pathlib import Path
from typing import IO, Any

from ...net.iam_sandbox import REALM_PATH, IAMSandbox
from ...net.serving import TrackedThreadingHTTPServer
from .app import DataProxyApp
from .store import ObjectStore

__all__ = ["DataProxySandbox", "Faults"]

log = logging.getLogger("ebrains_curation.dataproxy.sandbox")


@dataclass
class Faults:
    """Misbehaviour injected into Data Proxy requests (``/api/`` and the temporary URLs; IAM is spared).

    ``rate_503``: share answered 503 without being handled. ``drop_rate``: share whose
    connection is closed with no answer, half of them *after* the request was handled.
    ``latency_ms``: added to every request (a stand-in for the network's round trip).
    """

    rate_503: float = 0.0
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in ("rate_503", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
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


class _Body(io.RawIOBase):
    """At most ``length`` bytes of the request stream (the WSGI input)."""

    def __init__(self, rfile: IO[bytes] | io.BufferedIOBase, length: int):
        self._rfile = rfile
        self.left = length

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self._rfile.read(n)
        self.left -= len(data)
        return data

    def drain(self) -> None:
        while self.left > 0 and self.read(1 << 20):
            pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ebrains-curation-dataproxy-sandbox"
    timeout = 120
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        line = format % args
        if "Signature=" in line:  # like a real gateway, do not log the capability in a temporary URL
            line = re.sub(r"\?\S*", "?…", line, count=1)
        log.debug("%s %s", self.address_string(), line)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self) -> None:
        server = self.server
        path, _, query = self.path.partition("?")
        with server.lock:
            server.requests_seen += 1
        body = _Body(self.rfile, int(self.headers.get("Content-Length") or 0))
        action = None
        if server.faults.active and not path.startswith("/auth/"):
            if server.faults.latency_ms:
                time.sleep(server.faults.latency_ms / 1000.0)
            action = server.faults.decide()
        if action == "drop-before":
            self._drop()
            return
        if action == "503":
            body.drain()
            self._send(
                503, [("Content-Type", "text/plain")], [b"Service Unavailable (injected by the sandbox)"]
            )
            return
        environ = self._environ(path, query, body)
        status, headers, chunks = server.call(environ)
        body.drain()
        if action == "drop-after":
            with contextlib.suppress(Exception):
                for _ in chunks:
                    pass
            self._drop()
            return
        self._send(status, headers, chunks)

    def _environ(self, path: str, query: str, body: _Body) -> dict[str, Any]:
        from urllib.parse import unquote

        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote(path),
            "RAW_PATH": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(body.left),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "wsgi.input": body,
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
        return environ

    def _send(self, status: int, headers: list[tuple[str, str]], chunks: Any) -> None:
        self.send_response(status)
        known = {k.lower(): v for k, v in headers}
        for k, v in headers:
            self.send_header(k, v)
        if "content-length" not in known:
            data = b"".join(chunks)
            self.send_header("Content-Length", str(len(data)))
            chunks = [data]
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:
            self.wfile.write(chunk)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class _Server(TrackedThreadingHTTPServer):
    log = log
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], apps: list[tuple[str, Callable[..., Any]]], faults: Faults):
        self.apps = apps
        self.faults = faults
        self.requests_seen = 0
        self.lock = threading.Lock()
        super().__init__(address, _Handler)

    def call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], Any]:
        path = environ["PATH_INFO"]
        app = next((a for prefix, a in self.apps if path.startswith(prefix)), self.apps[-1][1])
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer[:] = [int(status.split()[0]), headers]

        try:
            chunks = app(environ, start_response)
        except Exception:
            log.exception("sandbox error on %s %s", environ["REQUEST_METHOD"], path)
            return 500, [("Content-Type", "text/plain")], [b"Internal error"]
        return answer[0], answer[1], chunks


class DataProxySandbox:
    """A local Data Proxy (``{url}/api/v1/…``) and EBRAINS IAM (``{url}/auth/realms/hbp``) on one port.

    ::

        with DataProxySandbox() as dp:
            token = dp.token("alice")
            client = DataProxyClient(dp.api_url, token=token)

    ``root`` keeps the objects on disk (a temporary folder when None). ``iam`` is an
    :class:`~ebrains_curation.net.iam_sandbox.IAMSandbox` (its lifetimes are
    configurable). ``extra_tokens`` maps other bearer tokens to users (e.g. the KG
    sandbox's), so one token can serve both, as a real EBRAINS token does.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        root: str | Path | None = None,
        iam: IAMSandbox | None = None,
        faults: Faults | None = None,
        url_ttl: float = 300.0,
        max_limit: int = 10_000,
        extra_tokens: Callable[[str], str | None] | None = None,
    ):
        self.iam = iam or IAMSandbox()
        self.store = ObjectStore(root)
        self.faults = faults or Faults()
        self._extra = extra_tokens
        self.app = DataProxyApp(self._verify, self.store, url_ttl=url_ttl, max_limit=max_limit)
        self._httpd = _Server((host, port), [(REALM_PATH, self.iam), ("/", self.app)], self.faults)
        self.iam.issuer = self.url + REALM_PATH
        self._thread: threading.Thread | None = None

    def _verify(self, token: str) -> str | None:
        user = self.iam.verify(token)
        if user is None and self._extra is not None:
            user = self._extra(token)
        return user

    @property
    def url(self) -> str:
        """``http://host:port``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Data Proxy API root (``…/api``), as ``https://data-proxy.ebrains.eu/api``."""
        return self.url + "/api"

    @property
    def iam_url(self) -> str:
        """The IAM realm URL, as ``https://iam.ebrains.eu/auth/realms/hbp``."""
        return self.url + REALM_PATH

    @property
    def requests_seen(self) -> int:
        """How many HTTP requests the server received."""
        return self._httpd.requests_seen

    def token(self, user: str = "alice", ttl: float | None = None) -> str:
        """A valid access token for ``user``."""
        return self.iam.issue_access(user, ttl)

    def start(self) -> DataProxySandbox:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="dp-sandbox",
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        try:
            self._httpd.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and close the store."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()
        self.store.close()

    def __enter__(self) -> DataProxySandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<DataProxySandbox {self.url}>"
