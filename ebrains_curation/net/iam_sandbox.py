"""A local imitation of EBRAINS IAM (Keycloak realm ``hbp``) for tests and the demo: a WSGI app.

It implements what our clients and the official ones use (see the reference notes):
discovery, the device authorization endpoint, the token endpoint (device code,
refresh token and client credentials grants), and userinfo. Access tokens are
three-part JWTs (HMAC-signed, with ``exp``, ``sub`` and ``preferred_username``) whose
payload decodes with plain base64 too, as ebrains-drive does it. Lifetimes are
configurable, so tests can make a token expire in the middle of a push.

Device logins are approved by code (:meth:`IAMSandbox.approve`) or automatically
for ``auto_approve`` (a user name) after ``approve_after_polls`` polls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

__all__ = ["REALM_PATH", "IAMSandbox"]

REALM_PATH = "/auth/realms/hbp"
_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

WSGIResponse = tuple[int, dict[str, Any]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class _Device:
    client_id: str
    user_code: str
    expires_at: float
    interval: float
    scope: str
    user: str | None = None
    denied: bool = False
    polls: int = 0
    last_poll: float = 0.0


@dataclass
class _Refresh:
    user: str
    client_id: str
    expires_at: float | None


@dataclass
class IAMSandbox:
    """The IAM imitation. ``users`` maps user names to display names; ``clients`` maps
    confidential client ids to secrets (service accounts; their tokens act as ``service-account-<id>``).

    ``access_ttl``, ``refresh_ttl`` (0: offline tokens that never expire), ``device_ttl``
    and ``interval`` are seconds. ``public_clients`` (None: any) are allowed the device flow.
    """

    users: dict[str, str] = field(
        default_factory=lambda: {"alice": "Alice Liddell", "curator": "Kay Curator"}
    )
    clients: dict[str, str] = field(default_factory=dict)
    public_clients: Iterable[str] | None = None
    access_ttl: float = 300.0
    refresh_ttl: float = 3600.0
    device_ttl: float = 600.0
    interval: float = 5.0
    auto_approve: str | None = None
    approve_after_polls: int = 1
    issuer: str = "http://127.0.0.1" + REALM_PATH
    #: called with (user, access token, lifetime in s) for every token issued: lets a KG sandbox accept them
    on_issue: Callable[[str, str, float], None] | None = None
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _devices: dict[str, _Device] = field(default_factory=dict, repr=False)
    _refresh: dict[str, _Refresh] = field(default_factory=dict, repr=False)
    _revoked: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: number of tokens issued per grant type (tests count refreshes)
    issued: dict[str, int] = field(default_factory=dict)

    # -- tokens --------------------------------------------------------------------------------------
    def issue_access(self, user: str, ttl: float | None = None, client_id: str = "sandbox") -> str:
        """A signed JWT access token for ``user`` valid ``ttl`` seconds (default ``access_ttl``)."""
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        exp = int(time.time() + (self.access_ttl if ttl is None else ttl))
        while True:  # a payload without "-" or "_" also decodes with plain base64 (ebrains-drive)
            claims = {
                "exp": exp,
                "iat": int(time.time()),
                "iss": self.issuer,
                "sub": hashlib.sha1(user.encode()).hexdigest(),
                "preferred_username": user,
                "name": self.users.get(user, user),
                "azp": client_id,
                "jti": secrets.token_hex(8),
            }
            payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
            if "-" not in payload and "_" not in payload:
                break
        signing = f"{header}.{payload}".encode()
        sig = _b64(hmac.new(self._key, signing, hashlib.sha256).digest())
        token = f"{header}.{payload}.{sig}"
        if self.on_issue is not None:
            self.on_issue(user, token, exp - time.time())
        return token

    def verify(self, token: str) -> str | None:
        """The user name a valid, unexpired, unrevoked access token belongs to; else None."""
        parts = token.split(".")
        if len(parts) != 3 or token in self._revoked:
            return None
        expected = _b64(hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            return None
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        if claims.get("exp", 0) <= time.time():
            return None
        return str(claims["preferred_username"])

    def revoke(self, token: str) -> None:
        """Make an access token invalid now (as if it had expired)."""
        self._revoked.add(token)

    def _tokens(self, user: str, client_id: str, grant: str, refresh: bool = True) -> dict[str, Any]:
        self.issued[grant] = self.issued.get(grant, 0) + 1
        body: dict[str, Any] = {
            "access_token": self.issue_access(user, client_id=client_id),
            "expires_in": int(self.access_ttl),
            "token_type": "Bearer",
            "scope": "openid profile email team",
        }
        if refresh:
            rt = secrets.token_urlsafe(24)
            exp = time.time() + self.refresh_ttl if self.refresh_ttl > 0 else None
            self._refresh[rt] = _Refresh(user, client_id, exp)
            body.update(refresh_token=rt, refresh_expires_in=int(self.refresh_ttl))
        return body

    # -- device logins ------------------------------------------------------------------------------
    def approve(self, user_code: str, user: str) -> None:
        """The person ``user`` approves the login with ``user_code``."""
        with self._lock:
            for dev in self._devices.values():
                if dev.user_code == user_code:
                    dev.user = user
                    return
        raise KeyError(user_code)

    def deny(self, user_code: str) -> None:
        """The person refuses the login with ``user_code``."""
        with self._lock:
            for dev in self._devices.values():
                if dev.user_code == user_code:
                    dev.denied = True

    def _device_start(self, form: dict[str, str], base: str) -> WSGIResponse:
        client_id = form.get("client_id", "")
        if not client_id or (self.public_clients is not None and client_id not in self.public_clients):
            return 401, {"error": "unauthorized_client", "error_description": "Invalid client or credentials"}
        code = secrets.token_urlsafe(24)
        user_code = f"{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}"
        with self._lock:
            self._devices[code] = _Device(
                client_id, user_code, time.time() + self.device_ttl, self.interval, form.get("scope", "")
            )
        page = base + REALM_PATH + "/device"
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": page,
            "verification_uri_complete": f"{page}?user_code={user_code}",
            "expires_in": int(self.device_ttl),
            "interval": int(self.interval) if self.interval >= 1 else self.interval,
        }

    def _device_poll(self, form: dict[str, str]) -> WSGIResponse:
        with self._lock:
            dev = self._devices.get(form.get("device_code", ""))
            if dev is None or dev.client_id != form.get("client_id"):
                return 400, {"error": "invalid_grant", "error_description": "Invalid device code"}
            now = time.time()
            if now > dev.expires_at:
                return 400, {"error": "expired_token", "error_description": "Device code expired"}
            if dev.denied:
                return 400, {
                    "error": "access_denied",
                    "error_description": "The end user denied the authorization request",
                }
            too_fast = dev.polls and now - dev.last_poll < dev.interval * 0.9
            dev.polls += 1
            dev.last_poll = now
            if too_fast:
                dev.interval += 5
                return 400, {"error": "slow_down", "error_description": "Slow down"}
            if dev.user is None and self.auto_approve and dev.polls >= self.approve_after_polls:
                dev.user = self.auto_approve
            if dev.user is None:
                return 400, {
                    "error": "authorization_pending",
                    "error_description": "The authorization request is still pending",
                }
            del self._devices[form["device_code"]]
            return 200, self._tokens(dev.user, dev.client_id, "device_code")

    def _token(self, form: dict[str, str]) -> WSGIResponse:
        grant = form.get("grant_type", "")
        if grant == _DEVICE_GRANT:
            return self._device_poll(form)
        if grant == "refresh_token":
            with self._lock:
                entry = self._refresh.pop(form.get("refresh_token", ""), None)
            if entry is None or (entry.expires_at is not None and entry.expires_at < time.time()):
                return 400, {"error": "invalid_grant", "error_description": "Token is not active"}
            return 200, self._tokens(entry.user, entry.client_id, "refresh_token")
        if grant == "client_credentials":
            cid = form.get("client_id", "")
            if cid not in self.clients or not hmac.compare_digest(
                self.clients[cid], form.get("client_secret", "")
            ):
                return 401, {
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                }
            return 200, self._tokens(f"service-account-{cid}", cid, "client_credentials", refresh=False)
        return 400, {
            "error": "unsupported_grant_type",
            "error_description": f"Unsupported grant_type {grant!r}",
        }

    # -- WSGI ----------------------------------------------------------------------------------------
    def route(
        self, method: str, path: str, form: dict[str, str], auth: str, base: str
    ) -> WSGIResponse | None:
        """Answer one request (None: not an IAM path)."""
        if not path.startswith(REALM_PATH):
            return None
        sub = path[len(REALM_PATH) :]
        oidc = "/protocol/openid-connect"
        if sub == "/.well-known/openid-configuration" and method == "GET":
            realm = base + REALM_PATH
            return 200, {
                "issuer": realm,
                "token_endpoint": realm + oidc + "/token",
                "device_authorization_endpoint": realm + oidc + "/auth/device",
                "userinfo_endpoint": realm + oidc + "/userinfo",
                "authorization_endpoint": realm + oidc + "/auth",
                "grant_types_supported": ["refresh_token", "client_credentials", _DEVICE_GRANT],
            }
        if sub == oidc + "/auth/device" and method == "POST":
            return self._device_start(form, base)
        if sub == oidc + "/token" and method == "POST":
            return self._token(form)
        if sub == "/device":  # the page where a person approves a device login (a plain form here)
            code, user = form.get("user_code", ""), form.get("username", "")
            if method == "POST" and user in self.users:
                try:
                    self.approve(code, user)
                except KeyError:
                    return 400, {"error": "invalid_user_code"}
                return 200, {"approved": code, "username": user}
            return 200, {
                "form": "POST user_code and username to approve",
                "user_code": code,
                "users": sorted(self.users),
            }
        if sub == oidc + "/userinfo" and method == "GET":
            who = self.verify(auth[7:]) if auth.startswith("Bearer ") else None
            if who is None:
                return 401, {"error": "invalid_token", "error_description": "Token verification failed"}
            user = who
            return 200, {
                "sub": hashlib.sha1(who.encode()).hexdigest(),
                "preferred_username": who,
                "name": self.users.get(who, who),
            }
        return 404, {"error": "not_found"}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        form = {k: v[-1] for k, v in parse_qs(query + "&" + raw.decode("utf-8", "replace")).items()}
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        answer = self.route(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            form,
            environ.get("HTTP_AUTHORIZATION", ""),
            f"http://{host}",
        ) or (404, {"error": "not_found"})
        status, body = answer
        data = json.dumps(body).encode()
        start_response(
            f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]
