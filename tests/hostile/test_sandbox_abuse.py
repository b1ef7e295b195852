"""Sandbox abuse (issue 18): oversized, malformed and slow requests each get an answer, in bounded
memory, and nothing the KG would refuse is stored or served.

Raw sockets on 127.0.0.1, because ``requests`` cannot send most of these.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation.testing import SandboxInfo, run_sandbox

OM = "https://openminds.om-i.org/"


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxInfo]:
    with run_sandbox(seed=False) as info:
        yield info


def _raw(
    sb: SandboxInfo, data: bytes, *, read_timeout: float = 10.0, then: bytes = b"", half_close: bool = False
) -> bytes:
    """Send raw bytes; return everything the server answers before closing (or the timeout).

    ``half_close``: then shut the sending side, so the server sees the end of the stream.
    """
    host, port = sb.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=read_timeout) as s:
        s.sendall(data)
        if then:
            with contextlib.suppress(OSError):  # the server may already have answered and closed
                s.sendall(then)
        if half_close:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and _complete(out):
                    break
        except TimeoutError:
            pass
    return out


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _status(response: bytes) -> int:
    assert response, "no answer at all"
    return int(response.split(b" ", 2)[1])


def _auth(sb: SandboxInfo) -> bytes:
    return f"Authorization: Bearer {sb.tokens['alice']}\r\n".encode()


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@pytest.mark.parametrize("value", [b"-1", b"abc", b"1e3", b"\xd9\xa3", b"99999999999999999999999"])
def test_bad_content_length_is_answered_400_or_413(sb: SandboxInfo, value: bytes) -> None:
    """A Content-Length that is negative, not a number or absurd gets an answer, not a hang or a drop."""
    answer = _raw(sb, b"POST /v3/instances?space=myspace HTTP/1.1\r\nHost: x\r\n" + _auth(sb)
                  + b"Content-Length: " + value + b"\r\n\r\n{}")  # fmt: skip
    assert _status(answer) in (400, 413)


def test_http09_gets_an_answer_at_once(sb: SandboxInfo) -> None:
    """An HTTP/0.9 request line (no version, no headers) is answered 400 without waiting for headers."""
    started = time.perf_counter()
    answer = _raw(sb, b"GET /v3/users/me\r\n", read_timeout=5)
    assert _status(answer) == 400 and b"HTTP/0.9" in answer
    assert time.perf_counter() - started < 3


def test_oversized_body_is_refused_unread_and_memory_stays_bounded(sb: SandboxInfo) -> None:
    """A 64 MB body (the report sent 200 MB: RSS 87 -> 1,688 MB) is refused with 413; RSS barely moves."""
    before = _rss_kb()
    size = 64 * 1024 * 1024
    head = (
        b"POST /v3/instances?space=myspace HTTP/1.1\r\nHost: x\r\n"
        + _auth(sb)
        + f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode()
    )
    answer = _raw(sb, head, then=b"[" * (1024 * 1024))
    assert _status(answer) == 413
    assert _rss_kb() - before < 40_000  # kB: the body was never buffered
    assert requests.get(sb.url + "/v3/users/me", headers={"Authorization": "Bearer " + sb.tokens["alice"]},
                        timeout=10).status_code == 200  # fmt: skip


def test_slow_body_is_cut_off(sb: SandboxInfo) -> None:
    """A body that trickles in is answered 408 once the body time limit has passed."""
    httpd: Any = sb.server._httpd
    httpd.body_timeout = 1.0
    try:
        started = time.perf_counter()
        answer = _raw(
            sb, b"PUT /v3/instances/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", read_timeout=10
        )
        assert _status(answer) == 408
        assert time.perf_counter() - started < 5
    finally:
        httpd.body_timeout = 30.0


@pytest.mark.parametrize("value", ["9223372036854775808", "99999999999999999999", "-1", "1e3", "٣", " 1"])
def test_from_and_size_out_of_range_are_400_not_500(sb: SandboxInfo, value: str) -> None:
    """`from`/`size` at or above 2^63 (or not plain digits) are 400, as Spring answers; never 500."""
    for name in ("from", "size"):
        resp = requests.get(
            sb.url + "/v3/instances",
            params={"stage": "IN_PROGRESS", "type": OM + "types/Person", name: value},
            headers={"Authorization": "Bearer " + sb.tokens["alice"]},
            timeout=10,
        )
        assert resp.status_code == 400, (name, value, resp.text[:200])
    resp = requests.get(
        sb.url + "/v3/instances",
        params={"stage": "IN_PROGRESS", "type": OM + "types/Person", "from": str(2**63 - 1)},
        headers={"Authorization": "Bearer " + sb.tokens["alice"]},
        timeout=10,
    )
    assert resp.status_code == 200 and resp.json()["data"] == []


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        json.dumps(
            {"@type": OM + "types/Person", OM + "props/x": json.loads("[" * 500 + "]" * 500)}
        ).encode(),
        b'{"@type": "https://openminds.om-i.org/types/Person", "https://openminds.om-i.org/props/x": NaN}',
        b'{"@type": "https://openminds.om-i.org/types/Person", "https://openminds.om-i.org/props/x": -Infinity}',
    ],
    ids=["deep-array", "deep-value", "nan", "infinity"],
)
def test_hostile_bodies_are_400_and_nothing_is_stored(sb: SandboxInfo, body: bytes) -> None:
    """Deeply nested bodies and NaN/Infinity are refused with 400: never a 500, never stored."""
    headers = {"Authorization": "Bearer " + sb.tokens["alice"], "Content-Type": "application/json"}
    resp = requests.post(sb.url + "/v3/instances", params={"space": "myspace"}, data=body, headers=headers,
                         timeout=30)  # fmt: skip
    assert resp.status_code == 400, resp.text[:200]
    listing = requests.get(
        sb.url + "/v3/instances",
        params={"stage": "IN_PROGRESS", "type": OM + "types/Person"},
        headers=headers,
        timeout=10,
    )
    assert listing.status_code == 200 and b"NaN" not in listing.content and b"Infinity" not in listing.content


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    line=st.binary(min_size=0, max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
    header=st.binary(min_size=0, max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
)
def test_garbage_requests_get_an_answer_or_a_close_never_a_500(
    sb: SandboxInfo, line: bytes, header: bytes
) -> None:
    """Random request lines and headers: an HTTP answer below 500 or a closed connection, quickly."""
    answer = _raw(sb, line + b"\r\n" + header + b"\r\n\r\n", read_timeout=5)
    if answer:
        assert answer.startswith(b"HTTP/"), answer[:80]
        assert _status(answer) < 500, answer[:200]


# -- chunked request bodies (the KG accepts them; the sandbox answered 411) ------------------------------


def _person(name: str) -> bytes:
    return json.dumps({"@type": OM + "types/Person", OM + "props/givenName": name}).encode()


def _chunked(body: bytes, sizes: list[int], *, ext: bytes = b"", trailer: bytes = b"") -> bytes:
    """``body`` in chunks of the given sizes (the rest in one), with an optional extension and trailer."""
    out, i = b"", 0
    for n in [*sizes, len(body)]:
        piece = body[i : i + n]
        if piece:
            out += f"{len(piece):x}".encode() + ext + b"\r\n" + piece + b"\r\n"
        i += len(piece)
    return out + b"0\r\n" + trailer + b"\r\n"


def _post_head(sb: SandboxInfo, extra: bytes = b"Transfer-Encoding: chunked\r\n") -> bytes:
    return (b"POST /v3/instances?space=myspace HTTP/1.1\r\nHost: x\r\n" + _auth(sb)
            + b"Content-Type: application/json\r\n" + extra + b"\r\n")  # fmt: skip


def _given_name(answer: bytes) -> str:
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    return str(body["data"][OM + "props/givenName"])


def test_chunked_body_is_stored_like_a_content_length_one(sb: SandboxInfo) -> None:
    """Chunks with an extension and a trailer field: the same answer as the Content-Length request."""
    plain = _raw(
        sb, _post_head(sb, f"Content-Length: {len(_person('Plain'))}\r\n".encode()) + _person("Plain")
    )
    body = _chunked(_person("Chunked"), [1, 7, 30], ext=b";name=value", trailer=b"X-Checksum: none\r\n")
    chunked = _raw(sb, _post_head(sb) + body)
    assert _status(chunked) == _status(plain) < 300, chunked[:300]
    assert _given_name(chunked) == "Chunked" and _given_name(plain) == "Plain"


def test_chunked_bodies_from_requests_and_http_client_are_accepted(sb: SandboxInfo) -> None:
    """The chunk encoders of requests (a generator body) and http.client (encode_chunked) both work."""
    import http.client

    headers = {"Authorization": "Bearer " + sb.tokens["alice"], "Content-Type": "application/json"}
    data = _person("FromRequests")
    resp = requests.post(sb.url + "/v3/instances", params={"space": "myspace"}, headers=headers, timeout=10,
                         data=(data[i : i + 5] for i in range(0, len(data), 5)))  # fmt: skip
    assert resp.request.headers.get("Transfer-Encoding") == "chunked"
    assert resp.status_code < 300 and resp.json()["data"][OM + "props/givenName"] == "FromRequests"
    host, port = sb.url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        data = _person("FromHttpClient")
        conn.request("POST", "/v3/instances?space=myspace", body=iter([data[:10], data[10:]]),
                     headers=headers, encode_chunked=True)  # fmt: skip
        answer = conn.getresponse()
        assert answer.status < 300
        assert json.loads(answer.read())["data"][OM + "props/givenName"] == "FromHttpClient"
    finally:
        conn.close()


def test_chunked_body_consumes_exactly_itself_on_a_kept_alive_connection(sb: SandboxInfo) -> None:
    """Two pipelined requests, the first chunked: both are answered, the second intact."""
    first = _post_head(sb) + _chunked(_person("First"), [3])
    second = b"GET /v3/users/me HTTP/1.1\r\nHost: x\r\n" + _auth(sb) + b"\r\n"
    host, port = sb.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(first + second)
        out = b""
        while out.count(b"HTTP/1.1 ") < 2 or not _complete(out.rsplit(b"HTTP/1.1 ", 1)[1]):
            chunk = s.recv(65536)
            assert chunk, out[:400]
            out += chunk
    answers = out.split(b"HTTP/1.1 ")[1:]
    assert [int(a[:3]) for a in answers][1] == 200 and int(answers[0][:3]) < 300


@pytest.mark.parametrize(
    ("extra", "body", "status"),
    [
        (b"Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n", b"0x2\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n", b"-2\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n", b"2\r\n{}xx\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n", b"2\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n", b"1" * 5000 + b"\r\n", 400),
        (b"Transfer-Encoding: chunked\r\n", b"FFFFFFFFFFFF\r\n{", 413),
        (b"Transfer-Encoding: chunked\r\n", b"0\r\n" + b"X: y\r\n" * 100 + b"\r\n", 400),
        (b"Transfer-Encoding: chunked\r\nContent-Length: 7\r\n", b"2\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: chunked, gzip\r\n", b"2\r\n{}\r\n0\r\n\r\n", 400),
        (b"Transfer-Encoding: gzip, chunked\r\n", b"2\r\n{}\r\n0\r\n\r\n", 501),
    ],
    ids=["not-hex", "0x-prefix", "negative", "data-overruns-size", "bare-lf", "endless-size-line",
         "size-over-limit", "endless-trailers", "with-content-length", "chunked-not-last", "gzip"],
)  # fmt: skip
def test_malformed_chunked_bodies_get_a_clear_4xx(
    sb: SandboxInfo, extra: bytes, body: bytes, status: int
) -> None:
    """Bad framing, ambiguous lengths (request smuggling) and unsupported codings: an answer, then close."""
    answer = _raw(sb, _post_head(sb, extra) + body, read_timeout=10)
    assert _status(answer) == status, answer[:300]
    assert b"Connection: close" in answer


def test_chunked_body_over_the_size_limit_is_refused_in_bounded_memory(sb: SandboxInfo) -> None:
    """Many small chunks adding up to more than max_body: 413 once over, the rest never read."""
    httpd: Any = sb.server._httpd
    httpd.max_body = 64 * 1024
    try:
        before = _rss_kb()
        body = (b"8000\r\n" + b"[" * 0x8000 + b"\r\n") * 3
        answer = _raw(sb, _post_head(sb) + body, then=b"8000\r\n" + b"[" * (8 * 1024 * 1024))
        assert _status(answer) == 413
        assert _rss_kb() - before < 40_000
    finally:
        httpd.max_body = 20 * 1024 * 1024


def test_slow_chunked_body_is_cut_off(sb: SandboxInfo) -> None:
    """Chunks that trickle in, or a body that never ends, are answered 408 at the body time limit."""
    httpd: Any = sb.server._httpd
    httpd.body_timeout = 1.0
    try:
        for partial in (b"10\r\n{", b"2\r\n{}\r\n", b"2\r\n{}\r\n0\r\n", b"1"):
            started = time.perf_counter()
            answer = _raw(sb, _post_head(sb) + partial, read_timeout=10)
            assert _status(answer) == 408, (partial, answer[:200])
            assert time.perf_counter() - started < 5
    finally:
        httpd.body_timeout = 30.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=200), cuts=st.lists(st.integers(1, 40), max_size=6))
def test_random_chunked_bytes_get_an_answer_never_a_500(
    sb: SandboxInfo, body: bytes, cuts: list[int]
) -> None:
    """Random bytes as a chunked body, and valid framing around random bytes: below 500, quickly."""
    for data in (body, _chunked(body, cuts)):
        started = time.perf_counter()
        answer = _raw(sb, _post_head(sb) + data, read_timeout=5, half_close=True)
        assert time.perf_counter() - started < 4  # an answer or a close, not the client's timeout
        if answer:
            assert answer.startswith(b"HTTP/1.1 "), answer[:80]
            assert _status(answer) < 500, answer[:200]
