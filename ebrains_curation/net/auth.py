"""Where bearer tokens come from, and how they are renewed (one provider serves the KG and the Data Proxy).

A *token provider* is any callable that returns a fresh access token. Clients call
it lazily (never in their constructor) and once more after a 401; a provider that
has an ``invalidate(token)`` method is told which token was refused, so that it
fetches a new one instead of serving the cached one again.

Providers here:

* :func:`env_token` (``KG_AUTH_TOKEN``) and :func:`file_token`: a token made elsewhere.
* :class:`UserLogin`: the person who ran ``ebrains-curation login`` (OAuth2 device
  flow, RFC 8628); tokens live in a per-user cache file (mode 0600, written
  atomically) and are refreshed before they expire.
* :class:`ClientCredentials`: a service account, for unattended jobs.

:func:`default_provider` picks one from the environment. Tokens are never logged,
shown in a ``repr`` or put in an error message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import atomic_write
from ..errors import AuthError
from .http import BearerToken

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_IAM_URL",
    "ClientCredentials",
    "DeviceCode",
    "IAMConfig",
    "TokenCache",
    "TokenManager",
    "TokenProvider",
    "TokenSet",
    "UserLogin",
    "default_provider",
    "device_login",
    "env_token",
    "file_token",
    "jwt_claims",
]

TokenProvider = Callable[[], str]

#: EBRAINS IAM (Keycloak realm ``hbp``); override with ``EBRAINS_IAM_URL``
DEFAULT_IAM_URL = "https://iam.ebrains.eu/auth/realms/hbp"
#: the public device-flow client of the official KG Python SDK (kg-core / fairgraph); see the README
DEFAULT_CLIENT_ID = "kg-core-python"
#: EBRAINS IAM token endpoint (kept for compatibility)
IAM_TOKEN_ENDPOINT = DEFAULT_IAM_URL + "/protocol/openid-connect/token"
#: refresh a token when less than this many seconds of life are left
REFRESH_MARGIN = 60.0

_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


# -- simple providers --------------------------------------------------------------------------------
def env_token(variable: str = "KG_AUTH_TOKEN") -> TokenProvider:
    """A provider that reads the token from an environment variable each time it is asked."""

    def provider() -> str:
        value = os.environ.get(variable, "").strip()
        if not value:
            raise AuthError(
                f"No access token: set the {variable} environment variable (an EBRAINS token, e.g. from "
                "the KG Editor or the EBRAINS Lab), or run 'ebrains-curation login'"
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
            raise AuthError(f"Cannot read the token file {p}: {exc.strerror}") from None
        if not value:
            raise AuthError(f"The token file {p} is empty")
        return value

    provider.__qualname__ = f"file_token({str(p)!r})"
    return provider


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token ({} when the token is not a JWT); no signature check."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


# -- configuration -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IAMConfig:
    """Where EBRAINS IAM is and which OAuth2 client we are.

    ``url`` is the Keycloak realm (env ``EBRAINS_IAM_URL``), ``client_id`` the public
    device-flow client (env ``EBRAINS_IAM_CLIENT_ID``, default :data:`DEFAULT_CLIENT_ID`),
    ``scopes`` space-separated (env ``EBRAINS_IAM_SCOPES``; empty: the client's defaults).
    """

    url: str = DEFAULT_IAM_URL
    client_id: str = DEFAULT_CLIENT_ID
    scopes: str = ""
    timeout: float = 30.0

    @classmethod
    def from_env(cls, **overrides: Any) -> IAMConfig:
        """Settings from the environment, then ``overrides`` (None values ignored)."""
        values: dict[str, Any] = {
            "url": os.environ.get("EBRAINS_IAM_URL") or DEFAULT_IAM_URL,
            "client_id": os.environ.get("EBRAINS_IAM_CLIENT_ID") or DEFAULT_CLIENT_ID,
            "scopes": os.environ.get("EBRAINS_IAM_SCOPES", ""),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def token_endpoint(self) -> str:
        return self.url.rstrip("/") + "/protocol/openid-connect/token"

    @property
    def device_endpoint(self) -> str:
        return self.url.rstrip("/") + "/protocol/openid-connect/auth/device"

    @property
    def userinfo_endpoint(self) -> str:
        return self.url.rstrip("/") + "/protocol/openid-connect/userinfo"

    def post(self, url: str, data: dict[str, str], what: str) -> tuple[int, dict[str, Any]]:
        """POST a form to IAM; (status, JSON body). Connection failures become :class:`AuthError`."""
        import requests

        try:
            resp = requests.post(url, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            raise AuthError(
                f"Cannot reach EBRAINS IAM at {self.url} for {what}: {type(exc).__name__}"
            ) from None
        try:
            body = resp.json()
        except ValueError:
            body = {}
        return resp.status_code, body if isinstance(body, dict) else {}


def _iam_error(body: dict[str, Any], status: int) -> str:
    code = str(body.get("error") or f"HTTP {status}")
    desc = body.get("error_description")
    return f"{code} ({desc})" if desc else code


# -- token sets and their cache ---------------------------------------------------------------------
@dataclass
class TokenSet:
    """An access token, its refresh token and when each expires (epoch seconds; None: never/unknown)."""

    access_token: str = field(repr=False)
    access_expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: float | None = None
    iam_url: str = ""
    client_id: str = ""

    @classmethod
    def from_response(cls, body: dict[str, Any], config: IAMConfig, old: TokenSet | None = None) -> TokenSet:
        """From a token-endpoint answer; keeps the old refresh token when none comes back (RFC 6749 §6)."""
        now = time.time()
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthError("EBRAINS IAM answered without an access token")
        expires_in = body.get("expires_in")
        exp = (
            now + float(expires_in) if isinstance(expires_in, (int, float)) else jwt_claims(access).get("exp")
        )
        refresh = body.get("refresh_token") or (old.refresh_token if old else None)
        r_in = body.get("refresh_expires_in")
        if body.get("refresh_token"):
            # Keycloak reports 0 for an offline token, which does not expire
            r_exp = now + float(r_in) if isinstance(r_in, (int, float)) and r_in > 0 else None
        else:
            r_exp = old.refresh_expires_at if old else None
        return cls(
            access,
            float(exp) if exp else None,
            refresh,
            r_exp,
            iam_url=config.url,
            client_id=config.client_id,
        )

    def access_valid(self, margin: float = REFRESH_MARGIN) -> bool:
        """Whether the access token has more than ``margin`` seconds left (unknown expiry: yes)."""
        return self.access_expires_at is None or self.access_expires_at - time.time() > margin

    def refresh_valid(self) -> bool:
        """Whether there is a refresh token that has not expired."""
        if not self.refresh_token:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at > time.time()

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "access_expires_at": self.access_expires_at,
                "refresh_token": self.refresh_token,
                "refresh_expires_at": self.refresh_expires_at,
                "iam_url": self.iam_url,
                "client_id": self.client_id,
            },
            indent=1,
        )


def default_cache_path() -> Path:
    """``$EBRAINS_CURATION_TOKEN_CACHE``, else ``$XDG_CONFIG_HOME/ebrains-curation/tokens.json``."""
    explicit = os.environ.get("EBRAINS_CURATION_TOKEN_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "ebrains-curation" / "tokens.json"


class TokenCache:
    """The per-user token file: JSON, mode 0600 in a 0700 folder, replaced atomically.

    An unreadable, corrupt or foreign file (another IAM or client id) counts as "not logged in".
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path is not None else default_cache_path()

    def load(self, config: IAMConfig | None = None) -> TokenSet | None:
        """The cached tokens, or None."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
            tokens = TokenSet(
                str(data["access_token"]),
                data.get("access_expires_at"),
                data.get("refresh_token"),
                data.get("refresh_expires_at"),
                iam_url=str(data.get("iam_url", "")),
                client_id=str(data.get("client_id", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if config is not None and (tokens.iam_url, tokens.client_id) != (config.url, config.client_id):
            return None
        return tokens

    def save(self, tokens: TokenSet) -> None:
        """Write the tokens (0600 file through mkstemp + rename; the folder is created 0700)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(self.path, tokens.to_json())  # mkstemp creates the file 0600
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    def delete(self) -> bool:
        """Forget the login; True if there was a file."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"


# -- the device flow --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceCode:
    """What IAM answered to a device authorization request (the device code stays private)."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: float
    interval: float


def _start_device_flow(config: IAMConfig) -> DeviceCode:
    data = {"client_id": config.client_id}
    if config.scopes:
        data["scope"] = config.scopes
    status, body = config.post(config.device_endpoint, data, "a device login")
    if status != 200 or "device_code" not in body:
        raise AuthError(
            f"EBRAINS IAM refused to start a device login for client {config.client_id!r}: "
            f"{_iam_error(body, status)}. Is the device flow enabled for this client?"
        )
    uri = str(body.get("verification_uri", ""))
    return DeviceCode(
        str(body["device_code"]),
        str(body.get("user_code", "")),
        uri,
        str(body.get("verification_uri_complete") or uri),
        float(body.get("expires_in") or 600),
        float(body.get("interval") or 5),
    )


def device_login(
    config: IAMConfig | None = None,
    *,
    show: Callable[[DeviceCode], None] = lambda code: None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> TokenSet:
    """Run the OAuth2 device flow (RFC 8628) and return the tokens.

    ``show`` is called once with the link and code to present to the person. Polls
    every ``interval`` seconds, adds 5 s on ``slow_down`` (RFC 8628 §3.5), and stops
    with an :class:`AuthError` when the person refuses or the code expires.
    """
    config = config or IAMConfig.from_env()
    code = _start_device_flow(config)
    show(code)
    interval = code.interval
    deadline = clock() + code.expires_in
    data = {"grant_type": _DEVICE_GRANT, "client_id": config.client_id, "device_code": code.device_code}
    while True:
        if clock() + interval > deadline:
            raise AuthError("The login code expired before the login was approved; run the login again")
        sleep(interval)
        status, body = config.post(config.token_endpoint, data, "a device login")
        if status == 200:
            return TokenSet.from_response(body, config)
        error = body.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5.0
            continue
        if error == "expired_token":
            raise AuthError("The login code expired before the login was approved; run the login again")
        if error == "access_denied":
            raise AuthError("The login was refused in the browser")
        raise AuthError(f"EBRAINS IAM refused the login: {_iam_error(body, status)}")


def refresh_tokens(tokens: TokenSet, config: IAMConfig) -> TokenSet:
    """New tokens from the refresh token (raises :class:`AuthError` when IAM refuses it)."""
    if not tokens.refresh_valid():
        raise AuthError("Your EBRAINS login has expired: run 'ebrains-curation login' again")
    data = {
        "grant_type": "refresh_token",
        "client_id": config.client_id,
        "refresh_token": str(tokens.refresh_token),
    }
    status, body = config.post(config.token_endpoint, data, "a token refresh")
    if status != 200:
        raise AuthError(
            f"EBRAINS IAM refused to renew your login ({_iam_error(body, status)}): "
            "run 'ebrains-curation login' again"
        )
    return TokenSet.from_response(body, config, old=tokens)


def userinfo(access_token: str, config: IAMConfig | None = None) -> dict[str, Any]:
    """The IAM userinfo of the token's owner (``sub``, ``preferred_username``, ``name``…)."""
    import requests

    config = config or IAMConfig.from_env()
    try:
        resp = requests.get(
            config.userinfo_endpoint,
            auth=BearerToken(access_token),
            timeout=config.timeout,
        )
    except requests.RequestException as exc:
        raise AuthError(f"Cannot reach EBRAINS IAM at {config.url}: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise AuthError(f"EBRAINS IAM did not accept the token (HTTP {resp.status_code}); log in again")
    body = resp.json()
    return body if isinstance(body, dict) else {}


# -- providers with renewal --------------------------------------------------------------------------
class UserLogin:
    """The logged-in person's tokens from the cache, refreshed (and re-cached) before they expire.

    Thread-safe: when many upload threads need a token at once, one refresh serves them all.
    """

    def __init__(
        self,
        config: IAMConfig | None = None,
        cache: TokenCache | None = None,
        *,
        margin: float = REFRESH_MARGIN,
    ):
        self.config = config or IAMConfig.from_env()
        self.cache = cache or TokenCache()
        self.margin = margin
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None
        self._stale: str | None = None
        #: how many times the tokens were refreshed by this provider
        self.refreshes = 0

    def tokens(self) -> TokenSet:
        """The current tokens (refreshed first if the access token is about to expire)."""
        with self._lock:
            tokens = self._tokens or self.cache.load(self.config)
            if tokens is None:
                raise AuthError("You are not logged in to EBRAINS: run 'ebrains-curation login'")
            if not tokens.access_valid(self.margin) or tokens.access_token == self._stale:
                tokens = refresh_tokens(tokens, self.config)
                self.refreshes += 1
                self.cache.save(tokens)
            self._tokens = tokens
            return tokens

    def __call__(self) -> str:
        return self.tokens().access_token

    def invalidate(self, token: str) -> None:
        """The server refused ``token``: the next call refreshes."""
        with self._lock:
            self._stale = token

    def __repr__(self) -> str:
        return f"UserLogin(client_id={self.config.client_id!r}, cache={str(self.cache.path)!r})"


class ClientCredentials:
    """OAuth2 client-credentials flow against EBRAINS IAM (a service account, for unattended jobs).

    The token is kept until less than a minute of it is left (or a server refuses it).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_endpoint: str = IAM_TOKEN_ENDPOINT,
        timeout: float = 30.0,
        scopes: str = "",
    ):
        self.client_id = client_id
        self._secret = client_secret
        self.token_endpoint = token_endpoint
        self.timeout = timeout
        self.scopes = scopes
        self._tokens: TokenSet | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._tokens is None or not self._tokens.access_valid():
                self._tokens = self._fetch()
            return self._tokens.access_token

    def _fetch(self) -> TokenSet:
        realm = self.token_endpoint.split("/protocol/")[0]
        config = IAMConfig(url=realm, client_id=self.client_id, timeout=self.timeout)
        data = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        if self.scopes:
            data["scope"] = self.scopes
        status, body = config.post(self.token_endpoint, data, "client credentials")
        if status != 200:
            raise AuthError(
                f"EBRAINS IAM refused the client credentials of {self.client_id!r} "
                f"(HTTP {status}: {_iam_error(body, status)})"
            )
        return TokenSet.from_response(body, config)

    def invalidate(self, token: str) -> None:
        """The server refused ``token``: the next call fetches a new one."""
        with self._lock:
            if self._tokens is not None and self._tokens.access_token == token:
                self._tokens = None

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, token_endpoint={self.token_endpoint!r})"


def default_provider(config: IAMConfig | None = None, cache: TokenCache | None = None) -> TokenProvider:
    """The token source for this environment, in this order.

    1. ``KG_AUTH_TOKEN`` (a token made elsewhere, re-read each time);
    2. ``EBRAINS_CLIENT_ID`` + ``EBRAINS_CLIENT_SECRET``: a service account (client credentials);
    3. the cache written by ``ebrains-curation login``.
    Raises :class:`AuthError` (saying what to do) when none is available.
    """
    if os.environ.get("KG_AUTH_TOKEN", "").strip():
        return env_token("KG_AUTH_TOKEN")
    config = config or IAMConfig.from_env()
    client_id = os.environ.get("EBRAINS_CLIENT_ID", "").strip()
    secret = os.environ.get("EBRAINS_CLIENT_SECRET", "").strip()
    if client_id and secret:
        return ClientCredentials(client_id, secret, config.token_endpoint, config.timeout, config.scopes)
    cache = cache or TokenCache()
    if cache.load(config) is None:
        raise AuthError(
            "No EBRAINS login: run 'ebrains-curation login', set KG_AUTH_TOKEN, or set "
            "EBRAINS_CLIENT_ID and EBRAINS_CLIENT_SECRET for a service account"
        )
    return UserLogin(config, cache)


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
        """The current token (asks the provider the first time).

        A renewing provider (one with ``invalidate``, e.g. :class:`UserLogin`) is asked
        every time: it keeps its token and renews it shortly *before* it expires.
        """
        if self._provider is not None and callable(getattr(self._provider, "invalidate", None)):
            token = self._provider()
            self._token = token
            return token
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
                invalidate = getattr(self._provider, "invalidate", None)
                if stale is not None and callable(invalidate):
                    invalidate(stale)
                self._token = self._provider()
        return True

    def __repr__(self) -> str:
        source = (
            getattr(self._provider, "__qualname__", type(self._provider).__name__)
            if self._provider
            else "static"
        )
        return f"<TokenManager {source}>"
