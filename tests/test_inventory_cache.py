"""The incremental inventory: folder listings, the reuse of stored nodes, and a cache that is never trusted blindly."""

from __future__ import annotations

import marshal
import os
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation import inventory
from ebrains_curation.cli import cli
from ebrains_curation.errors import CurationWarning, InventoryError
from ebrains_curation.inventory import InventoryCache
from ebrains_curation.inventory.duplicates import duplicate_groups
from ebrains_curation.inventory.scan import (
    DirInfo,
    FileEntry,
    FolderFiles,
    OwnFiles,
    _Stamped,
    walk,
    walk_folders,
)

BASE = "https://data-proxy.ebrains.eu/api/v1/buckets/demo"


def _write(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    for i in range(5):
        _write(root / f"sub-0{i}" / "rec.csv", f"t,v\n0,{i}\n")
        _write(root / f"sub-0{i}" / "same.bin", b"identical")
    _write(root / "README.md", "# demo\n")
    return root


def _files(result: object) -> list[tuple[str, int, str]]:
    return [(n["IRI"], n["storageSize"]["value"], n["hash"][0]["digest"]) for n in result.files()]  # type: ignore[attr-defined]


def _stored_folders(db: Path) -> list[tuple[bytes, bytes]]:
    con = sqlite3.connect(db)
    try:
        return [(bytes(d), bytes(p)) for d, p in con.execute("SELECT dir, payload FROM inventory_folders_v2")]
    finally:
        con.close()


# -- the walk by folder agrees with the walk by file ------------------------------------------------------


def _by_file(
    root: Path, own: OwnFiles | None = None
) -> tuple[list[object], list[tuple[str, object]], set[str]]:
    dirs, files, problems = [], [], set()
    for item in walk(root, need_stat=True, own_files=own):
        if isinstance(item, DirInfo):
            dirs.append(item)
        elif isinstance(item, FileEntry):
            files.append((item.rel, item.stamp))
        else:
            problems.add(str(item))
    return dirs, files, problems


def _by_folder(
    root: Path, own: OwnFiles | None = None
) -> tuple[list[object], list[tuple[str, object]], set[str]]:
    dirs, files, problems = [], [], set()
    for item in walk_folders(root, own_files=own):
        if isinstance(item, DirInfo):
            dirs.append(item)
        elif isinstance(item, FolderFiles):
            assert dirs[-1].rel == item.rel  # right after its folder's DirInfo
            files += [(e.rel, e.stamp) for e in item.entries()]
        else:
            problems.add(str(item))
    return dirs, files, problems


def test_walk_folders_agrees_with_walk(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _write(root / "b.txt")
    _write(root / "a.txt", b"aa")
    _write(root / "sub" / "x.csv")
    _write(root / "sub" / "deeper" / "y.csv")
    _write(root / "ü-name.txt")  # not ASCII: checked one by one
    _write(root / os.fsdecode(b"bad\xff.txt"))  # not UTF-8: a problem
    os.symlink(root / "a.txt", root / "c-link.txt")  # a link to a file inside: a file, in name order
    os.symlink(root / "sub", root / "link-to-folder")
    os.symlink(tmp_path / "nowhere", root / "broken")
    _write(tmp_path / "outside.txt")
    os.symlink(tmp_path / "outside.txt", root / "out-link")
    os.mkfifo(root / "pipe")
    (root / "empty").mkdir()
    _write(root / "cache.sqlite")
    _write(root / "cache.sqlite-wal")
    own = OwnFiles(str(root), [root / "cache.sqlite"])
    expected = _by_file(root, own)
    assert _by_folder(root, own) == expected
    rels = [rel for rel, _ in expected[1]]
    assert "c-link.txt" in rels and "cache.sqlite" not in rels and "cache.sqlite-wal" not in rels
    assert len(expected[2]) == 5  # bad name, folder link, broken link, link outside, FIFO


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "a", "a/b", "c", "é"]),
            st.text(st.sampled_from("abcé .-_\n"), min_size=1, max_size=6),
            st.binary(max_size=3),
        ),
        max_size=12,
    )
)
def test_walk_folders_agrees_with_walk_on_any_tree(
    tmp_path_factory: pytest.TempPathFactory, spec: list
) -> None:
    root = tmp_path_factory.mktemp("tree")
    for folder, name, data in spec:
        path = root / folder / name if folder else root / name
        if path.exists() or any(p.is_file() for p in path.parents if p != root and p.is_relative_to(root)):
            continue
        _write(path, data)
    assert _by_folder(root) == _by_file(root)


def test_listing_bytes_change_with_every_stamp_field_and_name() -> None:
    stamps = [(10, 1_700_000_000_000_000_001, 1_700_000_000_000_000_002, 2**64 - 1, 7), (0, -5, 3, 4, 5)]

    def listing(names: list[str], rows: list[tuple[int, int, int, int, int]]) -> bytes:
        return FolderFiles("", "/x/", names, [_Stamped(r) for r in rows]).listing()

    base = listing(["a", "b"], stamps)
    assert base == listing(["a", "b"], [tuple(r) for r in stamps])  # type: ignore[misc]
    for field in range(5):
        changed = [list(r) for r in stamps]
        changed[1][field] += 1
        assert listing(["a", "b"], [tuple(r) for r in changed]) != base  # type: ignore[misc]
    assert listing(["a", "c"], stamps) != base
    assert listing(["a/b"], stamps[:1]) != listing(["a", "b"], stamps)  # names cannot run into each other
    # a field beyond 64 bits (inode numbers on some systems): still compared, exactly
    huge = [(1, 2, 3, 2**70, 5)]
    assert listing(["a"], huge) != listing(["a"], [(1, 2, 3, 2**70 + 1, 5)])


# -- the duplicates hint: the same groups as the obvious code ---------------------------------------------


def _naive_groups(paths: list[str], digests: list[str], sizes: list[int]) -> list[tuple[str, ...]]:
    groups: dict[tuple[int, str], list[str]] = {}
    for p, d, s in zip(paths, digests, sizes, strict=True):
        if s:
            groups.setdefault((s, d), []).append(p)
    return sorted((tuple(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 2)), max_size=40))
def test_duplicate_groups_match_the_obvious_code(rows: list[tuple[str, int]]) -> None:
    paths = [f"f{i:02d} x%.txt" for i in range(len(rows))]
    base = "https://x.org/b/"
    from urllib.parse import quote

    files = [{"IRI": base + quote(p)} for p in paths]
    digests, sizes = [d for d, _ in rows], [s for _, s in rows]
    groups = duplicate_groups(files, digests, sizes, base)
    assert [tuple(g) for g in groups] == _naive_groups(paths, digests, sizes)
    for g in groups:
        assert list(g[:3]) == list(tuple(g)[:3]) and g[-1] == tuple(g)[-1]
        with pytest.raises(IndexError):
            g[len(g)]


# -- reuse and its limits ---------------------------------------------------------------------------------


def test_rerun_shows_new_removed_and_changed_files(tree: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    first = inventory(tree, BASE, cache=db, progress=False)
    _write(tree / "sub-01" / "new.txt", "new")
    (tree / "sub-02" / "rec.csv").unlink()
    (tree / "sub-03" / "rec.csv").write_text("t,v\n0,9\n")  # same size, new contents
    again = inventory(tree, BASE, cache=db, progress=False)
    assert again.stats.files_read == 2 and again.stats.files_cached == len(first.files()) - 1 - 1
    expected = inventory(tree, BASE, progress=False)  # no cache: the truth
    assert _files(again) == _files(expected) and again.graph == expected.graph
    third = inventory(tree, BASE, cache=db, progress=False)
    assert third.stats.files_read == 0 and third.graph == expected.graph


def test_a_stored_folder_that_cannot_be_read_is_rebuilt_with_a_warning(tree: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    first = inventory(tree, BASE, cache=db, progress=False)
    con = sqlite3.connect(db)
    bad = [b"not marshal at all", marshal.dumps((1, 2)), marshal.dumps(tuple([[]] * 8)), b""]
    dirs = [d for (d,) in con.execute("SELECT dir FROM inventory_folders_v2 ORDER BY dir")]
    for d, payload in zip(dirs, bad, strict=False):
        con.execute("UPDATE inventory_folders_v2 SET payload = ? WHERE dir = ?", (payload, d))
    con.commit()
    con.close()
    with pytest.warns(CurationWarning, match="unreadable data for the folder"):
        again = inventory(tree, BASE, cache=db, progress=False)
    assert again.graph == first.graph and again.stats.files_read == 0  # the digests still came from the cache
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stored again: no warning any more
        third = inventory(tree, BASE, cache=db, progress=False)
    assert third.graph == first.graph


def test_foreign_or_broken_cache_files_are_left_alone(tree: Path, tmp_path: Path) -> None:
    truth = inventory(tree, BASE, progress=False)
    other = tmp_path / "patients.sqlite"  # another program's database
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE patients (id INTEGER, name TEXT)")
    con.commit()
    con.close()
    before = other.read_bytes()
    with pytest.raises(InventoryError, match="another program"):
        InventoryCache(other)
    with pytest.warns(CurationWarning, match="another program"):
        r = inventory(tree, BASE, cache=other, progress=False)
    assert r.graph == truth.graph and r.stats.files_read == len(truth.files())
    assert other.read_bytes() == before  # nothing written into it
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    with pytest.warns(CurationWarning, match="cannot be used"):
        r = inventory(tree, BASE, cache=text, progress=False)
    assert r.graph == truth.graph and text.read_text() == "not a database\n" * 100


def test_a_damaged_cache_turns_itself_off_with_a_warning(tree: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    truth = inventory(tree, BASE, cache=db, progress=False)
    assert not Path(f"{db}-wal").exists()  # checkpointed on close: the pages are in the file
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 2 * page
    data[page:] = os.urandom(len(data) - page)  # keep the header page, damage every table page
    db.write_bytes(bytes(data))
    with pytest.warns(CurationWarning, match="failed"):
        r = inventory(tree, BASE, cache=db, progress=False)
    assert r.graph == truth.graph and r.stats.files_read == len(truth.files())


def test_cli_prints_cache_warnings_as_lines(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"garbage" * 200)
    out = tmp_path / "files.jsonld"
    res = CliRunner().invoke(
        cli, ["inventory", str(tree), "--iri", BASE, "-o", str(out), "--cache", str(bad), "-q"]
    )
    assert res.exit_code == 0, res.output
    assert "warning: The cache file" in res.output and "Traceback" not in res.output
    assert out.exists()


_CONCURRENT = """
import sys
from ebrains_curation import inventory
r = inventory(sys.argv[1], sys.argv[2], cache=sys.argv[3], progress=False, process_after=None)
print(len(r.files()))
"""


@pytest.mark.slow
def test_concurrent_runs_share_one_cache(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for d in range(6):
        for i in range(150):
            _write(root / f"s{d}" / f"f{i:03d}.txt", f"{d}-{i}")
    db = tmp_path / "shared.sqlite"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CONCURRENT, str(root), BASE, str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "900", err
        assert "Traceback" not in err
    truth = inventory(root, BASE, progress=False)
    again = inventory(root, BASE, cache=db, progress=False)
    assert again.graph == truth.graph and again.stats.files_read == 0
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rerun_notices_each_kind_of_change_alone_in_its_folder(tmp_path: Path) -> None:
    """Each change alone (no other file of the folder touched) makes the folder's nodes be rebuilt."""
    root = tmp_path / "d"
    f = _write(root / "only" / "data.bin", b"A" * 100)
    _write(root / "other" / "keep.bin", b"K")
    db = tmp_path / "c.sqlite"
    past = 1_500_000_000 * 10**9
    os.utime(f, ns=(past, past))
    inventory(root, BASE, cache=db, progress=False)

    def digest() -> str:
        r = inventory(root, BASE, cache=db, progress=False)
        (node,) = [n for n in r.files() if n["name"] == "data.bin"]
        return str(node["hash"][0]["digest"])

    import hashlib

    # contents rewritten in place, same size, the mtime put back (rsync -t, cp -p): only the ctime tells
    f.write_bytes(b"B" * 100)
    os.utime(f, ns=(past, past))
    assert digest() == hashlib.sha256(b"B" * 100).hexdigest()
    # replaced by another file of the same size and mtime (an atomic save): its inode and ctime tell
    tmp = _write(root / "only" / ".tmp", b"C" * 100)
    os.utime(tmp, ns=(past, past))
    os.replace(tmp, f)
    assert digest() == hashlib.sha256(b"C" * 100).hexdigest()
    # touched only, and grown
    f.write_bytes(b"D" * 100)
    assert digest() == hashlib.sha256(b"D" * 100).hexdigest()
    f.write_bytes(b"E" * 101)
    os.utime(f, ns=(past, past))
    assert digest() == hashlib.sha256(b"E" * 101).hexdigest()


_JUNK = st.recursive(
    st.none() | st.integers() | st.text(max_size=5) | st.binary(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=3), inner)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=64), _JUNK.map(marshal.dumps)), st.integers(0, 3))
def test_stored_folder_data_is_checked_before_use(payload: bytes, n: int) -> None:
    from ebrains_curation.inventory.pipeline import _decode_folder

    stored = _decode_folder(payload, n)  # never raises: anything but what was stored is None
    assert stored is None or (len(stored) == 8 and len(stored[3]) == n)
