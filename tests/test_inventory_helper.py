"""The inventory's helper process (inventory/hashproc.py): same results as reading inline, whatever happens to it."""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation import inventory
from ebrains_curation.inventory import hashproc
from ebrains_curation.inventory.hashing import FileDigest, NotARegularFile, hash_batch
from ebrains_curation.inventory.hashproc import HashProcess

BASE = "https://data-proxy.ebrains.eu/api/v1/buckets/demo"
ALGS = ("SHA-256", "MD5")

pytestmark = pytest.mark.skipif(not hashproc.available(), reason="helper processes need POSIX pipes")


_poll_ready = HashProcess.poll_ready


def _wait_ready(helper: HashProcess) -> bool:
    """Wait until the helper answers (a run of a few hundred files ends before it would start)."""
    for _ in range(2000):
        if _poll_ready(helper) or not helper.alive:
            return helper.ready
        time.sleep(0.005)
    raise AssertionError("the helper process never answered")


def _started(algorithms: tuple[str, ...] = ALGS, max_size: int | None = None) -> HashProcess:
    helper = HashProcess(algorithms, max_size)
    assert _wait_ready(helper)
    return helper


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline waits for its helper to start, so that small test trees use it."""
    monkeypatch.setattr(HashProcess, "poll_ready", _wait_ready)


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """300 small files in 3 folders, an empty one, an awkward name, one larger than 4 KiB."""
    root = tmp_path / "data"
    for d in range(3):
        sub = root / f"sub-{d}"
        sub.mkdir(parents=True)
        for i in range(100):
            (sub / f"trial-{i:03d}.csv").write_bytes(os.urandom(1 + i * 7))
    (root / "empty.txt").write_bytes(b"")
    (root / "sub-0" / "new\nline.txt").write_bytes(b"awkward")
    (root / "sub-1" / "large.bin").write_bytes(os.urandom(20_000))
    return root


def test_helper_results_equal_inline_results(tmp_path: Path) -> None:
    """Digests, sizes, stamps and each kind of error come back as reading here gives them."""
    (tmp_path / "a.bin").write_bytes(os.urandom(3000))
    (tmp_path / "b.bin").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    paths = [str(tmp_path / n) for n in ("a.bin", "b.bin", "missing", "folder", "fifo")]
    paths.append(os.fsdecode(os.fsencode(str(tmp_path)) + b"/bad\xff-name"))  # not UTF-8: still a path
    Path(os.fsencode(paths[-1]).decode("utf-8", "surrogateescape")).write_bytes(b"bytes")
    helper = _started()
    try:
        assert helper.submit(paths)
        got = helper.result()
    finally:
        helper.close()
    want = hash_batch(paths, ALGS)
    assert got is not None and len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w)
        if isinstance(w, FileDigest):
            assert g == w
        else:
            assert isinstance(g, OSError) and (g.errno, str(g)) == (w.errno, str(w))
    assert isinstance(got[4], NotARegularFile)


def test_large_batches_never_deadlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests and answers far larger than a pipe's buffer, several in flight: all answered, in order."""
    monkeypatch.setattr(hashproc, "PIPE_SIZE", 4096)  # one page each way: both sides must take turns
    deep = tmp_path / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    names = [f"{'x' * 150}-{i:05d}" for i in range(1500)]
    for i, n in enumerate(names):
        (deep / n).write_bytes(i.to_bytes(4, "little"))
    paths = [str(deep / n) for n in names]  # ~1 MB of paths per request, ~150 kB of answers
    helper = _started(("SHA-256", "MD5", "SHA-1"))
    try:
        assert helper.submit(paths) and helper.submit(paths[::-1]) and helper.submit(paths[:7])
        first, second, third = helper.result(), helper.result(), helper.result()
    finally:
        helper.close()
    assert first is not None and second is not None and third is not None
    digests = [d.digests[0] for d in first if isinstance(d, FileDigest)]
    assert digests == [hashlib.sha256(i.to_bytes(4, "little")).hexdigest() for i in range(1500)]
    assert [d.digests for d in second] == [d.digests for d in first[::-1]]  # type: ignore[union-attr]
    assert len(third) == 7


@pytest.mark.usefixtures("patient")
def test_inventory_with_helper_equals_inventory_without(many: Path) -> None:
    kw = {"algorithms": ALGS, "progress": False, "workers": 2, "small_file": 4096}
    alone = inventory(many, BASE, process_after=None, **kw)
    helped = inventory(many, BASE, process_after=40, **kw)
    assert alone.stats.files_in_process == 0
    assert helped.stats.files_in_process > 0  # it did the work …
    assert helped.stats.files_in_threads >= 1  # … and sent the large file on to the threads
    assert helped.graph == alone.graph  # … with the same outcome, node for node
    assert [n["@id"] for n in helped.files()] == [n["@id"] for n in alone.files()]
    assert helped.problems == alone.problems and helped.stats.files == alone.stats.files == 303
    assert [(h.code, h.count) for h in helped.hints] == [(h.code, h.count) for h in alone.hints]


@pytest.mark.usefixtures("patient")
def test_a_helper_that_dies_costs_only_speed(many: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_result = HashProcess.result
    killed: list[int] = []

    def answer_then_die(self: HashProcess) -> list[FileDigest | OSError] | None:
        res = real_result(self)
        if res is not None and not killed and self._proc is not None:
            os.kill(self._proc.pid, signal.SIGKILL)  # killed with batches in flight
            killed.append(self.in_flight)
        return res

    kw = {"algorithms": ALGS, "progress": False, "workers": 2}
    alone = inventory(many, BASE, process_after=None, **kw)
    monkeypatch.setattr(HashProcess, "result", answer_then_die)
    helped = inventory(many, BASE, process_after=40, batch_files=16, **kw)
    assert helped.graph == alone.graph and not helped.problems
    # it answered one batch (and maybe those already on their way) before it died; the rest was read here
    assert killed and 16 <= helped.stats.files_in_process < helped.stats.files - 100


@pytest.mark.usefixtures("patient")
def test_a_helper_that_cannot_start_costs_nothing(many: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = inventory(many, BASE, process_after=None, progress=False)
    monkeypatch.setattr(sys, "executable", str(many / "no-such-python"))
    helped = inventory(many, BASE, process_after=40, progress=False)
    assert helped.graph == alone.graph and helped.stats.files_in_process == 0


@pytest.mark.usefixtures("patient")
def test_custom_opener_is_never_bypassed(many: Path) -> None:
    opened: list[str] = []

    def opener(path: str) -> int:
        opened.append(path)
        return os.open(path, os.O_RDONLY)

    r = inventory(many, BASE, process_after=1, opener=opener, progress=False)
    assert r.stats.files_in_process == 0 and len(opened) == r.stats.files == 303


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=st.lists(st.binary(max_size=3000), min_size=1, max_size=12))
def test_helper_matches_hashlib(tmp_path_factory: pytest.TempPathFactory, contents: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("h")
    paths = []
    for i, data in enumerate(contents):
        (folder / f"f{i}").write_bytes(data)
        paths.append(str(folder / f"f{i}"))
    helper = _HELPER.get("one") or _HELPER.setdefault("one", _started())
    assert helper.submit(paths)
    got = helper.result()
    assert got is not None
    assert [d.digests for d in got] == [  # type: ignore[union-attr]
        (hashlib.sha256(c).hexdigest(), hashlib.md5(c).hexdigest()) for c in contents
    ]


_HELPER: dict[str, HashProcess] = {}


def teardown_module() -> None:
    for helper in _HELPER.values():
        helper.close()


@pytest.mark.usefixtures("patient")
def test_one_worker_means_no_helper(many: Path) -> None:
    r = inventory(many, BASE, process_after=1, workers=1, progress=False)
    assert r.stats.files_in_process == 0 and r.stats.files == 303


@pytest.mark.usefixtures("patient")
def test_no_helper_in_a_frozen_application(many: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """There sys.executable is the application itself, not a Python to run the helper with."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not hashproc.available()
    r = inventory(many, BASE, process_after=1, progress=False)
    assert r.stats.files_in_process == 0 and r.stats.files == 303
