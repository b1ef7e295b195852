"""One truth for "done": the readiness checklist and ``validate --profile ebrains-<stage>`` never disagree.

Every finding of the profile lands on exactly one checklist item (``checklist_map.json``), and
an item is ✓ only when none of its findings remains. Checked over the whole fixture corpus
(complete and failing EBRAINS cases, both stages, with and without their submission records)
and over a real public collection written by bids2openminds.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

import ebrains_curation as ec
from ebrains_curation import SubmissionRecord, readiness_checklist
from ebrains_curation.cli import cli
from ebrains_curation.curation.checklist import ITEM_KEYS, checklist_map, item_for, run_profile
from ebrains_curation.curation.products import find_products

HERE = Path(__file__).parent
EBRAINS = HERE / "fixtures" / "ebrains"
PUBLIC = HERE / "fixtures" / "public"
TODAY = "2026-01-15"

CORPUS = sorted(EBRAINS.glob("*/*.jsonld")) + sorted(PUBLIC.glob("*.jsonld"))
#: items whose status may also come from the submission record, not only from findings
RECORD_ITEMS = {"contact", "custodian"}


def _record(path: Path) -> SubmissionRecord | None:
    rec = path.with_suffix(".record.json")
    return SubmissionRecord.load(rec) if rec.is_file() else None


def _profile_rule_ids() -> set[str]:
    folder = resources.files("ebrains_curation.schemas").joinpath("profiles")
    ids: set[str] = set()
    for name in ("ebrains-submission.json", "ebrains-publication.json"):
        data = json.loads(folder.joinpath(name).read_text("utf-8"))
        ids |= {r["id"] for r in data.get("rules", [])}
    return ids


def test_every_ebrains_rule_is_mapped_to_an_item() -> None:
    """The mapping is data, and complete: every rule id of the EBRAINS profiles names an existing item."""
    m = checklist_map()
    unmapped = _profile_rule_ids() - set(m["rules"])
    assert not unmapped, f"rules with no checklist item: {sorted(unmapped)}"
    targets = set(m["rules"].values()) | set(m["product_properties"].values()) | set(m["node_types"].values())
    assert targets | {m["default"]} <= set(ITEM_KEYS)
    stale = set(m["rules"]) - _profile_rule_ids()
    assert not stale, f"mapped rule ids no profile has: {sorted(stale)}"


def _check_consistent(graph: ec.MetadataGraph, record: SubmissionRecord | None, stage: str) -> int:
    """Assert the invariants for every product version in the graph; return how many findings were checked."""
    checked = 0
    for product in find_products(graph):
        report = run_profile(graph, record, stage=stage, today=TODAY)
        cl = readiness_checklist(
            graph, record, stage=stage, version_id=product.id, report=report, today=TODAY
        )
        shown = {i.key: i for s in cl.steps for i in s.items}
        ours = [i for i in report.issues if i.node_id is None or _same_product(graph, product.id, i.node_id)]
        for issue in ours:
            key = item_for(issue, product)
            assert key in shown, (
                f"{issue.rule_id} on {issue.node_id} maps to {key!r}, which the checklist hides"
            )
            item = shown[key]
            assert item.status != "done", f"✓ {item.label} while {issue.rule_id} says: {issue.message}"
            assert item.status != "optional", f"· {item.label} while {issue.rule_id} says: {issue.message}"
            if issue.severity.value == "error":
                assert item.status == "missing", (
                    f"{item.label} is {item.status} despite error {issue.rule_id}"
                )
            assert issue.rule_id in item.rule_ids
            checked += 1
        for item in shown.values():  # the other way round: nothing is missing without a finding
            if item.status == "missing" and item.key not in RECORD_ITEMS:
                assert any(item_for(i, product) == item.key and i.severity.value == "error" for i in ours), (
                    f"{item.label} is missing, but no error finding says so"
                )
    return checked


def _same_product(graph: ec.MetadataGraph, product_id: str, node_id: str) -> bool:
    node = graph.nodes.get(node_id)
    t = graph.type_name(node) if node is not None else None
    return not (t in ("DatasetVersion", "ModelVersion", "SoftwareVersion") and node_id != product_id)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["submission", "publication"])
def test_checklist_agrees_with_the_profile_over_the_whole_corpus(stage: str) -> None:
    total = 0
    for path in CORPUS:
        graph = ec.load(path)
        for record in {id(r): r for r in (_record(path), None)}.values():
            total += _check_consistent(graph, record, stage)
    assert len(CORPUS) > 50 and total > 250, total  # the corpus is really there and really checked


def test_public_bids2openminds_collection_is_not_ticked_where_it_lacks_things() -> None:
    """The issue's case: a DatasetVersion with no licence and no accessibility is ✗ on both items."""
    path = PUBLIC / "bids2openminds-ds005.jsonld"
    cl = readiness_checklist(ec.load(path), today=TODAY)
    items = {i.key: i for s in cl.steps for i in s.items}
    assert items["licence"].status == "missing" and any("'license'" in m for m in items["licence"].messages)
    assert items["access"].status == "missing" and any(
        "'accessibility'" in m for m in items["access"].messages
    )
    assert items["ethics"].status == "missing" and items["descriptor"].status == "missing"
    assert not cl.ready
    # the same file through the two commands a researcher would run
    runner = CliRunner()
    check = runner.invoke(cli, ["check", str(path), "--today", TODAY, "--format", "json"])
    validate = runner.invoke(
        cli, ["validate", str(path), "--profile", "ebrains-submission", "--format", "json"]
    )
    assert check.exit_code == 1 and validate.exit_code == 1
    flagged = {
        tuple(i["path"][:1]) for i in json.loads(validate.output)["issues"] if i["severity"] == "error"
    }
    assert {("license",), ("accessibility",)} <= flagged
    status = {i["key"]: i["status"] for s in json.loads(check.output)["steps"] for i in s["items"]}
    assert status["licence"] == status["access"] == "missing"


def test_public_collection_findings_are_grouped_for_people() -> None:
    path = PUBLIC / "bids2openminds-ds005.jsonld"
    report = ec.validate(path, profile="ebrains-submission")
    titles = [g.title for g in report.groups()]
    assert "16 SubjectStates lack 'ageCategory'" in titles
    assert "134 Files have an 'IRI' that is not a web address (IRI)" in titles
    assert len(titles) < 30 < len(report.issues)
    # the version is named by its title, never only by a blank-node id
    assert report.label("_:000229") == "Mixed-gambles task"
    text = report.render("text")
    assert "Mixed-gambles task (DatasetVersion, _:000229)" in text
    first = report.groups()[0]
    assert first.blocking and first.node_type in ("DatasetVersion", "Dataset")
