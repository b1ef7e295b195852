"""``ebrains-curation inventory``: output file, exit codes, options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ebrains_curation.cli import cli

BASE = "https://data-proxy.ebrains.eu/api/v1/buckets/demo"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "docs").mkdir(parents=True)
    (root / "a.csv").write_text("x,y\n1,2\n")
    (root / "docs" / "guide.pdf").write_bytes(b"%PDF")
    (root / "docs" / "shot.png").write_bytes(b"\x89PNG")
    return root


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["inventory", *args])
    return res.exit_code, res.output


def test_writes_jsonld(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "files.jsonld"
    report = tmp_path / "report.json"
    code, text = _run(
        str(tree),
        "--iri",
        BASE,
        "-o",
        str(out),
        "--hash",
        "sha256,md5",
        "--workers",
        "2",
        "--role",
        "data descriptor=docs/*.pdf",
        "--role",
        "screenshot=shot.*",
        "--format",
        ".csv=text/tab-separated-values",
        "--type",
        "s3",
        "--name",
        "Demo",
        "--report",
        str(report),
    )
    assert code == 0, text
    assert "3 file(s)" in text and str(out) in text
    doc = json.loads(out.read_text("utf-8"))
    assert doc["@context"]
    files = {n["name"]: n for n in doc["@graph"] if n["@type"].endswith("/File")}
    assert [h["algorithm"] for h in files["a.csv"]["hash"]] == ["SHA-256", "MD5"]
    assert files["guide.pdf"]["specialUsageRole"]["@id"].endswith("/dataDescriptor")
    assert files["shot.png"]["specialUsageRole"]["@id"].endswith("/screenshot")
    assert files["a.csv"]["format"]["@id"].endswith("/text_tab-separated-values")
    repo = next(n for n in doc["@graph"] if n["@type"].endswith("/FileRepository"))
    assert repo["name"] == "Demo"
    rep = json.loads(report.read_text("utf-8"))
    assert rep["stats"]["files"] == 3 and rep["problems"] == []


def test_existing_output_needs_force(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "files.jsonld"
    out.write_text("keep me")
    code, text = _run(str(tree), "--iri", BASE, "-o", str(out), "-q")
    assert code == 2 and "--force" in text
    assert out.read_text() == "keep me"
    code, text = _run(str(tree), "--iri", BASE, "-o", str(out), "-q", "--force")
    assert code == 0 and text == ""
    assert json.loads(out.read_text("utf-8"))["@graph"]


def test_problems_give_exit_code_1(tree: Path, tmp_path: Path) -> None:
    import os

    os.mkfifo(tree / "pipe")
    out = tmp_path / "files.jsonld"
    code, text = _run(str(tree), "--iri", BASE, "-o", str(out))
    assert code == 1
    assert "pipe: a special file" in text
    assert out.exists()  # the inventory of the rest is still written


def test_usage_errors(tree: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "o.jsonld")
    code, text = _run(str(tree), "--iri", BASE, "-o", out, "--hash", "crc32")
    assert code == 2 and "Unknown hash algorithm" in text
    code, text = _run(str(tree), "--iri", "bucket", "-o", out)
    assert code == 2 and "absolute address" in text
    code, text = _run(str(tree), "--iri", BASE, "-o", out, "--role", "preview")
    assert code == 2 and "NAME=VALUE" in text
    code, text = _run(str(tmp_path / "missing"), "--iri", BASE, "-o", out)
    assert code == 2
    assert not Path(out).exists()


def test_cache_option(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    out = tmp_path / "o.jsonld"
    assert _run(str(tree), "--iri", BASE, "-o", str(out), "--cache", str(cache))[0] == 0
    code, text = _run(str(tree), "--iri", BASE, "-o", str(out), "--cache", str(cache), "--force")
    assert code == 0 and "0 read" in text and "3 from the cache" in text


def test_rerun_merges_into_saved_output(tree: Path, tmp_path: Path) -> None:
    """Default @ids are the files' own IRIs: a second run, saved and loaded, merges with zero duplicates."""
    from ebrains_curation.graph.readers import load

    first, second = tmp_path / "first.jsonld", tmp_path / "second.jsonld"
    cache = tmp_path / "c.sqlite"
    assert _run(str(tree), "--iri", BASE, "-o", str(first), "-q")[0] == 0
    assert _run(str(tree), "--iri", BASE, "-o", str(second), "-q", "--cache", str(cache))[0] == 0
    g = load(first)
    assert not [nid for nid in g.nodes if nid.startswith("_:")]
    assert BASE + "/docs/guide.pdf" in g and BASE + "/docs/" in g and BASE in g
    n = len(g)
    g.add(load(second))
    assert len(g) == n == 6  # repository, organisation, 1 bundle, 3 files
    # the KG-style prefix still gives UUID ids
    kg = tmp_path / "kg.jsonld"
    assert (
        _run(
            str(tree),
            "--iri",
            BASE,
            "-o",
            str(kg),
            "-q",
            "--id-prefix",
            "https://kg.ebrains.eu/api/instances/",
        )[0]
        == 0
    )
    assert all(nid.startswith("https://kg.ebrains.eu/api/instances/") for nid in load(kg).nodes)
