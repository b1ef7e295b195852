"""Issue 18: the bearer token sits in no frame local an error reporter could print.

Error reporters that capture locals (Sentry, rich tracebacks, pytest ``--showlocals``)
print the ``repr`` of every local of every frame of a traceback; the token must not be
among them, whichever way a request fails: an HTTP error, no answer, a refresh after 401.
"""

from __future__ import annotations

import pickle
import socket
import traceback

import pytest

from ebrains_curation.kg import KGClient
from ebrains_curation.net.http import BearerToken, HTTPTransport, RetryPolicy


def _shown_locals(exc: BaseException) -> str:
    """Every local of every frame (and chained exception) as a locals-capturing reporter prints it."""
    te: traceback.TracebackException | None = traceback.TracebackException.from_exception(
        exc, capture_locals=True
    )
    shown, ours = "", 0
    while te is not None:
        shown += "".join(te.format_exception_only())
        for frame in te.stack:  # the package's frames: the test's own frames hold the token
            if "/ebrains_curation/" in frame.filename:
                assert frame.locals is not None
                shown += "\n".join(f"{k}={v}" for k, v in frame.locals.items())
                ours += 1
        te = te.__cause__ or te.__context__
    assert ours, "no frame of the package in the traceback"
    return shown


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _frames(exc: BaseException) -> set[str]:
    return {f.name for f in traceback.extract_tb(exc.__traceback__)}


def test_an_http_error_shows_no_token_in_frame_locals(kg_sandbox) -> None:  # type: ignore[no-untyped-def]
    token = kg_sandbox.tokens["alice"]
    client = KGClient(kg_sandbox.url, token=token, backoff=0.01)
    with pytest.raises(Exception) as info:
        client.request("GET", "instances/not-a-uuid-at-all")
    assert "request" in _frames(info.value)
    assert token not in _shown_locals(info.value)


def test_a_refused_token_refreshed_after_401_shows_in_no_frame_local(kg_sandbox) -> None:  # type: ignore[no-untyped-def]
    """A provider token refused (401), a second one asked for and refused too: neither is shown."""
    given = iter(["first-stale-token-abcdef", "second-stale-token-ghijkl"])
    client = KGClient(kg_sandbox.url, token_provider=lambda: next(given), backoff=0.01)
    with pytest.raises(Exception) as info:
        client.me()
    shown = _shown_locals(info.value)
    assert "request" in _frames(info.value)
    assert "first-stale-token" not in shown and "second-stale-token" not in shown


def test_no_answer_shows_no_token_in_frame_locals() -> None:
    token = "secret-token-that-must-not-show-0123456789"
    client = KGClient(f"http://127.0.0.1:{_free_port()}", token=token, retries=0, backoff=0.01)
    with pytest.raises(ConnectionError) as info:
        client.request("GET", "users/me")
    assert {"request", "send"} <= _frames(info.value)
    assert token not in _shown_locals(info.value)


def test_the_transport_sends_a_bearer_token_only_to_its_origin(kg_sandbox) -> None:  # type: ignore[no-untyped-def]
    """BearerToken reaches the server as the header; an absolute URL to another origin gets none."""
    transport = HTTPTransport(
        kg_sandbox.base_url, retry=RetryPolicy(attempts=1, connect_attempts=1, backoff=0.01)
    )
    ok = transport.send("GET", "users/me", auth=BearerToken(kg_sandbox.tokens["alice"]))
    assert ok.status_code == 200
    other = f"http://127.0.0.1:{_free_port()}/v3/users/me"
    with pytest.raises(ConnectionError) as info:
        transport.send("GET", other, auth=BearerToken(kg_sandbox.tokens["alice"]))
    assert kg_sandbox.tokens["alice"] not in _shown_locals(info.value)
    bearer = BearerToken("abc")
    assert "abc" not in repr(bearer) and "abc" not in repr({"auth": bearer})
    with pytest.raises(TypeError):
        pickle.dumps(bearer)
