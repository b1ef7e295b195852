"""A local KG-compatible sandbox: a WSGI app over SQLite, served by a real threaded HTTP server.

::

    from ebrains_curation.kg.sandbox import SandboxServer

    with SandboxServer(port=0) as server:           # 127.0.0.1, a free port, in-memory DB
        print(server.url, server.tokens["alice"])   # http://127.0.0.1:PORT  and a bearer token
        client = server.client("alice")

The app answers under ``/v3/`` and ``/v3-beta/`` (see :mod:`.app` for what it
implements and simplifies). ``ebrains-curation kg serve`` runs the same server in
the foreground; :mod:`ebrains_curation.testing` wraps it for pytest.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from .app import SandboxApp
from .server import Faults, ThreadedWSGIServer
from .store import Store
from .users import User, UserDirectory

__all__ = ["Faults", "SandboxApp", "SandboxServer", "Store", "User", "UserDirectory", "make_app"]

log = logging.getLogger("ebrains_curation.kg.sandbox")


def make_app(
    db: str | Path = ":memory:",
    users: UserDirectory | dict[str, Any] | list[Any] | str | Path | None = None,
    *,
    version: str = "v4",
    seed: bool = True,
    with_atlases: bool = False,
) -> SandboxApp:
    """Build the WSGI app: open (or create) the database, load users, seed the openMINDS terms."""
    from ..seed import seed_terms

    store = Store(str(db))
    if seed:
        seed_terms(store, version, with_atlases=with_atlases)
    return SandboxApp(store, _users(users))


def _users(users: Any) -> UserDirectory:
    if users is None:
        return UserDirectory.default()
    if isinstance(users, UserDirectory):
        return users
    if isinstance(users, (str, Path)):
        return UserDirectory.load(users)
    return UserDirectory.from_config(users)


class SandboxServer:
    """The sandbox on a real socket, in a background thread (:meth:`start`) or the foreground.

    ``port=0`` picks a free port. ``db`` is ``":memory:"`` or a SQLite file that keeps
    the data across restarts. ``users`` is a :class:`UserDirectory`, a users-file path
    or its parsed content (default: ``alice`` and ``curator`` with random tokens).
    ``faults`` injects 503s, dropped connections and latency.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        db: str | Path = ":memory:",
        users: Any = None,
        version: str = "v4",
        seed: bool = True,
        with_atlases: bool = False,
        faults: Faults | None = None,
    ):
        self.app = make_app(db, users, version=version, seed=seed, with_atlases=with_atlases)
        self.faults = faults or Faults()
        self._httpd = ThreadedWSGIServer((host, port), self.app, self.faults)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://host:port`` (the API is under ``/v3/`` and ``/v3-beta/``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def requests_seen(self) -> int:
        """How many HTTP requests the server has received so far."""
        return self._httpd.requests_seen

    @property
    def store(self) -> Store:
        """The SQLite store."""
        return self.app.store

    @property
    def users(self) -> UserDirectory:
        """The users and tokens (issue or revoke tokens while the server runs)."""
        return self.app.users

    @property
    def tokens(self) -> dict[str, str]:
        """username → a valid bearer token."""
        return self.app.users.tokens_by_user()

    def client(self, user: str | None = None, **kwargs: Any) -> Any:
        """A :class:`~ebrains_curation.kg.KGClient` for this server, authenticated as ``user``."""
        from ..client import KGClient

        tokens = self.tokens
        name = user or next(iter(tokens))
        return KGClient(self.url, token=tokens[name], **kwargs)

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="kg-sandbox",
                daemon=True,
            )
            self._thread.start()
            log.info("KG sandbox listening on %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        try:
            self._httpd.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, close connections and the database."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()
        self.app.store.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SandboxServer {self.url} db={self.app.store.path!r}>"
