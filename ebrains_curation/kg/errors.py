"""Exceptions of the Knowledge Graph client, all under :class:`~ebrains_curation.errors.KGError`.

::

    KGError
    ├── KGConfigurationError      bad client settings (plain http to a remote host, no token…); no request sent
    ├── KGConnectionError         no HTTP response at all (refused, dropped, timed out) after the retries
    ├── KGAPIError                the KG answered with an error status; has method, url, status
    │   ├── KGBadRequest              400 (a missing parameter, an invalid payload)
    │   ├── KGAuthenticationError     401 (no token, or an expired one)
    │   ├── KGPermissionError         403 (no right to read or write in that space)
    │   ├── KGNotFound                404
    │   ├── KGConflict                409 (the instance already exists, or is released)
    │   ├── KGClientError             any other 4xx
    │   └── KGServerError             5xx
    │       └── KGUnavailable             502, 503, 504 (retried first for idempotent requests)
    └── KGSubmissionError         raised by ``SubmissionResult.raise_for_errors()``

Every message names the HTTP method and URL, never the access token: the token only
ever travels in a request header, the URL has no credentials (refused when the client is
built), shown text goes through :func:`~ebrains_curation.net.urls.redact`, and no exception
keeps the failed ``requests`` call (which holds the headers) in its ``__context__``.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError, KGError
from ..net.http import ConnectionFailure
from ..net.urls import redact

__all__ = [
    "STATUS_ERRORS",
    "KGAPIError",
    "KGAuthenticationError",
    "KGBadRequest",
    "KGClientError",
    "KGConfigurationError",
    "KGConflict",
    "KGConnectionError",
    "KGError",
    "KGNotFound",
    "KGPermissionError",
    "KGServerError",
    "KGSubmissionError",
    "KGUnavailable",
    "error_for",
]


class KGConfigurationError(KGError, ConfigurationError):
    """Client settings that cannot work (detected before any request is sent)."""


class KGConnectionError(KGError, ConnectionFailure):
    """The KG could not be reached, or closed the connection without answering.

    ``circuit_open`` is True when the request was not even tried because the KG was
    unreachable moments before (the client's circuit breaker).
    """


class KGAPIError(KGError):
    """The KG answered with an error status.

    ``status`` is the HTTP status, ``message`` the KG's explanation (from the
    envelope's ``error.message`` or the plain-text body), ``instance_id`` the
    UUID the KG names in a 409, ``body`` the raw response text (truncated).
    """

    #: plain-language hint shown after the KG's own message
    hint = ""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status: int,
        instance_id: str | None = None,
        body: str = "",
    ):
        self.message = redact(message)
        self.method = method
        self.url = redact(url)
        self.status = status
        self.instance_id = instance_id
        self.body = redact(body)
        super().__init__(self._format())

    def _format(self) -> str:
        text = f"{self.status} {self.message}" if self.message else str(self.status)
        if self.hint:
            text += f". {self.hint}"
        return f"{text} (on {self.method} {self.url})"


class KGBadRequest(KGAPIError):
    """400: a missing or invalid parameter, or a payload the KG does not accept."""


class KGAuthenticationError(KGAPIError):
    """401: no access token, or an invalid or expired one."""

    hint = "Get a fresh EBRAINS token (KG_AUTH_TOKEN) and try again"


class KGPermissionError(KGAPIError):
    """403: you may not do this in that space."""

    hint = "Ask the space's owner for access, or use a space you can write to (e.g. myspace)"


class KGNotFound(KGAPIError):
    """404: no such instance at that stage (new data is only IN_PROGRESS until released)."""


class KGConflict(KGAPIError):
    """409: the id or an identifier already belongs to an instance, or the instance is released."""


class KGClientError(KGAPIError):
    """Any other 4xx status."""


class KGServerError(KGAPIError):
    """5xx: a problem on the KG's side."""


class KGUnavailable(KGServerError):
    """502/503/504: the KG or its gateway is temporarily unavailable."""

    hint = "The KG is temporarily unavailable; try again later"


class KGSubmissionError(KGError):
    """Some nodes of a submission failed; ``result`` holds the full :class:`SubmissionResult`."""

    def __init__(self, result: Any):
        self.result = result
        super().__init__(result.summary())


#: HTTP status → exception class; other statuses fall back on 4xx/5xx.
STATUS_ERRORS: dict[int, type[KGAPIError]] = {
    400: KGBadRequest,
    401: KGAuthenticationError,
    403: KGPermissionError,
    404: KGNotFound,
    409: KGConflict,
    502: KGUnavailable,
    503: KGUnavailable,
    504: KGUnavailable,
}

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_for(method: str, url: str, status: int, body: str | bytes = b"", payload: Any = None) -> KGAPIError:
    """Build the exception for an error response (``payload`` is the parsed JSON body, if any)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    message = ""
    instance_id = None
    if isinstance(payload, dict):
        err = payload.get("error")
        if isinstance(err, dict):
            message = str(err.get("message") or "")
            instance_id = err.get("instanceId")
        elif isinstance(err, str):  # Spring's default body {"status":400,"error":"Bad Request",…}
            message = err
        if isinstance(payload.get("howToFix"), str):  # terms of use not accepted
            message = f"{message}. {payload['howToFix']}"
    elif text and len(text) < 500 and not text.lstrip().startswith("<"):
        message = text.strip()
    if not message:
        message = _REASONS.get(status, "")
    cls = STATUS_ERRORS.get(status) or (KGServerError if status >= 500 else KGClientError)
    return cls(message, method=method, url=url, status=status, instance_id=instance_id, body=text[:2000])
