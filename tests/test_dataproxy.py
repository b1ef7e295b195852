"""The Data Proxy client and sandbox, over real HTTP on 127.0.0.1; differential tests against ebrains-drive."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation.dataproxy import DataProxyClient
from ebrains_curation.dataproxy.describe import describe_bucket
from ebrains_curation.dataproxy.multipart import MultipartUpload
from ebrains_curation.dataproxy.sandbox import DataProxySandbox
from ebrains_curation.errors import ConfigurationError, DataProxyError
from ebrains_curation.schemas import get_term

AWKWARD = [
    "a b.txt",
    "hash#tag.txt",
    "what?.txt",
    "100%25.txt",
    "per%cent.txt",
    "ünï/cödé.txt",
    "plus+sign",
    "x/y/z",
]


@pytest.fixture(scope="module")
def dp() -> Iterator[DataProxySandbox]:
    with DataProxySandbox() as server:
        yield server


@pytest.fixture
def client(dp: DataProxySandbox, tmp_path: Path) -> Iterator[DataProxyClient]:
    with DataProxyClient(
        dp.api_url,
        token=dp.token("alice"),
        chunk_size=5 << 20,
        multipart_threshold=6 << 20,
        state_dir=tmp_path,
    ) as c:
        yield c


def test_awkward_names_round_trip(client: DataProxyClient, tmp_path: Path) -> None:
    """#, ?, %, spaces, non-ASCII and + survive upload, listing and download; URLs are percent-encoded."""
    for i, name in enumerate(AWKWARD):
        client.upload("names", name, f"content {i}".encode())
    listed = {o.name: o for o in client.list("names")}
    assert sorted(listed) == sorted(AWKWARD)
    for i, name in enumerate(AWKWARD):
        assert listed[name].md5 == hashlib.md5(f"content {i}".encode()).hexdigest()
        got = client.download("names", name, tmp_path / "out")
        assert (tmp_path / "out").read_bytes() == f"content {i}".encode() and got == listed[name].md5
    assert client.object_url("names", "hash#tag.txt").endswith("/names/hash%23tag.txt")
    assert client.object_url("names", "what?.txt").endswith("/what%3F.txt")
    assert client.object_url("names", "100%25.txt").endswith("/100%2525.txt")
    assert client.object_url("names", "ünï/cödé.txt").endswith("/%C3%BCn%C3%AF/c%C3%B6d%C3%A9.txt")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
        min_size=1,
        max_size=20,
    ).filter(lambda s: s not in (".", "..", "stat", "multipart") and s.strip() == s)
)
def test_any_name_round_trips(dp: DataProxySandbox, name: str) -> None:
    """Whatever the (non-control) characters, the object listed is the object named."""
    with DataProxyClient(dp.api_url, token=dp.token("alice")) as c:
        c.upload("fuzz", f"d/{name}", name.encode())
        found = c.find("fuzz", f"d/{name}")
        assert found is not None and found.md5 == hashlib.md5(name.encode()).hexdigest()


def test_paging_by_marker(dp: DataProxySandbox, client: DataProxyClient) -> None:
    """Small pages: every object once, in name order, and the listing ends at the first empty page."""
    names = [f"p/{i:03d}" for i in range(23)]
    for n in names:
        client.upload("paging", n, n.encode())
    before = dp.requests_seen
    assert [o.name for o in client.list("paging", page_size=5)] == names
    assert dp.requests_seen - before == 6  # 5 full-or-partial pages + the empty one
    assert [o.name for o in client.list("paging", prefix="p/01", page_size=3)] == names[10:20]


def test_multipart_resumes_after_interruption(
    dp: DataProxySandbox, client: DataProxyClient, tmp_path: Path
) -> None:
    """An upload stopped after 2 of 4 parts sends only the 2 missing parts when run again."""
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom((15 << 20) + 123))  # 4 parts of 5 MiB
    client.part_workers = 1
    calls = []

    def stop_after_two(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt("interrupted")

    with pytest.raises(KeyboardInterrupt):
        MultipartUpload(client, "mp", "big.bin", path, stop_after_two).run()
    assert client.find("mp", "big.bin") is None
    again = MultipartUpload(client, "mp", "big.bin", path)
    digest = again.run()
    assert again.parts_sent == 2
    obj = client.find("mp", "big.bin")
    assert obj is not None and obj.bytes == path.stat().st_size and obj.hash == digest and obj.md5 is None
    assert dp.store.writes[("mp", "big.bin")] == 1
    assert (
        client.download("mp", "big.bin", tmp_path / "back", expected_md5=None)
        == hashlib.md5(path.read_bytes()).hexdigest()
    )
    assert not list(tmp_path.glob("*.json"))  # the resume state is gone once complete


def test_multipart_state_ignored_when_file_changed(client: DataProxyClient, tmp_path: Path) -> None:
    """A changed file does not resume from parts of its old content."""
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * (11 << 20))
    with pytest.raises(KeyboardInterrupt):
        MultipartUpload(
            client, "mp2", "f.bin", path, lambda n: (_ for _ in ()).throw(KeyboardInterrupt())
        ).run()
    path.write_bytes(b"b" * (11 << 20))
    up = MultipartUpload(client, "mp2", "f.bin", path)
    up.run()
    assert up.parts_sent == 3
    assert client.download("mp2", "f.bin", tmp_path / "o") == hashlib.md5(b"b" * (11 << 20)).hexdigest()


def test_download_checks_the_hash(dp: DataProxySandbox, client: DataProxyClient, tmp_path: Path) -> None:
    """Content that does not match the listing's MD5 is refused and nothing is written."""
    client.upload("dl", "f.txt", b"original")
    stored = dp.store._path("dl", "f.txt")
    stored.write_bytes(b"tampered")
    with pytest.raises(DataProxyError, match="does not match its MD5"):
        client.download("dl", "f.txt", tmp_path / "f.txt")
    assert not (tmp_path / "f.txt").exists() and not list(tmp_path.glob(".f.txt*"))


def test_guarded_delete(client: DataProxyClient) -> None:
    """Folders need recursive=True; a changed or missing object is not deleted."""
    client.upload("del", "d/a", b"a")
    client.upload("del", "d/b", b"b")
    with pytest.raises(ConfigurationError, match="recursive"):
        client.delete("del", "d/")
    with pytest.raises(DataProxyError, match="changed"):
        client.delete("del", "d/a", expected_md5=hashlib.md5(b"other").hexdigest())
    with pytest.raises(DataProxyError, match="no object"):
        client.delete("del", "d/missing")
    assert client.delete("del", "d/a", expected_md5=hashlib.md5(b"a").hexdigest()) == 1
    assert client.delete("del", "d/", recursive=True) == 1
    assert list(client.list("del")) == []


def test_errors_are_sentences_without_secrets(dp: DataProxySandbox, caplog: pytest.LogCaptureFixture) -> None:
    """A refused token gives a clear 401 message; no token or URL signature in errors or reprs."""
    secret = "not.a.token"
    c = DataProxyClient(dp.api_url, token=secret)
    with pytest.raises(DataProxyError) as info:
        list(c.list("x"))
    assert info.value.status == 401 and "logged in" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(c)
    good = DataProxyClient(dp.api_url, token=dp.token("alice"))
    url = good._call("PUT", good.object_url("sig", "a"), what="x")["url"]
    assert "X-Amz-Signature" in url
    signature = url.rsplit("X-Amz-Signature=", 1)[1]
    with pytest.raises(DataProxyError, match="temporary URL was refused") as info:
        good._put_bytes(url.replace("op=put", "op=get"), b"x", 1, None)
    assert signature not in str(info.value) and "?" not in info.value.url
    with pytest.raises(ConfigurationError, match="plain http"):
        DataProxyClient("http://data-proxy.example.org/api")
    caplog.set_level(logging.DEBUG)
    good.upload("sig", "logged.txt", b"x")
    good.download("sig", "logged.txt", Path(tempfile.mkdtemp()) / "x")
    lines = [r.getMessage() for r in caplog.records]
    assert any("/store/sig/logged.txt" in line for line in lines)  # urllib3 did log the requests…
    assert not any("Signature=" in line for line in lines)  # …without their signatures
    assert not any(good._auth.get() in line for line in lines)


def test_viewer_cannot_upload(dp: DataProxySandbox) -> None:
    """Roles follow the collab team: a viewer lists, an editor uploads."""
    dp.app.add_bucket("team", members={"alice": "editor", "bob": "viewer"})
    DataProxyClient(dp.api_url, token=dp.token("alice")).upload("team", "a", b"a")
    bob = DataProxyClient(dp.api_url, token=dp.token("bob"))
    assert [o.name for o in bob.list("team")] == ["a"]
    with pytest.raises(DataProxyError, match="role") as info:
        bob.upload("team", "b", b"b")
    assert info.value.status == 403


def test_describe_bucket_agrees_with_the_inventory(
    dp: DataProxySandbox, client: DataProxyClient, tmp_path: Path
) -> None:
    """Describing the uploaded files from the listing gives the inventory's File @ids, IRIs, sizes and MD5s."""
    from ebrains_curation.inventory import inventory

    root = tmp_path / "data"
    (root / "sub dir").mkdir(parents=True)
    for i, name in enumerate(["a.json", "sub dir/b #1.csv", "ü.txt"]):
        (root / name).write_bytes(os.urandom(100 + i))
        client.upload("desc", name, (root / name).read_bytes(), content_type="application/json")
    inv = inventory(root, client.bucket_iri("desc"), algorithms=("MD5",), progress=False)
    desc = describe_bucket(client, "desc")

    def files(graph) -> dict[str, tuple]:
        return {
            n["@id"]: (n["IRI"], n["storageSize"]["value"], n["hash"][0]["digest"], n["name"])
            for n in graph.of_type("File")
        }

    assert files(desc.graph) == files(inv.graph)
    assert desc.files == 3 and not desc.without_md5
    json_file = desc.graph.nodes[client.object_url("desc", "a.json")]
    assert json_file["format"]["@id"] == str(get_term("ContentType", "application/json").id)
    repo = desc.graph.nodes[client.bucket_iri("desc")]
    assert repo["IRI"] == client.bucket_iri("desc") == inv.repository


def test_ebrains_drive_reads_and_writes_the_sandbox(
    dp: DataProxySandbox, client: DataProxyClient, tmp_path: Path
) -> None:
    """The official client (ebrains-drive) and ours see the same bucket: stat, listing, uploads, downloads."""
    ebrains_drive = pytest.importorskip("ebrains_drive")
    ed = ebrains_drive.BucketApiClient(token=dp.token("alice"))
    ed.server = dp.api_url
    client.upload("shared", "ours.txt", b"written by ebrains-curation")
    bucket = ed.buckets.get_bucket("shared")  # Bucket(**stat): our stat has exactly its keys
    assert bucket.name == "shared"
    assert [f.name for f in bucket.ls()] == ["ours.txt"]
    assert bucket.get_file("ours.txt").get_content() == b"written by ebrains-curation"
    theirs = tmp_path / "theirs.bin"
    theirs.write_bytes(os.urandom(3000))
    bucket.upload(str(theirs), "theirs.bin")
    found = client.find("shared", "theirs.bin")
    assert found is not None and found.md5 == hashlib.md5(theirs.read_bytes()).hexdigest()


def test_ebrains_drive_multipart_upload_is_read_back(
    dp: DataProxySandbox, client: DataProxyClient, tmp_path: Path
) -> None:
    """ebrains-drive's multipart protocol works against the sandbox; our multipart hash check agrees."""
    ebrains_drive = pytest.importorskip("ebrains_drive")
    from ebrains_drive import utils

    from ebrains_curation.curation.push import multipart_hash

    ed = ebrains_drive.BucketApiClient(token=dp.token("alice"))
    ed.server = dp.api_url
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom((11 << 20) + 7))
    bucket = ed.buckets.get_bucket("edmp")
    old = utils.EBRAINS_DRIVE_MULTIPART_CHUNK_SIZE
    try:
        bucket.multipart_upload(str(big), "big.bin")
    finally:
        utils.EBRAINS_DRIVE_MULTIPART_CHUNK_SIZE = old
    obj = client.find("edmp", "big.bin")
    assert obj is not None and obj.bytes == big.stat().st_size
    assert obj.hash == multipart_hash(big, utils.EBRAINS_DRIVE_MULTIPART_CHUNK_SIZE)
    client.download("edmp", "big.bin", tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == big.read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "POST", "PATCH"]),
    path=st.lists(st.text(min_size=0, max_size=12), min_size=0, max_size=5),
    params=st.dictionaries(
        st.sampled_from(["limit", "marker", "prefix", "delimiter", "redirect", "to", "op", "expires"]),
        st.text(max_size=10),
        max_size=4,
    ),
    body=st.binary(max_size=64),
    auth=st.booleans(),
)
def test_sandbox_answers_bad_requests_without_crashing(
    dp: DataProxySandbox, method: str, path: list[str], params: dict[str, str], body: bytes, auth: bool
) -> None:
    """Whatever the route, query or body, the sandbox answers with a status below 500 (never a crash)."""
    from urllib.parse import quote

    import requests

    headers = {"Authorization": f"Bearer {dp.token('alice')}"} if auth else {}
    url = dp.api_url + "/v1/buckets/" + "/".join(quote(p, safe="") for p in path)
    resp = requests.request(method, url, params=params, data=body, headers=headers, timeout=30)
    assert resp.status_code < 500, (resp.status_code, resp.text[:200])
    store_url = dp.url + "/store/" + "/".join(quote(p, safe="") for p in path)
    assert requests.request(method, store_url, params=params, data=body, timeout=30).status_code < 500
