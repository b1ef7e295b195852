"""The inventory's parts: hashing, walking, the cache, extension look-up, IRIs (with hypothesis)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation.errors import ConfigurationError, InventoryError
from ebrains_curation.inventory.cache import InventoryCache
from ebrains_curation.inventory.formats import format_index
from ebrains_curation.inventory.hashing import CHUNK_SIZE, hash_batch, hash_file, normalize_algorithms
from ebrains_curation.inventory.nodes import NodeFactory
from ebrains_curation.inventory.scan import DirInfo, FileEntry, Problem, display_path, walk
from ebrains_curation.inventory.stamp import stamp

BASE = "https://example.org/bucket"


@pytest.mark.parametrize("size", [0, 1, 4095, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE + 7])
def test_hash_file_chunk_boundaries(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    f = tmp_path / "f.bin"
    f.write_bytes(data)
    d = hash_file(str(f), ("SHA-256", "MD5", "SHA-1"))
    assert d.size == size
    assert d.digests == (
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
    )
    assert d.mtime_ns == f.stat().st_mtime_ns
    assert d.stamp == stamp(f.stat())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=5000))
def test_hash_file_matches_hashlib(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "h.bin"
    f.write_bytes(data)
    assert hash_file(str(f), ("SHA-256",)).digests == (hashlib.sha256(data).hexdigest(),)


def test_hash_batch_keeps_errors_in_place(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"a")
    os.mkfifo(tmp_path / "fifo")
    out = hash_batch([str(tmp_path / "a"), str(tmp_path / "missing"), str(tmp_path / "fifo")], ("MD5",))
    assert out[0].digests == (hashlib.md5(b"a").hexdigest(),)  # type: ignore[union-attr]
    assert isinstance(out[1], FileNotFoundError)
    assert isinstance(out[2], OSError)  # opened without blocking, then refused as not a regular file


def test_normalize_algorithms() -> None:
    assert normalize_algorithms("sha256, MD5,sha-1,SHA256") == ("SHA-256", "MD5", "SHA-1")
    assert normalize_algorithms(["Sha_1"]) == ("SHA-1",)
    with pytest.raises(ConfigurationError):
        normalize_algorithms("")
    with pytest.raises(ConfigurationError, match="blake2"):
        normalize_algorithms(["blake2"])


def test_walk_order_and_kinds(tmp_path: Path) -> None:
    for rel in ["b/2.txt", "b/1.txt", "a/x/deep.txt", "top.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    (tmp_path / "c").mkdir()
    items = list(walk(tmp_path, need_stat=True))
    kinds = [(type(i).__name__, getattr(i, "rel", None)) for i in items]
    assert kinds == [
        ("DirInfo", ""),
        ("FileEntry", "top.txt"),
        ("DirInfo", "a"),
        ("DirInfo", "a/x"),
        ("FileEntry", "a/x/deep.txt"),
        ("DirInfo", "b"),
        ("FileEntry", "b/1.txt"),
        ("FileEntry", "b/2.txt"),
        ("DirInfo", "c"),
    ]
    files = [i for i in items if isinstance(i, FileEntry)]
    assert all(f.size == len(f.rel) for f in files)
    assert next(i for i in items if isinstance(i, DirInfo) and i.rel == "a/x").depth == 2
    assert [i.entries for i in items if isinstance(i, DirInfo) and i.rel == "c"] == [0]


def test_walk_root_errors_and_symlinked_root(tmp_path: Path) -> None:
    with pytest.raises(InventoryError):
        list(walk(tmp_path / "missing"))
    real = tmp_path / "real"
    real.mkdir()
    (real / "f.txt").write_text("x")
    os.symlink(real, tmp_path / "alias")
    (real / "self").symlink_to(real / "f.txt")
    items = list(walk(tmp_path / "alias"))
    assert [i.rel for i in items if isinstance(i, FileEntry)] == ["f.txt", "self"]  # links inside stay inside
    assert not [i for i in items if isinstance(i, Problem)]


def test_display_path() -> None:
    assert display_path("plain/ü.txt") == "plain/ü.txt"
    assert display_path(os.fsdecode(b"bad\xff.txt")) == "bad\\xff.txt"


def test_cache_roundtrip(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    big = 2**64 - 1  # inode and device numbers are unsigned 64-bit
    s1 = (10, 123, 456, big, 7)
    with InventoryCache(db) as c:
        c.put("/data/a", s1, {"SHA-256": "aa", "MD5": "bb"})
        assert c.get("/data/a", s1, ("MD5", "SHA-256")) == ("bb", "aa")
        assert c.get("/data/a", (11, 123, 456, big, 7), ("MD5",)) is None  # size changed
        assert c.get("/data/a", (10, 124, 456, big, 7), ("MD5",)) is None  # touched
        assert c.get("/data/a", (10, 123, 457, big, 7), ("MD5",)) is None  # rewritten, mtime put back
        assert c.get("/data/a", (10, 123, 456, 99, 7), ("MD5",)) is None  # replaced by another file
        assert c.get("/data/a", (10, 123, 456, big, 8), ("MD5",)) is None  # another device
        assert c.get("/data/a", s1, ("SHA-1",)) is None  # never computed
        assert c.get(os.fsdecode(b"/data/\xff"), (1, 1, 1, 1, 1), ("MD5",)) is None  # any bytes in names
        assert (c.hits, c.misses) == (1, 7)
    with InventoryCache(db) as c:  # persisted
        assert len(c) == 1
        # batched upserts: digests of other algorithms are kept while the stamp stays, dropped otherwise
        c.put("/data/a", s1, {"SHA-1": "cc"})
        c.put("/elsewhere/b", (1, 1, 1, 1, 1), {"MD5": "dd"})  # another folder: written without reading
        assert c.get("/data/a", s1, ("SHA-256", "MD5", "SHA-1")) == ("aa", "bb", "cc")
        s2 = (10, 123, 999, big, 7)  # only the ctime differs
        c.put("/data/a", s2, {"MD5": "ee"})
        assert c.get("/data/a", s2, ("SHA-256",)) is None
    with InventoryCache(db) as c:
        assert len(c) == 2
        assert c.get("/data/a", s2, ("MD5",)) == ("ee",)
        assert c.get("/data/a", s2, ("SHA-1",)) is None
        assert c.get("/elsewhere/b", (1, 1, 1, 1, 1), ("MD5",)) == ("dd",)
    with InventoryCache(db) as c:  # the same through the database, the folder not loaded in memory first
        c.put("/data/a", s2, {"SHA-256": "ff"})
        c.put("/elsewhere/b", (1, 1, 1, 1, 1), {"MD5": "dd"})  # switch folders: the /data rows are flushed
        assert c.get("/data/a", s2, ("SHA-256", "MD5")) == ("ff", "ee")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InventoryError, match="cannot be used"):
        InventoryCache(bad)


def test_extension_lookup() -> None:
    idx = format_index("v4")
    assert idx.lookup("brain.NII.GZ")[0] == ".nii.gz"
    assert idx.lookup("README") == ("", None)
    assert idx.lookup(".hidden") == ("", None)
    assert idx.lookup("a.unknownext")[0] == ".unknownext"
    assert ".csv" in idx.candidates and idx.by_ext[".csv"][1] == "text/csv"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_extension_is_a_lowercase_suffix(name: str) -> None:
    ext, fmt = format_index("v4").lookup(name)
    assert ext == "" or name.lower().endswith(ext)
    assert fmt is None or fmt[0].startswith("https://openminds.om-i.org/instances/contentTypes/")


_segment = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=12
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=4))
def test_iri_percent_encodes_and_round_trips(parts: list[str]) -> None:
    rel = "/".join(parts)
    f = NodeFactory("v4", BASE + "/")
    iri = f.iri(rel)
    assert iri.startswith(BASE + "/")
    tail = iri[len(BASE) + 1 :]
    assert unquote(tail) == rel
    assert re.fullmatch(r"[A-Za-z0-9/._~%-]*", tail)  # only unreserved characters and escapes
    assert " " not in iri and "#" not in iri and "?" not in iri
    assert urlsplit(iri).path.endswith(tail)
    assert f.mint("file", iri) == f.mint("file", iri) != f.mint("file", iri + "x")


_name = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"), min_size=1, max_size=10
).filter(lambda s: s not in (".", "..") and len(s.encode()) < 200)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tree=st.dictionaries(
        st.lists(_name, min_size=1, max_size=3).map(tuple), st.binary(max_size=64), min_size=1, max_size=12
    )
)
def test_random_trees_round_trip(
    tmp_path_factory: pytest.TempPathFactory, tree: dict[tuple[str, ...], bytes]
) -> None:
    from ebrains_curation import inventory

    root = tmp_path_factory.mktemp("t")
    written: dict[str, bytes] = {}
    for parts, data in tree.items():
        path = root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError:  # a file where a folder is wanted, or the other way round: skip this one
            continue
        written = {k: v for k, v in written.items() if not k.startswith("/".join(parts) + "/")}
        written["/".join(parts)] = data
    written = {k: v for k, v in written.items() if (root / k).is_file()}
    r = inventory(root, BASE, progress=False)
    assert not r.problems
    got = {unquote(n["IRI"][len(BASE) + 1 :]): n for n in r.files()}
    assert set(got) == set(written)
    for rel, node in got.items():
        assert node["name"] == rel.rsplit("/", 1)[-1]
        assert node["storageSize"]["value"] == len(written[rel])
        assert node["hash"][0]["digest"] == hashlib.sha256(written[rel]).hexdigest()
    assert r.stats.bytes == sum(map(len, written.values()))
    assert len({n["@id"] for n in r.files()}) == len(got)


@settings(max_examples=80, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=4), st.lists(_segment, min_size=1, max_size=4))
def test_bundle_ids_never_equal_file_ids(folder: list[str], file: list[str]) -> None:
    """Default ids are addresses: a folder's ends with "/", a file's never does, whatever the names."""
    for base in (BASE, BASE + "/"):
        f = NodeFactory("v4", base)
        bundle, file_id = f.bundle_id("/".join(folder)), f.file_id(f.iri("/".join(file)))
        assert bundle.endswith("/") and not file_id.endswith("/")
        assert bundle != file_id and f.repo_id not in (bundle, file_id)
        assert file_id == f.iri("/".join(file)) and f.repo_id == base
        assert not bundle.startswith("_:") and not f.mint("organization", "EBRAINS").startswith("_:")
    kg = NodeFactory("v4", BASE, "https://kg.ebrains.eu/api/instances/")  # id_prefix still gives UUID ids
    assert kg.bundle_id("a") != kg.file_id(kg.iri("a"))
    assert kg.repo_id.startswith("https://kg.ebrains.eu/api/instances/")


@settings(max_examples=40, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=3), st.sampled_from([("SHA-256",), ("MD5", "SHA-1")]))
def test_fast_file_nodes_equal_the_reference(parts: list[str], algorithms: tuple[str, ...]) -> None:
    from ebrains_curation.inventory.nodes import FileNodes

    for prefix in (None, "_:"):
        f = NodeFactory("v4", BASE, prefix)
        fast = FileNodes(f, algorithms)
        folder, name = "/".join(parts[:-1]), parts[-1]
        bundle = f.bundle_id(folder) if folder else None
        fast.folder(folder, bundle)
        digests = tuple("ab" * (i + 1) for i in range(len(algorithms)))
        fmt = {"@id": "https://openminds.om-i.org/instances/contentTypes/text_csv"}
        role = {"@id": "https://openminds.om-i.org/instances/fileUsageRole/preview"}
        assert fast.build(name, 12, digests, fmt, role) == f.file(
            "/".join(parts), 12, algorithms, digests, bundle, fmt["@id"], role["@id"]
        )
        assert fast.build(name, 0, digests, None, None) == f.file(
            "/".join(parts), 0, algorithms, digests, bundle, None, None
        )


@pytest.mark.parametrize(
    ("patterns", "rel", "expected"),
    [
        (["*descriptor*.pdf"], "docs/Data_Descriptor.PDF", True),
        (["*descriptor*.pdf"], "docs/descriptor.pdf.txt", False),
        (["docs/readme"], "docs/README", True),
        (["*/readme.md", "x?.txt"], "a/b/readme.md", True),
        (["*/readme.md", "x?.txt"], "xy.txt", True),
        (["docs/*"], "docs/any.thing", True),
        (["[ab].csv"], "b.csv", True),
        (["[ab].csv"], "c.csv", False),
    ],
)
def test_role_prefilter_never_drops_a_match(patterns: list[str], rel: str, expected: bool) -> None:
    from fnmatch import fnmatch

    from ebrains_curation.inventory.roles import RoleMatcher as _RoleMatcher

    m = _RoleMatcher({"preview": patterns}, "v4")
    name = rel.rsplit("/", 1)[-1]
    reference = any(fnmatch(rel.lower() if "/" in p else name.lower(), p.lower()) for p in patterns)
    assert reference == expected
    assert (m.match(rel, name) is not None) == expected
