"""HTTP plumbing shared by the service clients (KG, Data Proxy…): one transport per client.

::

    from ebrains_curation.net.http import HTTPTransport, parse_service_url

    base = parse_service_url("data-proxy.ebrains.eu/api", what="Data Proxy")
    transport = HTTPTransport(base, service="the Data Proxy")
    resp = transport.send("GET", "v1/buckets/my-bucket", headers={"Authorization": f"Bearer {token}"})

What the transport guarantees, whatever service it talks to:

* the base URL was checked by :func:`parse_service_url` (https, or loopback http; no
  credentials; parsed the way ``requests`` will) and absolute URLs given to :meth:`send`
  are checked by the same rules; an ``Authorization`` header is only sent to the base
  URL's origin (dropped for any other origin, e.g. a storage URL the service points to);
* every request has a (connect, read) timeout; the session ignores the environment
  (no ``.netrc`` credentials or proxies picked up behind the user's back);
* one :class:`RetryPolicy` (idempotent requests only) and one :class:`CircuitBreaker`;
* a failure without an HTTP answer raises ``connection_error`` (a :class:`ConnectionFailure`)
  whose message names method and URL, redacted, and which carries no ``__cause__`` or
  ``__context__``: the ``requests`` exception holds the request and its headers, and
  error reporters (Sentry, rich tracebacks, notebooks) print exception chains.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, CurationError
from .retry import IDEMPOTENT_METHODS, CircuitBreaker, RetryPolicy
from .urls import ServiceURL, is_loopback_host, parse_service_url, redact

if TYPE_CHECKING:
    import requests

__all__ = [
    "BearerToken",
    "CircuitBreaker",
    "ConnectionFailure",
    "HTTPTransport",
    "RetryPolicy",
    "ServiceURL",
    "describe_failure",
    "is_loopback_host",
    "make_session",
    "parse_service_url",
    "redact",
]

log = logging.getLogger("ebrains_curation.net")


class ConnectionFailure(CurationError, ConnectionError):
    """No HTTP answer at all: refused, dropped, timed out, or the circuit breaker is open.

    ``method`` and ``url`` name the request (credentials redacted); ``circuit_open`` says the
    request was not even tried because the service was unreachable moments ago.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "", circuit_open: bool = False):
        self.method = method
        self.url = redact(url)
        self.circuit_open = circuit_open
        text = redact(message)
        super().__init__(f"{text} (on {method} {self.url})" if method else text)


class BearerToken:
    """An ``Authorization: Bearer …`` header that ``requests`` adds at the last moment.

    Pass it as ``auth=`` to :meth:`HTTPTransport.send` instead of putting the header in a
    dict: the token then sits in no frame local of ours (only in this object, whose repr is
    redacted), so error reporters that show locals (Sentry, rich tracebacks, pytest
    ``--showlocals``, ``traceback`` with ``capture_locals``) never print it.
    """

    __slots__ = ("_token",)

    def __init__(self, token: str):
        self._token = token

    @property
    def token(self) -> str:
        """The token (read it inline: a local holding it is what this class avoids)."""
        return self._token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<BearerToken (redacted)>"

    def __reduce__(self) -> Any:
        raise TypeError("a BearerToken is not pickled (it would write the token)")


def make_session(retry: RetryPolicy, *, idempotent: bool, pool_size: int = 16, user_agent: str = "") -> Any:
    """A ``requests.Session`` with ``retry`` mounted and the environment ignored."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(
        max_retries=retry.urllib3_retry(idempotent=idempotent),
        pool_connections=pool_size,
        pool_maxsize=pool_size,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if user_agent:
        session.headers["User-Agent"] = user_agent
    return session


_MARKERS = (
    ("Connection refused", "connection refused"),
    ("NameResolutionError", "host name not found"),
    ("Name or service not known", "host name not found"),
    ("RemoteDisconnected", "connection closed without an answer"),
    ("Connection reset", "connection reset"),
    ("Connection aborted", "connection closed without an answer"),
    ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
    ("SSLError", "TLS error"),
    ("timed out", "timed out"),
)


def describe_failure(exc: BaseException) -> str:
    """A short, secret-free reason for a ``requests`` failure ("connection refused"…)."""
    text = str(exc)
    for marker, reason in _MARKERS:
        if marker in text:
            return reason
    return type(exc).__name__


def _could_not_connect(exc: BaseException) -> bool:
    """Whether the connection was never opened (the service is down or unreachable)."""
    import requests

    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    text = str(exc)
    return isinstance(exc, requests.ConnectionError) and any(
        m in text for m in ("NewConnectionError", "NameResolutionError", "Connection refused")
    )


class HTTPTransport:
    """Sends requests to one service: checked URLs, timeouts, one retry policy, a circuit breaker.

    ``base`` is a :class:`ServiceURL` (or text given to :func:`parse_service_url`);
    ``service`` names the service in messages ("the KG"); ``connection_error`` is the
    :class:`ConnectionFailure` subclass raised when there is no answer.
    """

    def __init__(
        self,
        base: ServiceURL | str,
        *,
        service: str = "the service",
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        pool_size: int = 16,
        user_agent: str = "ebrains-curation",
        connection_error: type[ConnectionFailure] = ConnectionFailure,
        config_error: type[ConfigurationError] = ConfigurationError,
    ):
        self.base = base if isinstance(base, ServiceURL) else parse_service_url(base, error=config_error)
        self.service = service
        self.timeout = timeout if isinstance(timeout, tuple) else (float(timeout), float(timeout))
        if not all(isinstance(t, int | float) and t > 0 for t in self.timeout):
            raise config_error("timeouts must be positive numbers of seconds")
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self.connection_error = connection_error
        self.config_error = config_error
        self._safe = make_session(self.retry, idempotent=True, pool_size=pool_size, user_agent=user_agent)
        self._once = make_session(self.retry, idempotent=False, pool_size=pool_size, user_agent=user_agent)

    def __repr__(self) -> str:
        return f"<HTTPTransport {self.base} {self.breaker!r}>"

    def close(self) -> None:
        """Close the pooled connections."""
        self._safe.close()
        self._once.close()

    def url_for(self, path_or_url: str) -> str:
        """The absolute URL of a path under the base, or a checked absolute URL."""
        if "://" not in path_or_url:
            return self.base.join(path_or_url)
        return self._checked_absolute(path_or_url)

    def _checked_absolute(self, url: str) -> str:
        from urllib3.util import parse_url

        head, sep, query = url.split("#", 1)[0].partition("?")
        checked = parse_service_url(head, what=self.service, error=self.config_error)
        return checked.origin + (parse_url(head).path or "/") + sep + query

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
        stream: bool = False,
        auth: BearerToken | None = None,
    ) -> requests.Response:
        """Send one request and return the response, whatever its status.

        ``idempotent`` (default: by method) allows the retry policy to repeat the request
        after the server may have seen it; a POST that only reads may pass ``True``.
        Raises ``connection_error`` when there is no answer (message says which and why).
        ``auth`` (a :class:`BearerToken`) is the way to send a token: see that class.
        """
        method = method.upper()
        url = self.url_for(path_or_url)
        send_headers = dict(headers or {})
        if "://" in path_or_url and not self._same_origin(url):
            # never hand the service's token to another origin
            send_headers = {k: v for k, v in send_headers.items() if k.lower() != "authorization"}
            auth = None
        left = self.breaker.remaining()
        if left > 0:
            raise self.connection_error(
                f"Not trying: {self.service} could not be reached moments ago "
                f"({self.breaker.last_reason or 'no answer'}); giving up at once for another "
                f"{left:.0f} s instead of waiting on each request. Check the host and your network",
                method=method,
                url=url,
                circuit_open=True,
            )
        safe = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        session = self._safe if safe else self._once
        started = time.perf_counter()
        failure: tuple[str, str, bool] | None = None
        try:
            resp = session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=send_headers,
                auth=auth,
                timeout=self.timeout,
                stream=stream,
            )
        except Exception as exc:  # requests/urllib3 raise several families; all mean "no answer"
            failure = (self._failure_message(exc), describe_failure(exc), _could_not_connect(exc))
        if failure is not None:
            # raised outside the except block: no __context__ holding the request headers
            message, reason, unreachable = failure
            if unreachable:
                self.breaker.record_unreachable(reason)
            raise self.connection_error(message, method=method, url=url)
        self.breaker.record_success()
        log.debug(
            "%s %s -> %s in %.0f ms",
            method,
            redact(resp.url),
            resp.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return resp

    def _failure_message(self, exc: BaseException) -> str:
        import requests

        if isinstance(exc, requests.ReadTimeout) or (
            "timed out" in str(exc) and not isinstance(exc, requests.ConnectTimeout)
        ):
            return f"{self.service[:1].upper()}{self.service[1:]} did not answer in time (timeout {self.timeout[1]:g} s)"
        if not isinstance(exc, requests.RequestException | OSError | ValueError):
            raise exc  # a programming error, not a network failure
        tries = self.retry.connect_attempts if _could_not_connect(exc) else 1
        after = f" after {tries} tries" if tries > 1 else ""
        return f"Could not reach {self.service} ({describe_failure(exc)}{after})"

    def _same_origin(self, url: str) -> bool:
        from urllib3.util import parse_url

        parts = parse_url(url)
        return (
            (parts.scheme or "").lower() == self.base.scheme
            and (parts.host or "").lower() == self.base.host
            and parts.port == self.base.port
        )
