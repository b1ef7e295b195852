"""inventory(): the graph it builds, problems, hints, roles, formats, versions, the cache."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from ebrains_curation import MetadataGraph, inventory
from ebrains_curation.errors import ConfigurationError, InventoryError, UnknownTermError
from ebrains_curation.inventory import InventoryCache, InventoryResult, hashing
from ebrains_curation.inventory.hashing import default_opener
from ebrains_curation.schemas import get_registry, get_term

BASE = "https://data-proxy.ebrains.eu/api/v1/buckets/demo"
V4 = "https://openminds.om-i.org/types/"


def _write(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    _write(root / "README.md", "# demo\n")
    _write(root / "sub-01" / "anat" / "sub-01_T1w.nii.gz", b"\x1f\x8b" + b"a" * 5000)
    _write(root / "sub-01" / "ephys" / "rec.csv", "t,v\n0,1\n")
    _write(root / "sub-02" / "ephys" / "rec.csv", "t,v\n0,1\n")  # duplicate content
    _write(root / "docs" / "data_descriptor.pdf", b"%PDF-1.4 demo")
    _write(root / "docs" / "preview image.png", b"\x89PNG")
    _write(root / "notes.weird-ext", b"?")
    (root / "empty").mkdir()
    return root


def _by_name(result: InventoryResult) -> dict[str, dict]:
    return {n["IRI"][len(BASE) + 1 :]: n for n in result.files()}


def test_file_nodes(tree: Path) -> None:
    r = inventory(tree, BASE, progress=False)
    files = _by_name(r)
    assert set(files) == {
        "README.md",
        "sub-01/anat/sub-01_T1w.nii.gz",
        "sub-01/ephys/rec.csv",
        "sub-02/ephys/rec.csv",
        "docs/data_descriptor.pdf",
        "docs/preview%20image.png",
        "notes.weird-ext",
    }
    n = files["sub-01/anat/sub-01_T1w.nii.gz"]
    data = (tree / "sub-01/anat/sub-01_T1w.nii.gz").read_bytes()
    assert n["@type"] == V4 + "File"
    assert n["name"] == "sub-01_T1w.nii.gz"
    assert n["IRI"] == BASE + "/sub-01/anat/sub-01_T1w.nii.gz"
    assert n["hash"] == [
        {"@type": V4 + "Hash", "algorithm": "SHA-256", "digest": hashlib.sha256(data).hexdigest()}
    ]
    assert n["storageSize"] == {
        "@type": V4 + "QuantitativeValue",
        "value": len(data),
        "unit": {"@id": "https://openminds.om-i.org/instances/unitOfMeasurement/byte"},
    }
    assert n["format"] == {"@id": str(get_term("ContentType", "application/vnd.nifti.1").id)}
    assert n["fileRepository"] == {"@id": r.repository}
    bundle = r.graph[n["isPartOf"][0]["@id"]]
    assert bundle["@type"] == V4 + "FileBundle" and bundle["name"] == "anat"
    parent = r.graph[bundle["isPartOf"]["@id"]]
    assert parent["name"] == "sub-01" and parent["isPartOf"] == {"@id": r.repository}
    assert parent["storageSize"]["value"] == len(data) + len("t,v\n0,1\n")
    # files at the root belong to the repository only
    assert "isPartOf" not in files["README.md"]
    # percent-encoded IRI, plain name
    assert files["docs/preview%20image.png"]["name"] == "preview image.png"
    # only property keys the v4 File spec knows
    spec = get_registry("v4").get("File")
    for node in files.values():
        assert set(node) - {"@id", "@type"} <= set(spec.properties)
        assert {p.key for p in spec.required} <= set(node)


def test_repository_node(tree: Path) -> None:
    r = inventory(tree, BASE + "/", name="Demo data", repository_type="s3", progress=False)
    repo = r.graph[r.repository]
    assert repo["@type"] == V4 + "FileRepository"
    assert repo["IRI"] == BASE + "/" and repo["name"] == "Demo data"
    assert repo["type"] == {"@id": "https://openminds.om-i.org/instances/fileRepositoryType/s3"}
    org = r.graph[repo["hostedBy"]["@id"]]
    assert org["@type"] == V4 + "Organization" and org["fullName"] == "EBRAINS"
    assert (
        repo["storageSize"]["value"]
        == r.stats.bytes
        == sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    )
    spec = get_registry("v4").get("FileRepository")
    assert {p.key for p in spec.required} <= set(repo)
    # file IRIs never get a double slash from a trailing slash on the base
    assert all("//" not in n["IRI"][len("https://") :] for n in r.files())


def test_hosted_by_forms(tree: Path) -> None:
    r = inventory(tree, BASE, hosted_by="Forschungszentrum Jülich", progress=False)
    org = r.graph[r.graph[r.repository]["hostedBy"]["@id"]]
    assert org["fullName"] == "Forschungszentrum Jülich"
    r = inventory(tree, BASE, hosted_by="https://kg.ebrains.eu/api/instances/abc", progress=False)
    assert r.graph[r.repository]["hostedBy"] == {"@id": "https://kg.ebrains.eu/api/instances/abc"}
    assert not r.graph.of_type("Organization")
    from ebrains_curation import build

    org_obj = build("Organization", id="https://example.org/org/1", full_name="Uni X")
    r = inventory(tree, BASE, hosted_by=org_obj, progress=False)
    assert r.graph["https://example.org/org/1"]["fullName"] == "Uni X"


def test_several_algorithms_in_one_read(tree: Path) -> None:
    opened: list[str] = []

    def counting(path: str) -> int:
        opened.append(path)
        return default_opener(path)

    r = inventory(tree, BASE, algorithms=("sha256", "MD5", "sha-1"), opener=counting, progress=False)
    data = (tree / "README.md").read_bytes()
    n = _by_name(r)["README.md"]
    assert [(h["algorithm"], h["digest"]) for h in n["hash"]] == [
        ("SHA-256", hashlib.sha256(data).hexdigest()),
        ("MD5", hashlib.md5(data).hexdigest()),
        ("SHA-1", hashlib.sha1(data).hexdigest()),
    ]
    assert len(opened) == len(set(opened)) == r.stats.files == 7  # each file opened once


def test_bad_arguments(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="hash algorithm"):
        inventory(tree, BASE, algorithms=("sha3",), progress=False)
    with pytest.raises(ConfigurationError, match="absolute address"):
        inventory(tree, "demo-bucket", progress=False)
    with pytest.raises(InventoryError, match="does not exist"):
        inventory(tmp_path / "nope", BASE, progress=False)
    with pytest.raises(InventoryError, match="not a folder"):
        inventory(tree / "README.md", BASE, progress=False)
    with pytest.raises(UnknownTermError):
        inventory(tree, BASE, roles={"thumbnail": ["*.png"]}, progress=False)


def test_roles(tree: Path) -> None:
    r = inventory(tree, BASE, progress=False)
    files = _by_name(r)
    assert files["docs/data_descriptor.pdf"]["specialUsageRole"] == {
        "@id": "https://openminds.om-i.org/instances/fileUsageRole/dataDescriptor"
    }
    assert sum("specialUsageRole" in n for n in files.values()) == 1
    r = inventory(tree, BASE, roles={"preview": ["docs/*.PNG"], "screenshot": "readme.*"}, progress=False)
    files = _by_name(r)
    assert files["docs/preview%20image.png"]["specialUsageRole"]["@id"].endswith("/preview")
    assert files["README.md"]["specialUsageRole"]["@id"].endswith("/screenshot")
    assert "specialUsageRole" not in files["docs/data_descriptor.pdf"]  # roles given replace the default


def test_formats_and_unmatched(tree: Path) -> None:
    r = inventory(tree, BASE, progress=False)
    files = _by_name(r)
    assert files["README.md"]["format"]["@id"].endswith("/text_markdown")
    assert files["sub-01/ephys/rec.csv"]["format"]["@id"].endswith("/text_csv")
    assert "format" not in files["notes.weird-ext"]
    assert r.unmatched_extensions == {".weird-ext": 1}
    codes = {h.code: h for h in r.hints}
    assert codes["unknown-format"].severity == "info"
    assert ".csv" in codes["ambiguous-format"].examples[0]
    r = inventory(tree, BASE, formats={".csv": "text/tab-separated-values", ".md": None}, progress=False)
    files = _by_name(r)
    assert files["sub-01/ephys/rec.csv"]["format"]["@id"].endswith("/text_tab-separated-values")
    assert "format" not in files["README.md"]


def test_structure_hints(tree: Path) -> None:
    deep = tree / "a" / "b" / "c" / "d"
    _write(deep / "x.txt", "deep")
    big = tree / "big"
    for i in range(12):
        _write(big / f"f{i}.txt", str(i))
    _write(tree / "zero.txt", b"")
    _write(tree / "odd#name?.txt", "q")
    from ebrains_curation.inventory import HintLimits

    r = inventory(tree, BASE, hint_limits=HintLimits(max_depth=3, max_entries=10), progress=False)
    codes = {h.code: h for h in r.hints}
    assert codes["empty-folder"].examples == ("empty/",)
    assert codes["duplicate-files"].examples == ("sub-01/ephys/rec.csv = sub-02/ephys/rec.csv",)
    assert codes["empty-file"].examples == ("zero.txt",)
    assert set(codes["awkward-name"].examples) == {"docs/preview image.png", "odd#name?.txt"}
    assert codes["deep-tree"].examples == ("a/b/c/d/",)
    assert codes["large-folder"].count == 1
    for h in r.hints:
        assert h.hint and h.message and str(h)
    iris = {n["IRI"] for n in r.files()}
    assert BASE + "/odd%23name%3F.txt" in iris


def test_problems_never_abort(tmp_path: Path) -> None:
    root = tmp_path / "d"
    _write(root / "ok.txt", "fine")
    _write(root / "gone.txt", "soon gone")
    _write(root / "locked.txt", "secret")
    outside = _write(tmp_path / "outside.txt", "elsewhere")
    os.symlink(outside, root / "link-out.txt")
    os.symlink(root / "ok.txt", root / "link-in.txt")
    os.symlink(tmp_path / "missing", root / "broken")
    os.symlink(root, root / "loop")
    os.mkfifo(root / "pipe")

    def hostile(path: str) -> int:
        if path.endswith("gone.txt"):
            os.unlink(path)  # vanishes between the listing and the read
        if path.endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", path)
        return default_opener(path)

    r = inventory(root, BASE, opener=hostile, progress=False)
    kinds = {p.path: p.kind for p in r.problems}
    assert kinds == {
        "gone.txt": "vanished",
        "locked.txt": "unreadable",
        "link-out.txt": "symlink-outside-root",
        "broken": "broken-symlink",
        "loop": "symlink-folder",
        "pipe": "special-file",
    }
    assert {n["name"] for n in r.files()} == {"ok.txt", "link-in.txt"}
    assert not r.ok and r.stats.problems == 6
    assert "gone.txt" in r.summary()
    # allowed: the outside link is followed; the folder loop is detected, not walked forever
    r = inventory(root, BASE, follow_symlinks=True, opener=hostile, progress=False)
    kinds = {p.path: p.kind for p in r.problems}
    assert "link-out.txt" not in kinds and kinds["loop"] == "symlink-loop"
    assert "link-out.txt" in {n["name"] for n in r.files()}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_by_mode(tmp_path: Path) -> None:
    f = _write(tmp_path / "d" / "secret.txt", "x")
    f.chmod(0)
    try:
        r = inventory(tmp_path / "d", BASE, progress=False)
    finally:
        f.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert [(p.path, p.kind) for p in r.problems] == [("secret.txt", "unreadable")]


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses names that are not UTF-8")
def test_non_utf8_names(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    _write(root / "fine.txt", "ok")
    bad = os.path.join(os.fsencode(root), b"caf\xe9.txt")
    with open(bad, "wb") as fh:
        fh.write(b"latin-1 name")
    os.mkdir(os.path.join(os.fsencode(root), b"dir\xff"))
    r = inventory(root, BASE, progress=False)
    assert sorted((p.path, p.kind) for p in r.problems) == [
        ("caf\\xe9.txt", "invalid-name"),
        ("dir\\xff", "invalid-name"),
    ]
    assert [n["name"] for n in r.files()] == ["fine.txt"]
    json.dumps(r.report())  # the report is valid JSON text


def test_changed_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "d"
    _write(root / "growing.log", "a" * 100)
    _write(root / "steady.log", "b" * 100)
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        if os.readlink(f"/proc/self/fd/{fd}").endswith("growing.log"):
            with open(
                root / "growing.log", "ab"
            ) as fh:  # another program appends after we looked at the size
                fh.write(b"more")
        return st

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc")
    monkeypatch.setattr(hashing, "_fstat", fstat_then_grow)
    r = inventory(root, BASE, progress=False)
    assert [(p.path, p.kind) for p in r.problems] == [("growing.log", "changed-while-reading")]
    assert [n["name"] for n in r.files()] == ["steady.log"]


def test_incremental_cache_reads_nothing(tree: Path, tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    first = inventory(tree, BASE, cache=db, algorithms=("sha256", "md5"), progress=False)
    assert first.stats.files_read == 7 and first.stats.files_cached == 0

    def forbidden(path: str) -> int:
        raise AssertionError(f"{path} was opened although it did not change")

    again = inventory(tree, BASE, cache=db, algorithms=("md5", "sha256"), opener=forbidden, progress=False)
    assert again.stats.files_read == 0 and again.stats.files_cached == 7
    assert again.graph.nodes.keys() == first.graph.nodes.keys()
    a = {n["IRI"]: {h["algorithm"]: h["digest"] for h in n["hash"]} for n in first.files()}
    b = {n["IRI"]: {h["algorithm"]: h["digest"] for h in n["hash"]} for n in again.files()}
    assert a == b
    # a changed file (new size) is read again, the others are not
    _write(tree / "README.md", "# demo, longer now\n")
    opened: list[str] = []

    def counting(path: str) -> int:
        opened.append(os.path.basename(path))
        return default_opener(path)

    third = inventory(tree, BASE, cache=str(db), opener=counting, progress=False)
    assert opened == ["README.md"] and third.stats.files_cached == 6
    # an algorithm never computed before means reading again
    opened.clear()
    with InventoryCache(db) as cache:
        inventory(tree, BASE, cache=cache, algorithms=("sha1",), opener=counting, progress=False)
        assert len(cache) == 7
    assert len(opened) == 7


def test_joins_metadata_graph_and_is_deterministic(tree: Path) -> None:
    r1 = inventory(tree, BASE, progress=False)
    r2 = inventory(tree, BASE, progress=False, workers=1)
    assert r1.graph == r2.graph
    g = MetadataGraph()
    g.add(r1.graph)
    g.add(r2.graph)  # equal nodes merge
    assert len(g) == len(r1.graph)
    assert not [d for d in g.dangling() if not d[2].startswith("https://openminds.om-i.org/instances/")]
    other = inventory(tree, "https://example.org/other", progress=False)
    g.add(other.graph)  # another repository never clashes
    assert len(g.of_type("FileRepository")) == 2
    kg = inventory(tree, BASE, id_prefix="https://kg.ebrains.eu/api/instances/", progress=False)
    assert all(nid.startswith("https://kg.ebrains.eu/api/instances/") for nid in kg.graph.nodes)


@pytest.mark.parametrize("version", ["v3", "v5"])
def test_other_versions(tree: Path, version: str) -> None:
    r = inventory(tree, BASE, version=version, progress=False)
    reg = get_registry(version)
    assert r.graph.version == version
    for type_name in ("File", "FileRepository", "FileBundle", "Organization"):
        spec = reg.get(type_name)
        nodes = r.graph.of_type(type_name)
        assert nodes
        for n in nodes:
            assert n["@type"] == spec.iri
            assert {p.key for p in spec.required} <= set(n), (type_name, n)
    f = r.files()[0]
    assert f["storageSize"]["unit"]["@id"] == str(get_term("UnitOfMeasurement", "byte", version).id)


def test_to_openminds_objects(tree: Path) -> None:
    r = inventory(tree, BASE, progress=False)
    objs = r.graph.to_openminds()
    f = objs[_by_name(r)["README.md"]["@id"]]
    assert f.name == "README.md" and f.hashes[0].algorithm == "SHA-256"
    assert f.storage_size.value == len("# demo\n")


def test_progress_callback_and_save(tree: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int, int | None]] = []
    r = inventory(tree, BASE, progress=lambda b, f, t: calls.append((b, f, t)))
    assert calls and calls[-1][0] == r.stats.bytes and calls[-1][1] == r.stats.files
    out = tmp_path / "out" / "files.jsonld"
    r.save(out)
    doc = json.loads(out.read_text("utf-8"))
    assert len(doc["@graph"]) == len(r.graph)
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    stats = r.stats.as_dict()
    assert stats["files"] == 7 and stats["bytes_per_second"] > 0


def test_large_files_go_through_the_pool(tmp_path: Path) -> None:
    root = tmp_path / "d"
    blobs = {f"f{i}.bin": os.urandom(300_000 + i) for i in range(6)}
    for name, data in blobs.items():
        _write(root / name, data)
    _write(root / "small.txt", "s")
    r = inventory(root, BASE, workers=3, batch_bytes=400_000, progress=False)
    got = {n["name"]: n["hash"][0]["digest"] for n in r.files()}
    assert got == {
        **{k: hashlib.sha256(v).hexdigest() for k, v in blobs.items()},
        "small.txt": hashlib.sha256(b"s").hexdigest(),
    }
    assert [n["name"] for n in r.files()] == sorted(got)  # walk order kept


def test_callable_whatever_the_import_order(tree: Path) -> None:
    import subprocess

    code = (
        "from ebrains_curation.inventory import InventoryCache\n"  # the sub-package first …
        "from ebrains_curation import inventory\n"  # … then the public name
        f"r = inventory({str(tree)!r}, {BASE!r}, progress=False)\n"
        "print(r.stats.files)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "7"


@pytest.mark.parametrize("version", ["v3", "v4", "v5"])
def test_validates_under_openminds_profile(tree: Path, version: str) -> None:
    api = pytest.importorskip("ebrains_curation.validate.api")
    r = inventory(
        tree,
        BASE,
        version=version,
        repository_type="s3",
        structure_pattern={r"sub-\d+/.*": "subject"},
        progress=False,
    )
    report = api.validate(r.graph, profile="openminds")
    assert report.conforms, report.summary()


def test_progress_bar_on_stderr(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory(tree, BASE, progress=True)
    err = capsys.readouterr().err
    assert "Inventory" in err and "B/s" in err
    inventory(tree, BASE)  # auto: stderr is not a terminal here, so no bar
    assert capsys.readouterr().err == ""


def test_bounded_queue_of_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """However many files, at most 2 × workers (+1) batches wait between the walk and the graph."""
    from concurrent.futures import ThreadPoolExecutor

    from ebrains_curation.inventory import pipeline

    counts = {"submitted": 0, "drained": 0, "most": 0}

    class CountingPool(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
            fut = super().submit(fn, *args, **kwargs)
            counts["submitted"] += 1
            counts["most"] = max(counts["most"], counts["submitted"] - counts["drained"])
            real = fut.result

            def result(timeout=None):  # type: ignore[no-untyped-def]
                counts["drained"] += 1
                return real(timeout)

            fut.result = result  # type: ignore[method-assign]
            return fut

    monkeypatch.setattr(pipeline, "ThreadPoolExecutor", CountingPool)
    root = tmp_path / "d"
    for i in range(300):
        _write(root / f"s{i // 100}" / f"f{i:03d}.bin", os.urandom(2000))
    r = inventory(root, BASE, workers=2, small_file=1000, batch_files=1, progress=False)
    assert r.stats.files == 300 and counts["submitted"] == counts["drained"] == 300
    assert counts["most"] <= 2 * 2 + 1


def test_slow_storage_overlaps_waits(tmp_path: Path) -> None:
    """When small files are slow to open (network storage), they go to the pool where the waits overlap."""
    import time

    root = tmp_path / "d"
    for i in range(300):
        _write(root / f"f{i:03d}.txt", str(i))

    def slow(path: str) -> int:
        time.sleep(0.002)
        return default_opener(path)

    r = inventory(root, BASE, workers=8, opener=slow, progress=False)
    assert r.stats.files == 300 and not r.problems
    assert r.stats.files_in_threads >= 200  # after the first 32 files showed the storage is slow
    assert {n["name"]: n["hash"][0]["digest"] for n in r.files()} == {
        f"f{i:03d}.txt": hashlib.sha256(str(i).encode()).hexdigest() for i in range(300)
    }
    assert [n["name"] for n in r.files()] == sorted(f"f{i:03d}.txt" for i in range(300))


@pytest.mark.parametrize("version", ["v3", "v4", "v5"])
def test_stable_ids_survive_save_and_reload(tree: Path, tmp_path: Path, version: str) -> None:
    """Saving relabels blank nodes; inventory ids are addresses, so a re-run merges into the saved file."""
    from ebrains_curation.graph.readers import load

    kw = {
        "version": version,
        "repository_type": "s3",
        "structure_pattern": {r"sub-\d+/.*": "subject"},
        "progress": False,
    }
    first = inventory(tree, BASE, **kw)
    assert not [nid for nid in first.graph.nodes if nid.startswith("_:")]
    files = _by_name(first)
    assert all(n["@id"] == n["IRI"] for n in files.values())
    assert files["docs/preview%20image.png"]["@id"] == BASE + "/docs/preview%20image.png"
    assert first.repository == BASE
    bundles = {n["@id"] for n in first.graph.of_type("FileBundle")}
    assert BASE + "/sub-01/anat/" in bundles and all(b.endswith("/") for b in bundles)
    out = tmp_path / "files.jsonld"
    first.save(out)
    saved = load(out)
    assert set(saved.nodes) == set(first.graph.nodes)
    again = inventory(tree, BASE, **kw)
    saved.add(again.graph)  # equal nodes merge; a blank id would have been relabelled and duplicated
    assert len(saved) == len(first.graph) == len(again.graph)
    assert {saved.type_name(n) for n in saved} >= {
        "File",
        "FileBundle",
        "FileRepository",
        "Organization",
        "FileRepositoryStructure",
    }
    # the same through a cached re-run
    db = tmp_path / "c.sqlite"
    inventory(tree, BASE, cache=db, **kw)
    cached = inventory(tree, BASE, cache=db, **kw)
    assert cached.stats.files_read == 0 and cached.graph == first.graph
    saved.add(cached.graph)
    assert len(saved) == len(first.graph)


def test_incremental_reuses_unchanged_folders(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder whose listing (names, sizes, mtimes) did not change gets its stored nodes back, unbuilt."""
    from ebrains_curation.inventory import nodes

    db = tmp_path / "cache.sqlite"
    first = inventory(tree, BASE, cache=db, progress=False)
    built: list[str] = []
    real_build = nodes.FileNodes.build

    def counting_build(self, name, *args):  # type: ignore[no-untyped-def]
        built.append(name)
        return real_build(self, name, *args)

    monkeypatch.setattr(nodes.FileNodes, "build", counting_build)
    again = inventory(tree, BASE, cache=db, progress=False)
    assert built == [] and again.stats.files_cached == 7 and again.stats.files_read == 0
    assert again.graph == first.graph
    assert [n["@id"] for n in again.files()] == [n["@id"] for n in first.files()]  # walk order kept
    assert again.unmatched_extensions == first.unmatched_extensions
    assert [(h.code, h.count, h.examples) for h in again.hints] == [
        (h.code, h.count, h.examples) for h in first.hints
    ]
    assert again.stats.bytes == first.stats.bytes
    # one file changes: only its folder is built again, and only that file is read
    _write(tree / "sub-01" / "ephys" / "rec.csv", "t,v\n0,1\n1,2\n")
    third = inventory(tree, BASE, cache=db, progress=False)
    assert built == ["rec.csv"] and third.stats.files_read == 1
    assert _by_name(third)["sub-01/ephys/rec.csv"]["storageSize"]["value"] == len("t,v\n0,1\n1,2\n")
    # other settings (here the roles) never reuse nodes built for different ones
    built.clear()
    inventory(tree, BASE, cache=db, roles={}, progress=False)
    assert len(built) == 7
    built.clear()
    inventory(tree, BASE, cache=db, progress=False)  # the folders were stored again, for roles={}
    assert len(built) == 7
    # a folder where a file could not be read is not stored: the problem comes back on a re-run
    built.clear()
    _write(tree / "locked" / "a.txt", "a")
    _write(tree / "locked" / "b.txt", "b")

    def deny(path: str) -> int:
        if path.endswith("b.txt"):
            raise PermissionError(13, "Permission denied", path)
        return default_opener(path)

    for _ in range(2):
        r = inventory(tree, BASE, cache=db, opener=deny, progress=False)
        assert [(p.path, p.kind) for p in r.problems] == [("locked/b.txt", "unreadable")]
    assert built == ["a.txt", "a.txt"]  # a.txt: digest from the cache, node built again
