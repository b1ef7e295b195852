"""The validate → submit seam: ``ec.submit`` and ``kg submit`` check the submission profile before writing.

Against the sandbox over real HTTP: a refused submission must leave the space empty.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ebrains_curation as ec
from ebrains_curation.cli import cli
from ebrains_curation.constants import OMI_NS
from ebrains_curation.examples import example_dataset_version
from ebrains_curation.graph.writers import dump

T = OMI_NS + "types/"


def _unfit_graph() -> ec.MetadataGraph:
    """A DatasetVersion the curators would reject (no description, no licence, no authors …)."""
    tag = uuid.uuid4().hex[:8]
    g = ec.MetadataGraph("v4")
    g.add_node({"@id": f"https://example.org/{tag}/d", "@type": T + "DatasetVersion", "shortName": "unfit"})
    return g


def _count(sandbox: Any, space: str) -> int:
    return int(sandbox.server.store.count("IN_PROGRESS", space))


def test_errors_refuse_the_submission_and_nothing_is_written(kg_sandbox_factory: Any) -> None:
    """Errors for ebrains-submission: SubmissionRefused (a ValidationFailed) with the report; space untouched."""
    sandbox = kg_sandbox_factory()
    graph = _unfit_graph()
    with pytest.raises(ec.SubmissionRefused) as info:
        ec.submit(graph, sandbox.client("alice"), "collab-demo", progress=False)
    report = info.value.report
    assert isinstance(info.value, ec.ValidationFailed) and report.profile == "ebrains-submission"
    assert report.errors and str(len(report.errors)) in str(info.value)
    assert "force=True" in str(info.value) and report.errors[0].message in str(info.value)
    assert _count(sandbox, "collab-demo") == 0
    with pytest.raises(ec.SubmissionRefused):  # a dry run is refused too: it shows what would happen
        ec.submit(graph, sandbox.client("alice"), "collab-demo", dry_run=True, progress=False)


def test_force_writes_anyway(kg_sandbox_factory: Any) -> None:
    """force=True skips the check and writes, as ebrains_curation.kg.submit always does."""
    sandbox = kg_sandbox_factory()
    result = ec.submit(_unfit_graph(), sandbox.client("alice"), "collab-demo", force=True, progress=False)
    assert result.ok and len(result.created) == 1 and _count(sandbox, "collab-demo") == 1
    from ebrains_curation.kg import submit as kg_submit  # the writer alone: no validation, as before

    again = kg_submit(_unfit_graph(), sandbox.client("alice"), "collab-demo", progress=False)
    assert again.ok and _count(sandbox, "collab-demo") == 2


def test_conforming_metadata_is_submitted(kg_sandbox_factory: Any) -> None:
    """The example dataset passes the submission profile and is written (20 nodes)."""
    sandbox = kg_sandbox_factory()
    graph = example_dataset_version()
    assert ec.validate(graph, profile="ebrains-submission").conforms
    result = ec.submit(graph, sandbox.client("alice"), "collab-demo", progress=False)
    assert result.ok and len(result.created) == len(graph) == _count(sandbox, "collab-demo")


def test_a_given_report_is_what_decides(kg_sandbox_factory: Any) -> None:
    """report=… is used as it is: a conforming report of another profile lets the graph through."""
    sandbox = kg_sandbox_factory()
    graph = _unfit_graph()
    draft = ec.validate(graph, profile="draft")
    assert draft.conforms
    result = ec.submit(graph, sandbox.client("alice"), "collab-demo", report=draft, progress=False)
    assert result.ok and _count(sandbox, "collab-demo") == 1
    with pytest.raises(ec.SubmissionRefused):
        ec.submit(graph, sandbox.client("alice"), "collab-demo", profile="openminds", progress=False)


# -- the command line ---------------------------------------------------------------------------------
def _run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_kg_submit_prints_the_report_and_refuses(kg_sandbox_factory: Any, tmp_path: Path) -> None:
    """kg submit: errors → the report on stderr, exit code 1, nothing written; --no-validate writes."""
    sandbox = kg_sandbox_factory()
    env = {"KG_AUTH_TOKEN": sandbox.tokens["alice"], "KG_HOST": sandbox.url}
    path = tmp_path / "unfit.jsonld"
    dump(_unfit_graph(), path)
    result = _run(["kg", "submit", str(path), "--space", "collab-demo"], env)
    assert result.exit_code == 1, result.output
    assert "not submitted" in result.stderr and "--no-validate" in result.stderr
    assert "error" in result.stderr and "DatasetVersion" in result.stderr
    assert result.stdout == "" and _count(sandbox, "collab-demo") == 0
    result = _run(["kg", "submit", str(path), "--space", "collab-demo", "--no-validate", "--json"], env)
    assert result.exit_code == 0 and json.loads(result.stdout)["counts"]["created"] == 1
    assert _count(sandbox, "collab-demo") == 1


def test_kg_submit_with_conforming_metadata_and_a_bad_profile(
    kg_sandbox_factory: Any, tmp_path: Path
) -> None:
    """Conforming metadata goes through with stdout untouched (JSON stays JSON); a bad profile is exit 2."""
    sandbox = kg_sandbox_factory()
    env = {"KG_AUTH_TOKEN": sandbox.tokens["alice"], "KG_HOST": sandbox.url}
    path = tmp_path / "example.jsonld"
    dump(example_dataset_version(), path)
    result = _run(["kg", "submit", str(path), "--space", "collab-demo", "--json"], env)
    assert result.exit_code == 0 and json.loads(result.stdout)["counts"]["created"] == 20
    result = _run(["kg", "submit", str(path), "--space", "collab-demo", "--profile", "no-such"], env)
    assert result.exit_code == 2 and "no-such" in result.output
