"""One retry policy, owned by the client; a circuit breaker so an unreachable KG fails in seconds.

Over real HTTP against the sandbox (and a port where nothing listens).
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

import ebrains_curation as ec
from ebrains_curation.kg import KGClient, KGConnectionError, KGUnavailable, submit
from ebrains_curation.net.http import HTTPTransport
from ebrains_curation.net.retry import CircuitBreaker, RetryPolicy
from ebrains_curation.testing import run_sandbox

OM = "https://openminds.om-i.org/"


def _graph(n: int, given: str) -> Any:
    nodes = [
        {"@id": f"https://example.org/p{i}", "@type": OM + "types/Person", "givenName": f"{given}{i}"}
        for i in range(n)
    ]
    return ec.load({"@context": {"@vocab": OM + "props/"}, "@graph": nodes})


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answer_503(httpd: Any, method: str) -> list[int]:
    """Make the sandbox answer every ``method`` request with 503; returns the live counter."""
    inner, seen = httpd.app, [0]

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == method:
            seen[0] += 1
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"unavailable"]
        return inner(environ, start_response)

    httpd.app = app
    return seen


def test_a_put_answered_503_is_sent_only_as_often_as_the_policy_says() -> None:
    """submit() no longer multiplies the client's retries: a PUT meeting 503s goes out `attempts` times."""
    with run_sandbox(seed=False) as sb:
        kg = KGClient(sb.url, token=sb.tokens["alice"], retries=3, backoff=0.001, backoff_max=0.001)
        submit(_graph(1, "Ada"), kg, "myspace", progress=False)
        puts = _answer_503(sb.server._httpd, "PUT")
        result = submit(_graph(1, "Grace"), kg, "myspace", progress=False, backoff=0.001)
        assert puts[0] == kg.retry_policy.attempts == 4  # was 48 (6 in the session x 8 in the executor)
        assert result.failed and "503" in next(iter(result.errors.values()))


def test_a_create_answered_503_is_repeated_by_the_executor_only() -> None:
    """POST creates are not retried by the client; the executor repeats them (bounded), 409-safe."""
    with run_sandbox(seed=False) as sb:
        kg = KGClient(sb.url, token=sb.tokens["alice"], retries=3, backoff=0.001)
        posts = _answer_503(sb.server._httpd, "POST")
        with pytest.raises(KGUnavailable):
            kg.create({"@type": OM + "types/Person"}, "myspace")
        assert posts[0] == 1


def test_an_unreachable_kg_fails_in_seconds_and_says_so() -> None:
    """submit() against a port where nothing listens gives up in seconds (was 222 s for 4 nodes)."""
    kg = KGClient(f"http://127.0.0.1:{_closed_port()}", token="t")  # default retry settings
    started = time.perf_counter()
    with pytest.raises(KGConnectionError, match=r"Could not reach the KG \(connection refused"):
        submit(_graph(4, "Ada"), kg, "myspace", progress=False)
    assert time.perf_counter() - started < 10


def test_the_circuit_breaker_opens_then_lets_one_probe_through() -> None:
    """After `threshold` unreachable requests, requests fail at once without connecting; then a probe."""
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=30, clock=lambda: now[0])
    port = _closed_port()
    kg = KGClient(f"http://127.0.0.1:{port}", token="t", retries=0, breaker=breaker)
    for _ in range(2):
        with pytest.raises(KGConnectionError) as info:
            kg.me()
        assert not info.value.circuit_open
    assert breaker.is_open
    with pytest.raises(KGConnectionError, match="giving up at once") as info:
        kg.me()
    assert info.value.circuit_open and "connection refused" in str(info.value)
    now[0] += 31  # cooldown over: one request is tried again, and re-opens the circuit at once
    with pytest.raises(KGConnectionError) as info:
        kg.me()
    assert not info.value.circuit_open and breaker.is_open


def test_any_http_answer_closes_the_circuit(kg_sandbox) -> None:
    """An error status is still an answer: the breaker counts only requests that could not connect."""
    breaker = CircuitBreaker(threshold=1, cooldown=0)
    breaker.record_unreachable("connection refused")
    kg = KGClient(kg_sandbox.url, token="wrong", retries=0, breaker=breaker)
    with pytest.raises(ec.KGError):
        kg.me()  # 401
    assert breaker._failures == 0 and not breaker.is_open


def test_retry_policy_bounds_and_validation() -> None:
    """The policy is bounded and checked; urllib3 carries it (reads and statuses only if idempotent)."""
    policy = RetryPolicy(attempts=4, connect_attempts=2, backoff=0.5, backoff_max=2)
    safe, once = policy.urllib3_retry(idempotent=True), policy.urllib3_retry(idempotent=False)
    assert (safe.read, safe.status, safe.connect) == (3, 3, 1)
    assert (once.read, once.status, once.connect) == (0, 0, 1)
    assert policy.worst_case_seconds() == pytest.approx((0.5 + 1 + 2) + 3 * 0.5)
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ec.ConfigurationError):
        KGClient("localhost", token="t", retries=-1)
    with pytest.raises(ValueError):
        CircuitBreaker(threshold=0)
    assert "closed" in repr(HTTPTransport("https://example.org").breaker)
