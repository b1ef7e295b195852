"""Regression tests for the bearer-token leaks of issue 18, item 1.

* the plain-http guard parsed URLs differently from requests/urllib3, so
  ``http://evil.example\\@127.0.0.1:9`` passed as loopback and the token went to
  ``evil.example`` in clear;
* ``*.localhost`` was trusted without checking it resolves to loopback;
* a token written into ``KG_HOST`` (``http://user:TOKEN@…``) was printed in every error;
* the token sat in the ``__context__`` of ``KGConnectionError`` (the request headers).

The differential test asks urllib3 itself where a connection goes (by recording the
address handed to ``create_connection``) and checks our decision against it.
"""

from __future__ import annotations

import socket
import traceback
from typing import Any

import pytest
import urllib3.util.connection as u3conn
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation.cli import cli
from ebrains_curation.errors import ConfigurationError
from ebrains_curation.kg import KGClient, KGConfigurationError, KGConnectionError
from ebrains_curation.kg.errors import error_for
from ebrains_curation.net.http import HTTPTransport, RetryPolicy
from ebrains_curation.net.urls import is_loopback_host, parse_service_url, redact

SECRET = "s3cr3t-T0KEN-value"


class _Recorder:
    """Stands in for urllib3's create_connection: records where it would connect, then refuses."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    def __call__(self, address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        self.hosts.append(address[0])
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    rec = _Recorder()
    monkeypatch.setattr(u3conn, "create_connection", rec)
    return rec


@pytest.mark.parametrize(
    "host",
    [
        "http://evil.example\\@127.0.0.1:9",
        "evil.example\\@127.0.0.1:9",
        "http://evil.example\\@127.0.0.1:9/v3/",
        "http://evil.example\t@127.0.0.1:9",
        "http://evil.example%5C@127.0.0.1:9",
        "http://127.0.0.1#@evil.example/",
        "http://127.0.0.1?@evil.example/",
        "http://evil.example",
        "http://a.not-loopback.example.localhost.evil.example/",
        "http://127.0.0.1.evil.example/",
        "http://[::ffff:1.2.3.4]/",
    ],
)
def test_tricky_urls_never_send_the_token_in_clear(host: str, recorder: _Recorder) -> None:
    """Each of these is refused before any connection, or only ever connects to loopback."""
    try:
        client = KGClient(host, token=SECRET, retries=0)
    except KGConfigurationError as exc:
        assert SECRET not in str(exc)
        assert recorder.hosts == []
        return
    assert client.base_url.startswith("http://")
    with pytest.raises(KGConnectionError):
        client.me()
    assert recorder.hosts and all(is_loopback_host(h) for h in recorder.hosts)


def test_the_reported_bypass_is_refused_by_client_and_cli(recorder: _Recorder) -> None:
    """The exact input of the report: KG_HOST=evil.example\\@127.0.0.1:9 (library and CLI)."""
    with pytest.raises(KGConfigurationError, match="backslash"):
        KGClient("evil.example\\@127.0.0.1:9", token=SECRET)
    result = CliRunner().invoke(
        cli, ["kg", "whoami"], env={"KG_HOST": "evil.example\\@127.0.0.1:9", "KG_AUTH_TOKEN": SECRET}
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "backslash" in result.output and SECRET not in result.output
    assert recorder.hosts == []


def test_localhost_subdomains_only_when_they_resolve_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """`*.localhost` is trusted for plain http only if every address it resolves to is loopback."""
    answers = {"good.localhost": ["127.0.0.1", "::1"], "bad.localhost": ["127.0.0.1", "203.0.113.9"]}

    def fake_getaddrinfo(name: str, *args: Any, **kwargs: Any) -> list[Any]:
        if name not in answers:
            raise socket.gaierror(-2, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in answers[name]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    assert KGClient("http://good.localhost:8000", token="t").base_url == "http://good.localhost:8000/v3/"
    assert KGClient("good.localhost:8000", token="t").base_url.startswith("http://")
    for host in ("http://bad.localhost:8000", "http://missing.localhost:8000"):
        with pytest.raises(KGConfigurationError, match="Refusing plain http"):
            KGClient(host, token="t")
    # a bare name that is not loopback gets https, never http
    assert KGClient("bad.localhost:8000", token="t").base_url == "https://bad.localhost:8000/v3/"


def test_credentials_in_the_host_are_refused_without_showing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """KG_HOST=http://user:TOKEN@… is refused; neither the library nor the CLI prints the token."""
    for host in (f"http://user:{SECRET}@127.0.0.1:9", f"https://{SECRET}@core.kg.ebrains.eu"):
        with pytest.raises(KGConfigurationError, match="credentials") as info:
            KGClient(host, token="t")
        assert SECRET not in str(info.value) and SECRET not in repr(info.value)
        result = CliRunner().invoke(cli, ["kg", "whoami"], env={"KG_HOST": host, "KG_AUTH_TOKEN": "t"})
        assert result.exit_code != 0 and SECRET not in result.output and "credentials" in result.output


def test_connection_errors_keep_no_request_in_their_chain() -> None:
    """KGConnectionError has no __context__/__cause__ (the requests exception holds the headers)."""
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = KGClient(f"http://127.0.0.1:{port}", token=SECRET, retries=0)
    with pytest.raises(KGConnectionError) as info:
        client.me()
    exc = info.value
    assert exc.__context__ is None and exc.__cause__ is None
    shown = "".join(traceback.format_exception(exc))
    assert SECRET not in shown and "Could not reach the KG" in shown
    assert f"127.0.0.1:{port}/v3/users/me" in str(exc)


def test_api_errors_and_urls_are_redacted() -> None:
    """Anything shown passes through redact(): URL credentials and bearer values become ***."""
    err = error_for("GET", f"https://u:{SECRET}@x/v3/", 400, f"bad header Bearer {SECRET}".encode())
    assert SECRET not in str(err) and SECRET not in err.body and SECRET not in err.url
    assert redact(f"see https://me:{SECRET}@host/p?access_token={SECRET}") == (
        "see https://***@host/p?access_token=***"
    )
    assert redact("the KG token is empty") == "the KG token is empty"


def test_authorization_is_not_sent_to_another_origin(recorder: _Recorder) -> None:
    """A transport given an absolute URL of another origin drops the Authorization header."""
    transport = HTTPTransport("http://127.0.0.1:9/api", retry=RetryPolicy(attempts=1, connect_attempts=1))
    sent: list[dict[str, str]] = []

    def capture(method: str, url: str, **kwargs: Any) -> Any:
        sent.append(dict(kwargs["headers"]))
        raise ConnectionRefusedError("Connection refused")

    transport._safe.request = capture  # type: ignore[method-assign]
    for target in ("http://127.0.0.1:9/api/x", "http://[::1]:9/elsewhere"):
        with pytest.raises(ConnectionError):
            transport.send("GET", target, headers={"Authorization": f"Bearer {SECRET}"})
    assert "Authorization" in sent[0] and "Authorization" not in sent[1]
    with pytest.raises(ConfigurationError, match="plain http"):
        transport.send("GET", "http://evil.example/x", headers={"Authorization": f"Bearer {SECRET}"})


_PIECES = st.sampled_from(
    ["http://", "https://", "evil.example", "127.0.0.1", "localhost", "[::1]", "\\", "@", ":", ":9", "/",
     "?", "#", "%5C", "%40", ".", "user:pw@", "\t", " ", "%00", "[", "]", "v3"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(_PIECES, min_size=1, max_size=8).map("".join))
def test_differential_urls_we_accept_go_where_we_decided(text: str, recorder: _Recorder) -> None:
    """For any URL we accept, urllib3 connects to exactly our host; plain http only to loopback."""
    try:
        url = parse_service_url(text, what="KG")
    except ConfigurationError as exc:
        assert "user:pw" not in str(exc) or "pw@" not in str(exc)
        return
    recorder.hosts.clear()
    transport = HTTPTransport(url, retry=RetryPolicy(attempts=1, connect_attempts=1))
    with pytest.raises(ConnectionError):
        transport.send("GET", "probe")
    connected = {h.strip("[]").lower() for h in recorder.hosts}
    assert connected == {url.host.strip("[]")}
    if url.scheme == "http":
        assert is_loopback_host(url.host)


def test_text_shaped_like_credentials_in_a_path_is_not_repeated() -> None:
    """Found by the differential test: './user:pw@' parses as host '.' with the credentials in the path."""
    with pytest.raises(ConfigurationError) as info:
        parse_service_url("./user:pw@", what="KG")
    assert "user:pw" not in str(info.value)
