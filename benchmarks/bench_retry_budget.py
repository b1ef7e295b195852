"""Retry budget of a submission (issue 16/18): how often a PUT answered 503 is sent, and how long
``submit`` takes to give up when the KG is down.

Peer / floor: the retry policy's own bound (``attempts`` of one request) — a request should
be sent at most that many times, whatever layer asks; and for a KG that is down, the time
one request needs to exhaust its connection retries.

Uses only public names, so it measures any checkout: ``PYTHONPATH=/path/to/main python
benchmarks/bench_retry_budget.py`` (run it from outside the worktree) gives the "before".
"""

from __future__ import annotations

import socket
import time
from typing import Any

import ebrains_curation as ec
from ebrains_curation.kg import KGClient, submit
from ebrains_curation.testing import run_sandbox

OM = "https://openminds.om-i.org/"


def graph(n: int, given: str) -> Any:
    nodes = [
        {"@id": f"https://example.org/p{i}", "@type": OM + "types/Person", "givenName": f"{given}{i}"}
        for i in range(n)
    ]
    return ec.load({"@context": {"@vocab": OM + "props/"}, "@graph": nodes})


def put_503_count() -> tuple[int, float]:
    """Submit a changed node (a PUT) to a KG that answers every PUT with 503: PUTs sent, seconds."""
    with run_sandbox(seed=False) as sb:
        kg = KGClient(sb.url, token=sb.tokens["alice"], backoff=0.001, backoff_max=0.001)
        submit(graph(1, "Ada"), kg, "myspace", progress=False)
        httpd = sb.server._httpd
        inner = httpd.app
        puts = [0]

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            if environ["REQUEST_METHOD"] == "PUT":
                puts[0] += 1
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"unavailable"]
            return inner(environ, start_response)

        httpd.app = app
        started = time.perf_counter()
        result = submit(graph(1, "Grace"), kg, "myspace", progress=False, backoff=0.001, backoff_max=0.001)
        assert result.failed, "the PUT should have failed"
        return puts[0], time.perf_counter() - started


def down_seconds(n: int = 4) -> tuple[float, str]:
    """Submit ``n`` nodes to a port where nothing listens, with default settings: seconds, message."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kg = KGClient(f"http://127.0.0.1:{port}", token="t")
    started = time.perf_counter()
    try:
        result = submit(graph(n, "Ada"), kg, "myspace", progress=False)
        message = result.summary()
    except ec.CurationError as exc:
        message = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, message


def down_after_planning(n: int = 4) -> tuple[float, str]:
    """The KG answers the planning reads, then goes down before the writes (default settings)."""
    import ebrains_curation.kg.submission as submission

    real_plan = submission.plan_submission
    with run_sandbox(seed=False) as sb:
        kg = KGClient(sb.url, token=sb.tokens["alice"])

        def plan_then_stop(*args: Any, **kwargs: Any) -> Any:
            plan = real_plan(*args, **kwargs)
            sb.server.stop()
            return plan

        submission.plan_submission = plan_then_stop  # type: ignore[assignment]
        started = time.perf_counter()
        try:
            result = submit(graph(n, "Ada"), kg, "myspace", progress=False)
            message = result.summary() + " | " + " | ".join(list(result.errors.values())[:1])
        except ec.CurationError as exc:
            message = f"{type(exc).__name__}: {exc}"
        finally:
            submission.plan_submission = real_plan  # type: ignore[assignment]
        return time.perf_counter() - started, message


def main() -> None:
    sent, secs = put_503_count()
    print(f"PUT answered 503: sent {sent} times ({secs:.2f} s with 1 ms backoff)")
    secs, message = down_seconds()
    print(f"KG down, submit of 4 nodes with default settings: {secs:.1f} s -> {message[:300]}")
    secs, message = down_after_planning()
    print(f"KG down after planning, 4 creates, default settings: {secs:.1f} s -> {message[:300]}")


if __name__ == "__main__":
    main()
