"""``ebrains-curation validate``, ``shapes export`` and ``profiles`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from ebrains_curation.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "validation"
CONTEXT = {"@vocab": "https://openminds.om-i.org/props/"}


def _doc(tmp_path: Path, fixture: str, name: str = "data.jsonld") -> Path:
    nodes = json.loads((FIXTURES / f"{fixture}.json").read_text("utf-8"))["nodes"]
    path = tmp_path / name
    path.write_text(json.dumps({"@context": CONTEXT, "@graph": nodes}), "utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_valid_file_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    """A conforming file prints the summary and exits 0."""
    res = runner.invoke(cli, ["validate", str(_doc(tmp_path, "valid-dataset"))])
    assert res.exit_code == 0, res.output
    assert "conforms" in res.output


def test_errors_exit_1_in_every_format(runner: CliRunner, tmp_path: Path) -> None:
    """Errors exit 1; json, junit and sarif output parse."""
    path = str(_doc(tmp_path, "combined"))
    res = runner.invoke(cli, ["validate", path])
    assert res.exit_code == 1 and "orcid-checksum" in res.output
    res = runner.invoke(cli, ["validate", path, "--format", "json"])
    assert res.exit_code == 1 and json.loads(res.output)["conforms"] is False
    res = runner.invoke(cli, ["validate", path, "--format", "sarif", "--engine", "shacl"])
    assert res.exit_code == 1 and json.loads(res.output)["runs"][0]["properties"]["engine"] == "shacl"
    out = tmp_path / "report.xml"
    res = runner.invoke(cli, ["validate", path, "--format", "junit", "-o", str(out)])
    assert res.exit_code == 1 and ET.parse(out).getroot().tag == "testsuite"
    res = runner.invoke(cli, ["validate", path, "--format", "html", "-o", str(tmp_path / "r.html")])
    page = (tmp_path / "r.html").read_text("utf-8")  # a whole page, UTF-8 declared, around the report
    assert (
        res.exit_code == 1
        and page.startswith("<!DOCTYPE html>")
        and '<div class="ebrains-curation-report">' in page
    )


def test_profile_by_name_and_file(runner: CliRunner, tmp_path: Path) -> None:
    """--profile takes a built-in name or a profile file; draft ignores missing properties."""
    path = str(_doc(tmp_path, "required"))
    assert runner.invoke(cli, ["validate", path, "--profile", "openminds"]).exit_code == 1
    assert runner.invoke(cli, ["validate", path, "--profile", "draft"]).exit_code == 0
    prof = tmp_path / "p.json"
    prof.write_text(
        json.dumps({"name": "lenient", "extends": "openminds", "severity": {"required": "warning"}})
    )
    assert runner.invoke(cli, ["validate", path, "--profile", str(prof)]).exit_code == 0


def test_several_files_are_one_graph(runner: CliRunner, tmp_path: Path) -> None:
    """Links between files resolve: two halves of a valid graph conform together."""
    nodes = json.loads((FIXTURES / "valid-dataset.json").read_text("utf-8"))["nodes"]
    a, b = tmp_path / "a.jsonld", tmp_path / "b.jsonld"
    a.write_text(json.dumps({"@context": CONTEXT, "@graph": nodes[:4]}))
    b.write_text(json.dumps({"@context": CONTEXT, "@graph": nodes[4:]}))
    res = runner.invoke(cli, ["validate", str(a), str(b), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["nodes_checked"] == len(nodes)


def test_usage_and_unreadable_input_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    """Missing files, broken JSON, unknown profiles and options exit 2 without a traceback."""
    assert runner.invoke(cli, ["validate", str(tmp_path / "nope.jsonld")]).exit_code == 2
    broken = tmp_path / "broken.jsonld"
    broken.write_text("{not json")
    res = runner.invoke(cli, ["validate", str(broken)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    res = runner.invoke(cli, ["validate", str(_doc(tmp_path, "valid-dataset")), "--profile", "nonexistent"])
    assert res.exit_code == 2 and "draft" in res.output
    assert runner.invoke(cli, ["validate", str(broken), "--engine", "turbo"]).exit_code == 2
    assert runner.invoke(cli, ["validate"]).exit_code == 2


def test_shapes_export(runner: CliRunner, tmp_path: Path) -> None:
    """shapes export writes Turtle for a version and profile."""
    out = tmp_path / "shapes.ttl"
    res = runner.invoke(cli, ["shapes", "export", "--version", "v4", "--profile", "draft", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "sh:NodeShape" in out.read_text()


def test_profiles_list(runner: CliRunner) -> None:
    """profiles lists the built-ins (text and JSON)."""
    res = runner.invoke(cli, ["profiles"])
    assert res.exit_code == 0 and "openminds" in res.output and "draft" in res.output
    data = json.loads(runner.invoke(cli, ["profiles", "--json"]).output)
    assert {"draft", "openminds"} <= {p["name"] for p in data}


def test_context_file(runner: CliRunner, tmp_path: Path) -> None:
    """--context passes a JSON validation context to profile rules (bad files exit 2)."""
    path = str(_doc(tmp_path, "valid-dataset"))
    prof = str(FIXTURES / "profiles" / "advanced.json")
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps({"record": {"embargo": {"requested": True}}}))
    res = runner.invoke(cli, ["validate", path, "--profile", prof, "--context", str(ctx)])
    assert res.exit_code == 1 and "test.adv.embargo-record" in res.output
    assert runner.invoke(cli, ["validate", path, "--profile", prof]).exit_code == 0
    ctx.write_text("[1]")
    assert runner.invoke(cli, ["validate", path, "--profile", prof, "--context", str(ctx)]).exit_code == 2
