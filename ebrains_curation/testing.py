"""Helpers to test your own code against a local KG sandbox, over real HTTP.

With a context manager::

    from ebrains_curation.testing import run_sandbox

    with run_sandbox() as kg:                   # 127.0.0.1, random port, in-memory SQLite
        client = kg.client("alice")             # a KGClient with alice's token
        ...

With pytest, import the fixtures into your ``conftest.py``::

    from ebrains_curation.testing import kg_sandbox, kg_sandbox_factory  # noqa: F401

    def test_upload(kg_sandbox):
        client = kg_sandbox.client("alice")

``kg_sandbox`` is one sandbox per test session; ``kg_sandbox_factory(**options)``
starts a fresh one (its own users, faults, database) that is stopped after the test.
The default users are ``alice`` (editor of ``collab-demo``), ``bob`` (viewer of
``collab-demo``) and ``curator`` (owner of every space), each with a random token.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_USERS",
    "SandboxInfo",
    "fairgraph_classes",
    "kg_sandbox",
    "kg_sandbox_factory",
    "run_sandbox",
]

DEFAULT_USERS: dict[str, Any] = {
    "users": [
        {"username": "alice", "name": "Alice Liddell", "spaces": {"collab-demo": "editor"}},
        {"username": "bob", "name": "Bob Builder", "spaces": {"collab-demo": "viewer"}},
        {"username": "curator", "name": "Kay Curator", "spaces": {"*": "owner"}},
    ]
}


@dataclass
class SandboxInfo:
    """A running sandbox: its ``url`` (``http://127.0.0.1:PORT``), ``tokens`` per user, and the ``server``."""

    url: str
    tokens: dict[str, str]
    server: Any

    @property
    def base_url(self) -> str:
        """The ``/v3/`` API root."""
        return self.url + "/v3/"

    def client(self, user: str = "alice", **kwargs: Any) -> Any:
        """A :class:`~ebrains_curation.kg.KGClient` authenticated as ``user`` (fast retries by default)."""
        from .kg.client import KGClient

        kwargs.setdefault("backoff", 0.01)
        if "token_provider" not in kwargs:
            kwargs.setdefault("token", self.tokens[user])
        return KGClient(self.url, **kwargs)

    def issue_token(self, user: str, *, ttl: float | None = None, max_uses: int | None = None) -> str:
        """A new token for ``user`` (optionally expiring after ``ttl`` seconds or ``max_uses`` requests)."""
        return str(self.server.users.issue_token(user, ttl=ttl, max_uses=max_uses))


@contextlib.contextmanager
def run_sandbox(
    users: Any = None,
    *,
    version: str = "v4",
    db: str | Path = ":memory:",
    seed: bool = True,
    rate_503: float = 0.0,
    drop_rate: float = 0.0,
    latency_ms: float = 0.0,
    fault_seed: int | None = None,
) -> Iterator[SandboxInfo]:
    """Start a sandbox on 127.0.0.1 (random port) in a background thread; stop it on exit."""
    from .kg.sandbox import Faults, SandboxServer

    faults = Faults(rate_503=rate_503, drop_rate=drop_rate, latency_ms=latency_ms, seed=fault_seed)
    server = SandboxServer(
        "127.0.0.1",
        0,
        db=db,
        users=DEFAULT_USERS if users is None else users,
        version=version,
        seed=seed,
        faults=faults,
    )
    server.start()
    try:
        yield SandboxInfo(server.url, server.tokens, server)
    finally:
        server.stop()


def _registry_name(cls: Any) -> str:
    path = getattr(cls, "preferred_import_path", None)
    if isinstance(path, str):
        return path
    return ".".join([*cls.__module__.split(".")[:3], cls.__name__])


def _rebind_property_types() -> None:
    """Point every resolved openMINDS property at the class the registry now holds under that name."""
    from openminds.registry import registry

    classes = {id(c): c for c in registry["names"].values()}
    for cls in list(classes.values()):
        for prop in [*getattr(cls, "properties", []), *getattr(cls, "reverse_properties", [])]:
            if getattr(prop, "_resolved_types", False):
                prop._types = tuple(
                    registry["names"].get(_registry_name(t), t) if isinstance(t, type) else t
                    for t in prop._types
                )


@contextlib.contextmanager
def fairgraph_classes() -> Iterator[None]:
    """Let fairgraph 0.16 work in a process that also uses the ``openminds`` classes (as this package does).

    fairgraph registers its classes in the ``openminds`` class registry under the names of
    the openMINDS classes and shares their property objects, which cache the classes they
    resolve to. Whichever was imported or used last wins, so fairgraph's queries break
    (``'Affiliation' has no attribute 'generate_query_properties'``) once openMINDS
    classes have been used. Inside this block fairgraph's classes are in place; on exit
    the openMINDS ones are back.
    """
    import importlib
    import pkgutil

    from openminds.registry import register_class, registry

    fairgraph_v4 = importlib.import_module("fairgraph.openminds.v4")
    for info in pkgutil.walk_packages(fairgraph_v4.__path__, "fairgraph.openminds.v4."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__ and hasattr(obj, "type_"):
                register_class(obj)  # by name and by type, as fairgraph's own import does
    _rebind_property_types()
    try:
        yield
    finally:
        # put the openMINDS class back under every name fairgraph took (keep names registered meanwhile)
        for name, cls in list(registry["names"].items()):
            if cls.__module__.startswith("fairgraph."):
                module, _, attr = name.rpartition(".")
                original = getattr(importlib.import_module(module), attr, None) if module else None
                if original is None:
                    del registry["names"][name]
                else:
                    registry["names"][name] = original
        for by_type in registry["types"].values():
            for type_, cls in list(by_type.items()):
                if cls.__module__.startswith("fairgraph."):
                    original = registry["names"].get(_registry_name(cls))
                    if original is None or original.__module__.startswith("fairgraph."):
                        del by_type[type_]
                    else:
                        by_type[type_] = original
        _rebind_property_types()


try:  # the fixtures need pytest, which is a test-only dependency
    import pytest
except ImportError:  # pragma: no cover
    pass
else:

    @pytest.fixture(scope="session")
    def kg_sandbox() -> Iterator[SandboxInfo]:
        """One KG sandbox for the whole test session (default users, no faults)."""
        with run_sandbox() as info:
            yield info

    @pytest.fixture
    def kg_sandbox_factory() -> Iterator[Callable[..., SandboxInfo]]:
        """Start fresh sandboxes with :func:`run_sandbox` options; all are stopped after the test."""
        with contextlib.ExitStack() as stack:
            yield lambda **options: stack.enter_context(run_sandbox(**options))
