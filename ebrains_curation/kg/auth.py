"""Where the client's bearer token comes from, and how it is renewed.

A *token provider* is any callable that returns a fresh access token. The
client calls it lazily (never in its constructor) and once more when the KG
answers 401, which is how short-lived EBRAINS tokens are renewed mid-run.
Tokens are never logged or shown in a ``repr``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from .errors import KGConfigurationError

__all__ = ["ClientCredentials", "TokenProvider", "env_token", "file_token"]

TokenProvider = Callable[[], str]

#: EBRAINS IAM token endpoint (Keycloak realm ``hbp``)
IAM_TOKEN_ENDPOINT = "https://iam.ebrains.eu/auth/realms/hbp/protocol/openid-connect/token"


def env_token(variable: str = "KG_AUTH_TOKEN") -> TokenProvider:
    """A provider that reads the token from an environment variable each time it is asked."""

    def provider() -> str:
        value = os.environ.get(variable, "").strip()
        if not value:
            raise KGConfigurationError(
                f"No KG access token: set the {variable} environment variable (an EBRAINS token, e.g. from "
                "the KG Editor or the EBRAINS Lab)"
            )
        return value

    provider.__qualname__ = f"env_token({variable!r})"
    return provider


def file_token(path: str | Path) -> TokenProvider:
    """A provider that reads the token from a file each time (so a renewed file is picked up)."""
    p = Path(path).expanduser()

    def provider() -> str:
        try:
            value = p.read_text("utf-8").strip()
        except OSError as exc:
            raise KGConfigurationError(f"Cannot read the KG token file {p}: {exc.strerror}") from None
        if not value:
            raise KGConfigurationError(f"The KG token file {p} is empty")
        return value

    provider.__qualname__ = f"file_token({str(p)!r})"
    return provider


class ClientCredentials:
    """OAuth2 client-credentials flow against EBRAINS IAM (for unattended scripts and services)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_endpoint: str = IAM_TOKEN_ENDPOINT,
        timeout: float = 30.0,
    ):
        self.client_id = client_id
        self._secret = client_secret
        self.token_endpoint = token_endpoint
        self.timeout = timeout

    def __call__(self) -> str:
        import requests

        resp = requests.post(
            self.token_endpoint,
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._secret,
            },
            timeout=self.timeout,
        )
        if resp.status_code != 200:
            raise KGConfigurationError(
                f"EBRAINS IAM refused the client credentials of {self.client_id!r} (HTTP {resp.status_code})"
            )
        return str(resp.json()["access_token"])

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, token_endpoint={self.token_endpoint!r})"


class TokenManager:
    """Holds the current token; asks the provider for one lazily and on refresh (thread-safe)."""

    def __init__(self, token: str | None = None, provider: TokenProvider | None = None):
        self._token = token
        self._provider = provider
        self._lock = threading.Lock()

    @property
    def can_refresh(self) -> bool:
        """Whether a 401 can be answered by asking for a new token."""
        return self._provider is not None

    def get(self) -> str | None:
        """The current token (asks the provider the first time)."""
        if self._token is None and self._provider is not None:
            with self._lock:
                if self._token is None:
                    self._token = self._provider()
        return self._token

    def refresh(self, stale: str | None) -> bool:
        """Replace ``stale`` with a fresh token from the provider; False if there is no provider.

        When several threads hit a 401 with the same stale token, only the first asks.
        """
        if self._provider is None:
            return False
        with self._lock:
            if self._token == stale:
                self._token = self._provider()
        return True

    def __repr__(self) -> str:
        source = (
            getattr(self._provider, "__qualname__", type(self._provider).__name__)
            if self._provider
            else "static"
        )
        return f"<TokenManager {source}>"
