"""Service URLs decided once, the way the HTTP library will read them, and shown without secrets.

The plain-http guard must judge the host that ``requests``/``urllib3`` will actually
connect to. A second parser disagrees on corner cases: ``urllib.parse`` reads
``http://evil.example\\@127.0.0.1`` as host ``127.0.0.1`` while urllib3 connects to
``evil.example``. So :func:`parse_service_url` parses with ``urllib3.util.parse_url``
(what ``requests`` uses when it prepares a request), checks that ``requests``' own
preparation lands on the same origin, and everything downstream uses the resulting
:class:`ServiceURL` — never the text the user typed.

Rules:

* ``https`` is required, except for loopback hosts: an IP literal in 127.0.0.0/8 or
  ``::1``, or ``localhost`` / ``*.localhost`` when the name resolves to loopback only
  (resolution happens here, on the host's resolver; ``/etc/hosts`` for ``localhost``);
* a bare ``host[:port][/path]`` gets ``https://``, or ``http://`` when the host is
  loopback (so ``localhost:8000``, the form the official kg_core SDK uses, keeps working);
* credentials in a URL (``https://user:TOKEN@host``) are refused with a message that does
  not repeat them: tokens belong in a header, where no message or log shows them;
* backslashes, whitespace and control characters are refused: they are where parsers
  disagree;
* a query or fragment in a base URL is refused (it would be silently dropped or doubled).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

from ..errors import ConfigurationError

__all__ = [
    "ServiceURL",
    "is_loopback_host",
    "parse_service_url",
    "redact",
]

_BAD_CHARS = re.compile(r"[\\\s\x00-\x1f\x7f]")
# userinfo of any URL-ish text: scheme://user[:password]@  — replaced when shown
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@")
_BEARER = re.compile(r"(?i)\b(bearer\s+)([^\s,;'\"]+)")
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:access_|refresh_|id_)?token|password|client_secret|secret|code)=([^\s&,;'\"]+)"
)


@dataclass(frozen=True)
class ServiceURL:
    """A checked base URL: scheme, host, port and path, with no credentials, query or fragment.

    ``str()`` gives the URL with a trailing slash, ready to join paths onto.
    """

    scheme: str
    host: str  #: as urllib3 reads it (IPv6 literals keep their brackets)
    port: int | None
    path: str  #: without trailing slash ("" for the root)

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``."""
        return f"{self.scheme}://{self.host}" + (f":{self.port}" if self.port is not None else "")

    @property
    def loopback(self) -> bool:
        """Whether the host is this machine (checked when the URL was parsed)."""
        return is_loopback_host(self.host, resolve=False)

    def join(self, path: str) -> str:
        """The URL of ``path`` under this base (``path`` relative, leading slashes ignored)."""
        return f"{self}{path.lstrip('/')}"

    def with_path(self, path: str) -> ServiceURL:
        """The same origin with another path."""
        return ServiceURL(self.scheme, self.host, self.port, "/" + path.strip("/") if path.strip("/") else "")

    def __str__(self) -> str:
        return f"{self.origin}{self.path}/"


def is_loopback_host(host: str, *, resolve: bool = True) -> bool:
    """Whether ``host`` certainly means this machine.

    IP literals are judged directly. ``localhost`` and ``*.localhost`` count only when
    every address they resolve to is loopback (with ``resolve=False`` the name alone is
    judged, for display only). Any other name is not loopback, whatever it resolves to:
    a DNS answer can change between this check and the connection.
    """
    name = host.strip().lower().rstrip(".")
    literal = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        return ipaddress.ip_address(literal.split("%")[0]).is_loopback
    except ValueError:
        pass
    if name != "localhost" and not name.endswith(".localhost"):
        return False
    if not resolve:
        return True
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(_loopback_ip(a) for a in addresses)


def _loopback_ip(address: object) -> bool:
    try:
        return ipaddress.ip_address(str(address).split("%")[0]).is_loopback
    except ValueError:
        return False


def redact(text: object) -> str:
    """``text`` with URL credentials and token-like values replaced by ``***``.

    Used on everything shown: error messages, reprs, log lines.
    """
    out = _USERINFO.sub(lambda m: f"{m['scheme']}***@", str(text))
    out = _BEARER.sub(lambda m: f"{m[1]}***", out)
    return _SECRET_PARAM.sub(lambda m: f"{m[1]}=***", out)


def _mask_userinfo(raw: str) -> str:
    """``raw`` with everything before its last ``@`` masked (the scheme kept): shown in messages."""
    if "@" not in raw:
        return raw
    scheme, sep, rest = raw.partition("://")
    prefix = scheme + sep if sep and "@" in rest and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else ""
    return prefix + "***@" + raw.rsplit("@", 1)[1]


def parse_service_url(
    text: str,
    *,
    what: str = "service",
    default_path: str = "",
    error: type[ConfigurationError] = ConfigurationError,
) -> ServiceURL:
    """Parse and check the base URL of a service (``what`` names it in messages).

    ``text`` is a URL or a bare ``host[:port][/path]``. ``default_path`` is used when the URL
    has no path. Raises ``error`` (a :class:`~ebrains_curation.errors.ConfigurationError`)
    with a message that never repeats credentials.
    """
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    raw = str(text).strip()
    shown = redact(_mask_userinfo(raw))
    if not raw:
        raise error(f"The {what} URL is empty")
    if _BAD_CHARS.search(raw):
        raise error(
            f"{shown!r} is not a usable {what} URL: it contains a backslash, a space or a control character"
        )
    if "://" not in raw:
        # a bare host: http only if it is loopback, decided on the host urllib3 will use
        try:
            bare = parse_url("https://" + raw)
        except LocationParseError:
            raise error(f"{shown!r} is not a {what} host or URL") from None
        raw = ("http://" if bare.host and is_loopback_host(bare.host) else "https://") + raw
    try:
        parts = parse_url(raw)
    except LocationParseError:
        raise error(f"{shown!r} is not a {what} host or URL") from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not parts.host:
        raise error(f"{shown!r} is not a {what} host or URL (expected https://host[:port][/path])")
    if parts.auth is not None:
        raise error(
            f"The {what} URL {shown!r} holds credentials (user:password@); they would be shown in "
            "messages and logs. Remove them and give the token through the token settings instead "
            "(e.g. KG_AUTH_TOKEN)"
        )
    if parts.query is not None or parts.fragment is not None:
        raise error(f"The {what} URL {shown!r} has a query or fragment (?…/#…); give only host and path")
    host = parts.host.lower()
    if scheme == "http" and not is_loopback_host(host):
        raise error(
            f"Refusing plain http to {host}: the access token would travel unencrypted. Use https "
            "(plain http is only allowed for a local sandbox on localhost/127.0.0.1/[::1])."
        )
    path = (parts.path or "").rstrip("/") or (
        "/" + default_path.strip("/") if default_path.strip("/") else ""
    )
    url = ServiceURL(scheme, host, parts.port, path)
    _check_requests_agrees(url, error, what)
    return url


def _check_requests_agrees(url: ServiceURL, error: type[ConfigurationError], what: str) -> None:
    """Prepare a request to the URL with ``requests`` and make sure it goes to the same origin."""
    import requests
    from urllib3.util import parse_url

    try:
        prepared = requests.Request("GET", str(url)).prepare()
        final = parse_url(prepared.url or "")
    except (requests.RequestException, ValueError):
        raise error(f"{redact(_mask_userinfo(str(url)))!r} is not a usable {what} URL") from None
    if (
        (final.scheme or "").lower() != url.scheme
        or (final.host or "").lower() != url.host
        or final.port != url.port
        or final.auth is not None
    ):
        raise error(f"{redact(_mask_userinfo(str(url)))!r} is not a usable {what} URL (it is ambiguous)")
