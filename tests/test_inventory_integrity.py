"""Inventory integrity: no digest of contents that never existed, no inventory of its own files, one-line summaries."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from ebrains_curation import inventory
from ebrains_curation.cli import cli as cli_main
from ebrains_curation.inventory import hashing
from ebrains_curation.inventory.scan import OwnFiles

BASE = "https://data-proxy.ebrains.eu/api/v1/buckets/demo"
PAST_NS = 1_500_000_000 * 10**9  # an mtime long ago, so a rewrite now is visible in the timestamps


def _big_file(path: Path, fill: bytes) -> bytes:
    data = fill * (3 * hashing.CHUNK_SIZE)  # three chunks: a rewrite can land between two reads
    path.write_bytes(data)
    os.utime(path, ns=(PAST_NS, PAST_NS))
    return data


def _rewrite_during_reads(monkeypatch: pytest.MonkeyPatch, path: Path, times: int) -> list[int]:
    """After the first chunk of each of the next ``times`` reads, rewrite ``path`` in place (same size)."""
    real_readv = os.readv
    calls = [0]
    rewrites: list[int] = []

    def readv(fd: int, buffers: list[bytearray]) -> int:
        n = real_readv(fd, buffers)
        calls[0] += 1
        first_chunk = os.lseek(fd, 0, os.SEEK_CUR) == n
        if first_chunk and len(rewrites) < times and os.readlink(f"/proc/self/fd/{fd}") == str(path):
            with open(path, "r+b") as fh:  # another program overwrites the file, same size
                fh.write(bytes([65 + len(rewrites)]) * os.path.getsize(path))
            rewrites.append(calls[0])
        return n

    monkeypatch.setattr(hashing.os, "readv", readv)
    return rewrites


@pytest.fixture(autouse=True)
def _needs_proc() -> None:
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc")


def test_same_size_rewrite_while_hashing_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "d"
    root.mkdir()
    path = root / "rec.bin"
    old = _big_file(path, b"o")
    rewrites = _rewrite_during_reads(monkeypatch, path, times=1)
    r = inventory(root, BASE, algorithms=("SHA-256", "MD5"), workers=1, progress=False)
    assert rewrites, "the rewrite did not happen: the test would prove nothing"
    new = path.read_bytes()
    assert new != old and len(new) == len(old)
    mixed = old[: hashing.CHUNK_SIZE] + new[hashing.CHUNK_SIZE :]
    (node,) = r.files()
    digests = {h["algorithm"]: h["digest"] for h in node["hash"]}
    assert digests["SHA-256"] != hashlib.sha256(mixed).hexdigest()  # what a single read would give
    assert digests == {"SHA-256": hashlib.sha256(new).hexdigest(), "MD5": hashlib.md5(new).hexdigest()}
    assert not r.problems


def test_file_that_keeps_changing_is_a_problem_not_a_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "d"
    root.mkdir()
    path = root / "live.bin"
    _big_file(path, b"o")
    (root / "steady.txt").write_text("steady")
    rewrites = _rewrite_during_reads(monkeypatch, path, times=hashing.READ_ATTEMPTS)
    r = inventory(root, BASE, workers=1, progress=False)
    assert len(rewrites) == hashing.READ_ATTEMPTS
    assert [(p.path, p.kind) for p in r.problems] == [("live.bin", "changed-while-reading")]
    assert [n["name"] for n in r.files()] == ["steady.txt"]


def test_own_cache_and_output_are_not_inventoried(tmp_path: Path) -> None:
    root = tmp_path / "d"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.csv").write_text("1,2\n")
    cache = root / "inventory-cache.sqlite"
    out = root / "files.jsonld"
    first = inventory(root, BASE, cache=cache, exclude=[out], progress=False)
    first.save(out)
    assert cache.exists() and out.exists()
    (root / ".files.jsonld.abc123.tmp").write_text("a half-written output")  # an atomic write's temporary
    (root / "inventory-cache.sqlite-journal").write_text("journal")
    again = inventory(root, BASE, cache=cache, exclude=[out], progress=False)
    assert [n["name"] for n in again.files()] == ["a.csv"]
    # the same names are data when they are not ours
    other = inventory(root, BASE, progress=False)
    assert sorted(n["name"] for n in other.files()) == [
        ".files.jsonld.abc123.tmp",
        "a.csv",
        "files.jsonld",
        "inventory-cache.sqlite",
    ]
    own = OwnFiles(str(root), [cache, out, tmp_path / "elsewhere.jsonld"])
    assert "inventory-cache.sqlite-journal" in own and "inventory-cache.sqlite-wal" in own
    assert ".files.jsonld.x1.tmp" in own and "sub/.files.jsonld.x1.tmp" not in own
    assert "sub/a.csv" not in own and "elsewhere.jsonld" not in own


def test_cli_output_inside_the_folder_is_not_inventoried(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "a.csv").write_text("1,2\n")
    runner = CliRunner()
    args = ["inventory", str(root), "--iri", BASE, "-o", str(root / "files.jsonld"), "-q"]
    args += ["--cache", str(root / "c.sqlite"), "--report", str(root / "report.json")]
    for _ in range(2):  # the second run finds the first run's output, report and cache in the folder
        res = runner.invoke(cli_main, [*args, "--force"])
        assert res.exit_code == 0, res.output
        text = (root / "files.jsonld").read_text()
        assert "a.csv" in text
        assert "files.jsonld" not in text.replace(str(root), "") and "report.json" not in text
        assert "c.sqlite" not in text


def test_newline_in_a_file_name_keeps_the_summary_one_line_per_item(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "two\nlines.csv").write_text("")  # empty: a hint names it
    gone = root / "gone\r\nfile.txt"
    gone.write_text("x")

    def opener(path: str) -> int:
        if path.endswith("gone\r\nfile.txt"):
            raise FileNotFoundError(path)
        return hashing.default_opener(path)

    r = inventory(root, BASE, opener=opener, progress=False)
    summary = r.summary()
    lines = summary.splitlines()
    assert any("gone\\r\\nfile.txt" in line for line in lines), summary
    assert any("two\\nlines.csv" in line for line in lines), summary
    assert not any(line.startswith(("lines.csv", "file.txt")) for line in lines), summary
    assert len(lines) == 1 + 1 + len(r.problems) + len(r.hints)  # figures, "N problem(s):", one line each


@pytest.mark.parametrize("settled", [True, False])
def test_digests_whatever_the_size_on_both_read_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: bool
) -> None:
    """Files untouched for a while take the one-read path, recent ones the checked path: same digests."""
    import time

    if settled:  # as if every file had been written long ago
        monkeypatch.setattr(hashing, "_time_ns", lambda: time.time_ns() + 10 * hashing.RECENT_NS)
    seeks = []
    real_lseek = os.lseek
    monkeypatch.setattr(
        hashing.os, "lseek", lambda fd, pos, how: seeks.append(fd) or real_lseek(fd, pos, how)
    )
    root = tmp_path / "d"
    root.mkdir()
    sizes = [0, 1, 1000, 65535, 65536, 70000, 300_000, 3 * hashing.CHUNK_SIZE + 5]
    contents = {f"f{n}.bin": os.urandom(n) for n in sizes}
    for name, data in contents.items():
        (root / name).write_bytes(data)
    r = inventory(root, BASE, algorithms=("SHA-256", "MD5"), workers=2, progress=False)
    assert not r.problems
    got = {n["name"]: {h["algorithm"]: h["digest"] for h in n["hash"]} for n in r.files()}
    assert got == {
        name: {"SHA-256": hashlib.sha256(d).hexdigest(), "MD5": hashlib.md5(d).hexdigest()}
        for name, d in contents.items()
    }
    small = sum(n < 65536 for n in sizes)
    # settled: small files are read once (no seek), larger ones once more from the start; recent files
    # are read twice more from the start (the two reads must agree)
    expected_seeks = len(sizes) - small if settled else 2 * len(sizes)
    assert len(seeks) == expected_seeks


def _settle_ctime_change(path: Path, before_ns: int) -> None:
    """Wait until ``path``'s status-change time differs from ``before_ns`` (clock ticks are coarse)."""
    for _ in range(200):
        if os.stat(path).st_ctime_ns != before_ns:
            return
        os.utime(path, ns=(PAST_NS, PAST_NS))  # same mtime again; ctime moves with each call
    raise AssertionError("the file system's ctime never moved")


def test_cache_notices_same_size_same_mtime_replacements(tmp_path: Path) -> None:
    """A file replaced by another (new inode) or rewritten in place with size and mtime restored is read again.

    Size and mtime alone miss both (tools such as rsync -t, cp -p or tar restore the mtime);
    like git and rsync, the cache also compares ctime, inode and device.
    """
    root = tmp_path / "data"
    root.mkdir()
    for name, text in (("a.txt", "aaaa"), ("b.txt", "bbbb"), ("c.txt", "cccc")):
        (root / name).write_text(text)
        os.utime(root / name, ns=(PAST_NS, PAST_NS))
    db = tmp_path / "cache.sqlite"
    first = inventory(root, BASE, cache=db, progress=False)
    assert first.stats.files_read == 3
    before_b = os.stat(root / "b.txt").st_ctime_ns
    # a.txt: replaced by another file of the same size and mtime (new inode: an atomic save, a restore)
    (tmp_path / "new-a").write_text("AAAA")
    os.utime(tmp_path / "new-a", ns=(PAST_NS, PAST_NS))
    os.replace(tmp_path / "new-a", root / "a.txt")
    # b.txt: rewritten in place, same size, mtime put back (same inode; only ctime tells)
    with open(root / "b.txt", "r+b") as fh:
        fh.write(b"BBBB")
    os.utime(root / "b.txt", ns=(PAST_NS, PAST_NS))
    _settle_ctime_change(root / "b.txt", before_b)
    again = inventory(root, BASE, cache=db, progress=False)
    digests = {n["name"]: n["hash"][0]["digest"] for n in again.files()}
    assert digests == {
        "a.txt": hashlib.sha256(b"AAAA").hexdigest(),
        "b.txt": hashlib.sha256(b"BBBB").hexdigest(),
        "c.txt": hashlib.sha256(b"cccc").hexdigest(),
    }
    assert (again.stats.files_read, again.stats.files_cached) == (2, 1)
    third = inventory(root, BASE, cache=db, progress=False)  # and now all of it comes from the cache
    assert (third.stats.files_read, third.stats.files_cached) == (0, 3)
    assert third.graph == again.graph
