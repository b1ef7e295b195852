"""``ebrains-curation convert``: formats, migration, exit codes."""

from __future__ import annotations

import json

from _graph_data import example_graph
from click.testing import CliRunner

from ebrains_curation.cli import cli
from ebrains_curation.graph import dump, load


def _write(tmp_path):
    p = tmp_path / "in.jsonld"
    dump(example_graph(), p)
    return p


def test_convert_formats(tmp_path) -> None:
    """compact → turtle / ntriples / expanded files that load back."""
    src = _write(tmp_path)
    r = CliRunner()
    for fmt, name in (("turtle", "o.ttl"), ("ntriples", "o.nt"), ("expanded", "o.json")):
        res = r.invoke(cli, ["convert", str(src), "--to", fmt, "-o", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        assert len(load(tmp_path / name)) >= len(example_graph()) - 3
    res = r.invoke(cli, ["convert", str(tmp_path / "o.ttl"), "--to", "compact"])
    assert res.exit_code == 0 and json.loads(res.stdout)["@graph"]


def test_convert_versions(tmp_path) -> None:
    """--to v5 migrates and lists what could not be mapped (exit 1); --to v3 is lossless (exit 0)."""
    src = _write(tmp_path)
    r = CliRunner()
    res = r.invoke(cli, ["convert", str(src), "--to", "v3", "-o", str(tmp_path / "v3.jsonld")])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "v3.jsonld").version == "v3"
    res = r.invoke(
        cli,
        [
            "convert",
            str(tmp_path / "v3.jsonld"),
            "--to",
            "v5",
            "-o",
            str(tmp_path / "v5.jsonld"),
            "--report",
            str(tmp_path / "report.json"),
        ],
    )
    assert res.exit_code == 1
    assert "ethicsAssessment" in res.output
    assert json.loads((tmp_path / "report.json").read_text())["target"] == "v5"
    assert load(tmp_path / "v5.jsonld").version == "v5"


def test_convert_bad_input(tmp_path) -> None:
    """Unreadable input: exit 2 with one line, no traceback; existing output is not overwritten."""
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{"@graph": [{"@id": ')
    r = CliRunner()
    res = r.invoke(cli, ["convert", str(bad), "--to", "turtle"])
    assert res.exit_code == 2
    assert "bad.jsonld" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    res = r.invoke(cli, ["convert", str(tmp_path / "nope.jsonld"), "--to", "v4"])
    assert res.exit_code == 2
    src = _write(tmp_path)
    out = tmp_path / "out.ttl"
    out.write_text("keep")
    res = r.invoke(cli, ["convert", str(src), "--to", "turtle", "-o", str(out)])
    assert res.exit_code == 2 and out.read_text() == "keep"
    res = r.invoke(cli, ["convert", str(src), "--to", "turtle", "-o", str(out), "--overwrite"])
    assert res.exit_code == 0 and out.read_text() != "keep"


def test_convert_from_version_and_per_node(tmp_path) -> None:
    """--from-version v5 reads om-i.org metadata as v5; --per-node writes a folder."""
    src = _write(tmp_path)
    r = CliRunner()
    res = r.invoke(cli, ["convert", str(src), "--to", "compact", "--per-node", "-o", str(tmp_path / "nodes")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "nodes").iterdir())) == len(example_graph())
    res = r.invoke(cli, ["convert", str(src), "--to", "v4", "--from-version", "v5"])
    assert res.exit_code in (0, 1) and json.loads(res.stdout)["@graph"]
