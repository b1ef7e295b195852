"""One retry policy and one circuit breaker, owned by the HTTP transport of a client.

Retries live in exactly one place — the transport — so a request is never retried by two
layers at once (a PUT answered 503 used to be sent up to 48 times: 6 tries in the
session × 8 attempts in the submission executor). The policy:

* only idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, and POSTs the caller marks as
  read-only) are retried after the server may have seen them (read errors, 502/503/504);
* a connection that could not be opened is retried for any method (nothing was sent);
* waits grow exponentially with random jitter (spreads out many clients), capped, and a
  server's ``Retry-After`` is respected up to the cap;
* the number of tries is bounded.

The :class:`CircuitBreaker` makes a run against an unreachable service fail in seconds:
after ``threshold`` requests in a row could not connect at all (each one already retried),
it *opens* and requests fail at once, without a connection attempt, for ``cooldown``
seconds; then one request is let through to probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from urllib3.util.retry import Retry

__all__ = ["IDEMPOTENT_METHODS", "CircuitBreaker", "RetryPolicy"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How an idempotent request is retried (one policy per client).

    ``attempts`` is the total number of tries (1 = never retry); ``connect_attempts`` the
    tries when the connection cannot even be opened (kept small so an unreachable service
    is reported quickly). Waits are ``backoff * 2**n`` plus up to as much random jitter,
    at most ``backoff_max`` seconds. ``statuses`` are the answers worth retrying.
    """

    attempts: int = 4
    connect_attempts: int = 3
    backoff: float = 0.5
    backoff_max: float = 8.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({502, 503, 504}))

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.connect_attempts < 1:
            raise ValueError("a retry policy needs at least 1 attempt")
        if self.backoff < 0 or self.backoff_max < 0:
            raise ValueError("backoff times must be >= 0 seconds")

    def urllib3_retry(self, *, idempotent: bool) -> Retry:
        """The ``urllib3.util.Retry`` carrying this policy (``idempotent``: the request may be repeated)."""
        from urllib3.util.retry import Retry

        retries = self.attempts - 1
        return Retry(
            total=max(retries, self.connect_attempts - 1),
            connect=self.connect_attempts - 1,
            read=retries if idempotent else 0,
            status=retries if idempotent else 0,
            other=0,
            redirect=0,
            # None = any method (the caller vouches the request is idempotent); otherwise only
            # connections that could not be opened are retried (read=status=0 above)
            allowed_methods=None if idempotent else IDEMPOTENT_METHODS,
            status_forcelist=self.statuses,
            backoff_factor=self.backoff,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff,
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=True,
        )

    def worst_case_seconds(self) -> float:
        """The longest total wait between tries of one request (jitter included), for messages."""
        total = 0.0
        for n in range(1, self.attempts):
            total += min(self.backoff * 2 ** (n - 1), self.backoff_max) + self.backoff
        return total


class CircuitBreaker:
    """Fails requests at once after ``threshold`` consecutive unreachable ones, for ``cooldown`` s.

    Thread-safe; shared by the sessions of one client. ``clock`` is injectable for tests.
    """

    def __init__(
        self, threshold: int = 2, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        if threshold < 1 or cooldown < 0:
            raise ValueError("the circuit breaker needs threshold >= 1 and cooldown >= 0")
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self.last_reason = ""
        self._lock = threading.Lock()

    def _now(self) -> float:
        return float(self._clock())

    def remaining(self) -> float:
        """Seconds the circuit stays open (0 when requests may be sent)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            left = self._opened_at + self.cooldown - self._now()
            if left <= 0:
                # half-open: let the next request probe; a failure re-opens at once
                self._opened_at = None
                self._failures = self.threshold - 1
                return 0.0
            return left

    @property
    def is_open(self) -> bool:
        """Whether requests are currently refused without trying."""
        return self.remaining() > 0

    def record_success(self) -> None:
        """Any HTTP answer (even an error status) shows the service is reachable."""
        with self._lock:
            self._failures = 0
            self._opened_at = None

    def record_unreachable(self, reason: str) -> None:
        """A request could not connect at all, after its retries."""
        with self._lock:
            self._failures += 1
            self.last_reason = reason
            if self._failures >= self.threshold:
                self._opened_at = self._now()

    def __repr__(self) -> str:
        state = "open" if self._opened_at is not None else "closed"
        return f"<CircuitBreaker {state} threshold={self.threshold} cooldown={self.cooldown:g}s>"
