"""Sandbox users: bearer tokens, spaces and permissions.

A users file (JSON, or TOML when it ends in ``.toml``) looks like::

    {"users": [
        {"username": "alice", "token": "alice-secret", "name": "Alice Liddell",
         "spaces": {"collab-wonderland": "editor", "dataset": "viewer"}},
        {"username": "curator", "token": "curator-secret", "spaces": {"*": "curator"}}
    ]}

A space maps to a role (``viewer``, ``editor``, ``curator``, ``owner``) or to a
list of KG permission names (``["READ", "CREATE", "WRITE"]``); ``"*"`` means every
space. As in the KG, every user owns a private space (``myspace``), every
authenticated user can read released instances, and everyone can read the
``controlled`` space. Tokens may expire (``expires_at``, epoch seconds) or be
valid for a number of requests (``max_uses``), so clients' token refresh can be tested.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ConfigurationError

__all__ = ["PERMISSIONS", "ROLES", "Token", "User", "UserDirectory"]

PERMISSIONS = frozenset(
    {
        "CREATE",
        "READ",
        "WRITE",
        "DELETE",
        "RELEASE",
        "UNRELEASE",
        "RELEASE_STATUS",
        "SUGGEST",
        "READ_RELEASED",
        "MINIMAL_READ",
        "MINIMAL_READ_RELEASED",
        "MANAGE_SPACE",
        "INVITE_FOR_REVIEW",
        "INVITE_FOR_SUGGESTION",
    }
)
_VIEWER = frozenset({"READ", "READ_RELEASED", "MINIMAL_READ", "MINIMAL_READ_RELEASED", "RELEASE_STATUS"})
_EDITOR = _VIEWER | {"CREATE", "WRITE", "DELETE", "SUGGEST"}
_CURATOR = _EDITOR | {"RELEASE", "UNRELEASE", "INVITE_FOR_REVIEW", "INVITE_FOR_SUGGESTION"}
ROLES: dict[str, frozenset[str]] = {
    "viewer": _VIEWER,
    "editor": _EDITOR,
    "curator": _CURATOR,
    "owner": _CURATOR | {"MANAGE_SPACE"},
}
CONTROLLED_SPACE = "controlled"


@dataclass
class User:
    """One sandbox user and the permissions they hold per space."""

    username: str
    name: str = ""
    email: str = ""
    sub: str = ""  #: the IAM subject (a UUID); the private space is ``private-<sub>``
    spaces: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.sub:
            self.sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-user:{self.username}"))
        self.name = self.name or self.username
        self.email = self.email or f"{self.username}@sandbox.invalid"

    @property
    def private_space(self) -> str:
        """The internal name of the user's ``myspace``."""
        return f"private-{self.sub}"

    def permissions(self, space: str) -> frozenset[str]:
        """The KG permissions this user holds in ``space`` (an internal space name)."""
        if space == self.private_space:
            return ROLES["owner"]
        perms = set(self.spaces.get(space, frozenset())) | set(self.spaces.get("*", frozenset()))
        perms.add("READ_RELEASED")
        if space == CONTROLLED_SPACE:
            perms |= _VIEWER
        return frozenset(perms)

    def can(self, permission: str, space: str) -> bool:
        """Whether the user holds ``permission`` in ``space``."""
        return permission in self.permissions(space)

    def readable_spaces(self) -> set[str] | None:
        """Spaces whose IN_PROGRESS data the user may read; None means every space."""
        if "READ" in self.spaces.get("*", frozenset()):
            return None
        out = {s for s, p in self.spaces.items() if "READ" in p}
        out |= {self.private_space, CONTROLLED_SPACE}
        return out

    def to_jsonld(self) -> dict[str, Any]:
        """The ``/users/me`` document."""
        given, _, family = self.name.partition(" ")
        return {
            "@id": f"https://kg.ebrains.eu/api/users/{self.sub}",
            "http://schema.org/alternateName": self.username,
            "http://schema.org/name": self.name,
            "http://schema.org/email": self.email,
            "http://schema.org/givenName": given,
            "http://schema.org/familyName": family,
            "https://schema.hbp.eu/users/nativeId": self.sub,
            "http://schema.org/identifier": [self.sub],
        }


@dataclass
class Token:
    """A bearer token (``expires_at`` in epoch seconds; ``max_uses`` requests before it is rejected)."""

    value: str
    username: str
    expires_at: float | None = None
    max_uses: int | None = None
    uses: int = 0

    def __repr__(self) -> str:  # never show the secret
        return f"Token(user={self.username!r}, expires_at={self.expires_at}, max_uses={self.max_uses})"


def _parse_permissions(value: Any, where: str) -> frozenset[str]:
    if isinstance(value, str):
        if value.lower() in ROLES:
            return ROLES[value.lower()]
        raise ConfigurationError(f"{where}: unknown role {value!r}; use one of {', '.join(ROLES)}")
    if isinstance(value, (list, tuple)):
        perms = frozenset(str(p).upper() for p in value)
        unknown = perms - PERMISSIONS
        if unknown:
            raise ConfigurationError(f"{where}: unknown permission(s) {', '.join(sorted(unknown))}")
        return perms
    raise ConfigurationError(f"{where}: a space needs a role name or a list of permissions")


def _normalize_space(name: str) -> str:
    return name if name == "*" else name.strip().lower().replace("_", "-")


class UserDirectory:
    """Thread-safe users and tokens of a sandbox."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    # -- configuration ---------------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        """Register a user (replacing one with the same username)."""
        with self._lock:
            self._users[user.username] = user
        return user

    def issue_token(
        self,
        username: str,
        token: str | None = None,
        *,
        ttl: float | None = None,
        max_uses: int | None = None,
    ) -> str:
        """Create a bearer token for ``username`` (random unless given) and return it."""
        if username not in self._users:
            raise ConfigurationError(f"no sandbox user {username!r}")
        value = token or secrets.token_urlsafe(24)
        expires = time.time() + ttl if ttl is not None else None
        with self._lock:
            self._tokens[value] = Token(value, username, expires, max_uses)
        return value

    def revoke(self, token: str) -> None:
        """Make a token invalid (its next use gets a 401)."""
        with self._lock:
            self._tokens.pop(token, None)

    def authenticate(self, token: str | None) -> User | None:
        """The user a bearer token belongs to, or None if it is unknown, expired or used up."""
        if not token:
            return None
        with self._lock:
            tok = self._tokens.get(token)
            if tok is None:
                return None
            if tok.expires_at is not None and time.time() >= tok.expires_at:
                return None
            if tok.max_uses is not None:
                if tok.uses >= tok.max_uses:
                    return None
                tok.uses += 1
            return self._users.get(tok.username)

    def users(self) -> list[User]:
        """All users."""
        with self._lock:
            return list(self._users.values())

    def known_spaces(self) -> set[str]:
        """Spaces named in any user's permissions (wildcards excluded)."""
        return {s for u in self.users() for s in u.spaces if s != "*"}

    def tokens_by_user(self) -> dict[str, str]:
        """username → the first token issued to them (for test helpers and ``kg serve``)."""
        out: dict[str, str] = {}
        with self._lock:
            for tok in self._tokens.values():
                out.setdefault(tok.username, tok.value)
        return out

    # -- loading ---------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Any) -> UserDirectory:
        """Build from a dict ``{"users": [...]}`` or a list of user entries (see the module docstring).

        An entry may also be a bare ``"username": {...}`` mapping. Users without a
        ``token`` get a random one (read it back with :meth:`tokens_by_user`).
        """
        directory = cls()
        if isinstance(config, dict) and "users" in config:
            config = config["users"]
        if isinstance(config, dict):
            config = [{"username": k, **(v or {})} for k, v in config.items()]
        if not isinstance(config, list):
            raise ConfigurationError('a users file holds {"users": [...]}, one entry per user')
        for i, entry in enumerate(config):
            if not isinstance(entry, dict) or not entry.get("username"):
                raise ConfigurationError(f"user entry {i + 1} needs a 'username'")
            name = str(entry["username"])
            spaces = {
                _normalize_space(space): _parse_permissions(perms, f"user {name!r}, space {space!r}")
                for space, perms in (entry.get("spaces") or {}).items()
            }
            directory.add_user(
                User(name, entry.get("name", ""), entry.get("email", ""), entry.get("sub", ""), spaces)
            )
            tokens = entry.get("tokens") or ([entry["token"]] if entry.get("token") else [None])
            for tok in tokens:
                if isinstance(tok, dict):
                    directory.issue_token(
                        name, tok.get("token"), ttl=tok.get("ttl"), max_uses=tok.get("max_uses")
                    )
                else:
                    directory.issue_token(name, tok)
        return directory

    @classmethod
    def load(cls, path: str | Path) -> UserDirectory:
        """Read a users file (JSON or TOML)."""
        p = Path(path)
        try:
            text = p.read_text("utf-8")
            data = tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read the users file {p}: {exc}") from None
        return cls.from_config(data)

    @classmethod
    def default(cls) -> UserDirectory:
        """Two users with random tokens: ``alice`` (editor of collab-demo) and ``curator`` (all spaces)."""
        return cls.from_config(
            {
                "users": [
                    {"username": "alice", "name": "Alice Liddell", "spaces": {"collab-demo": "editor"}},
                    {"username": "curator", "name": "Kay Curator", "spaces": {"*": "owner"}},
                ]
            }
        )
