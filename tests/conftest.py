"""Shared pytest setup: the KG sandbox fixtures, and a guard that keeps tests off the network."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from ebrains_curation.testing import kg_sandbox, kg_sandbox_factory  # noqa: F401  (registers the fixtures)

# CI (``CI=true``, as .ci/run is run) draws the same hypothesis examples on every run, so a red run
# is reproducible and main is not turned red by chance; local runs keep drawing new examples (and
# keep the ones that failed in .hypothesis/), which is where new bugs are found.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")

#: Test modules that must run in a process of their own: importing fairgraph replaces the
#: ``openminds`` classes in openMINDS' global registry with its own, which breaks every later
#: test that uses openMINDS objects. tests/test_isolated.py runs each of them in a subprocess.
ISOLATED_MODULES = ("test_fairgraph.py",)
ISOLATED_ENV = "EBRAINS_CURATION_ISOLATED_RUN"


def pytest_ignore_collect(collection_path: Any, config: pytest.Config) -> bool | None:
    """Leave the isolated modules to their subprocess runner unless they are the run's target."""
    if collection_path.name in ISOLATED_MODULES and not os.environ.get(ISOLATED_ENV):
        return True
    return None


class NetworkBlockedError(RuntimeError):
    """A test tried to open a connection to a host other than this machine."""


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Block connections to anything but loopback (tests talk to the sandbox on 127.0.0.1 only)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(address: Any) -> None:
        if not _is_local(address):
            raise NetworkBlockedError(
                f"tests may not connect to {address!r}: only 127.0.0.1/localhost is allowed"
            )

    def connect(self: socket.socket, address: Any) -> Any:
        guard(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        guard(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield
