"""`ebrains-curation demo` runs the whole journey: build, validate, submit to a sandbox, search back."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ebrains_curation.cli import cli
from ebrains_curation.examples import example_dataset_version
from ebrains_curation.validate.api import validate


def test_demo_end_to_end(tmp_path) -> None:
    """The demo succeeds, writes the metadata and reports, submits idempotently and finds the version again."""
    result = CliRunner().invoke(cli, ["demo", "-o", str(tmp_path), "--no-print-jsonld"])
    assert result.exit_code == 0, result.output
    assert "20 created" in result.output and "20 unchanged" in result.output
    assert "found https://kg.ebrains.eu/api/instances/" in result.output
    assert "verified 5 files in bucket 'collab-demo'" in result.output and "uploaded 0 files" in result.output
    files = json.loads((tmp_path / "files.jsonld").read_text())["@graph"]
    assert sum(n["@type"].endswith("/File") for n in files) == 5
    doc = json.loads((tmp_path / "dataset-version.jsonld").read_text())
    assert any(n["@type"].endswith("/DatasetVersion") for n in doc["@graph"])
    assert json.loads((tmp_path / "validation.json").read_text())["conforms"] is True


def test_example_is_publishable_in_v3_and_v4() -> None:
    """The shipped example passes the EBRAINS publication profile on both engines, in v3 and v4."""
    for version in ("v3", "v4"):
        graph = example_dataset_version(version)
        for engine in ("native", "shacl"):
            report = validate(graph, profile="ebrains-publication", engine=engine)
            assert report.conforms, report.render("text")
