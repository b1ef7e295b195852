"""The readiness checklist and the `check`, `descriptor` and `datacite` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import ebrains_curation as ec
from ebrains_curation import SubmissionRecord, readiness_checklist
from ebrains_curation.cli import cli
from ebrains_curation.curation.checklist import STEPS

FIX = Path(__file__).parent / "fixtures" / "ebrains"
TODAY = "2026-01-15"
CASES = json.loads((FIX / "cases.json").read_text("utf-8"))


def _load(name: str):
    return ec.load(FIX / name)


def _record(name: str) -> SubmissionRecord:
    return SubmissionRecord.load(FIX / name)


def test_complete_dataset_is_ready():
    cl = readiness_checklist(
        _load("complete/dataset.jsonld"), _record("complete/dataset.record.json"), today=TODAY
    )
    assert [s.title for s in cl.steps] == list(STEPS.values())
    assert cl.ready, cl.render("text")
    text = str(cl)
    assert "1. General information  [done: " in text and "Ready for EBRAINS submission." in text
    assert "✓ Data Descriptor document" in text
    assert "· DOI" not in text  # the example already has its DOI


def test_missing_items_in_researcher_words():
    cl = readiness_checklist(
        _load("failing/no-data-descriptor.jsonld"),
        _record("failing/no-data-descriptor.record.json"),
        today=TODAY,
    )
    assert not cl.ready
    assert not cl.step("descriptor").done
    (item,) = cl.step("descriptor").items
    assert item.status == "missing" and "ebrains.descriptor.present" in item.rule_ids
    assert any("Data Descriptor" in d for d in item.messages)
    assert cl.step("general").done and cl.step("ethics").done


def test_no_record_means_no_contact_person():
    cl = readiness_checklist(_load("complete/dataset.jsonld"), None, today=TODAY)
    contact = next(i for i in cl.step("general").items if i.key == "contact")
    assert contact.status == "missing" and "submission record" in contact.details[0]


def test_no_record_means_custodian_not_confirmed():
    """Without a submission record nobody has confirmed anything: the custodian item is not ticked."""
    cl = readiness_checklist(_load("complete/dataset.jsonld"), None, today=TODAY)
    custodian = next(i for i in cl.step("general").items if i.key == "custodian")
    assert custodian.status == "missing"
    assert any("not confirmed yet" in d.lower() and "submission record" in d for d in custodian.details)
    assert "✗ Data custodian" in str(cl)
    with_record = readiness_checklist(
        _load("complete/dataset.jsonld"), _record("complete/dataset.record.json"), today=TODAY
    )
    assert next(i for i in with_record.step("general").items if i.key == "custodian").status == "done"


def _severity(issue) -> str:
    return getattr(issue.severity, "value", str(issue.severity))


def test_publication_needs_a_repository_in_profile_and_checklist():
    """A dataset version with neither repository nor files: validate() and the checklist both say so."""
    from ebrains_curation.validate import validate

    graph = _load("complete/dataset.jsonld").copy()
    (v,) = graph.of_type("DatasetVersion")
    del v["repository"]
    for f in graph.of_type("File"):
        graph.remove(f["@id"])
    record = _record("complete/dataset.record.json")
    context = {"record": record.to_context(), "today": TODAY}
    report = validate(graph, profile="ebrains-publication", context=context)
    assert not report.conforms
    assert {i.rule_id for i in report.issues if _severity(i) == "error"} == {"ebrains.files.repository"}
    pub = readiness_checklist(graph, record, stage="publication", today=TODAY)
    repo = next(i for i in pub.step("files").items if i.key == "repository")
    assert repo.status == "missing" and repo.rule_ids == ["ebrains.files.repository"]
    assert not pub.ready and [i.key for i in pub.missing] == ["repository"]
    # at submission it is a reminder (the curators can provide storage), in both places
    report = validate(graph, profile="ebrains-submission", context=context)
    assert report.conforms and "ebrains.files.repository" in {i.rule_id for i in report.issues}
    sub = readiness_checklist(graph, record, today=TODAY)
    assert sub.ready and sub.step("files").done
    assert [i.status for i in sub.step("files").items] == ["warning", "optional"]


_DATASET_CASES = [c for c in CASES if "model" not in c["name"] and "software" not in c["name"]]


@pytest.mark.parametrize("case", _DATASET_CASES, ids=[c["name"] for c in _DATASET_CASES])
def test_files_step_is_the_profile_verdict(case):
    """The files step is missing exactly when the profile reports an error about the repository or files."""
    record = _record(case["record"]) if case["record"] else None
    cl = readiness_checklist(_load(case["file"]), record, stage=case["stage"], today=case["today"])
    files_rules = {"ebrains.files.repository", "ebrains.files.listed"}
    errors = {i.rule_id for i in cl.report.issues if _severity(i) == "error"} & files_rules
    warnings = {i.rule_id for i in cl.report.issues if _severity(i) == "warning"} & files_rules
    items = {i.key: i for i in cl.step("files").items}
    assert (not cl.step("files").done) == bool(errors)
    assert {i.status for i in items.values()} & {"warning"} == ({"warning"} if warnings - errors else set())


def test_human_data_and_publication_stage():
    cl = readiness_checklist(
        _load("failing/human-category-undeclared.jsonld"),
        _record("failing/human-category-undeclared.record.json"),
        today=TODAY,
    )
    human = next(i for i in cl.step("ethics").items if i.key == "human")
    assert human.status == "missing"
    pub = readiness_checklist(
        _load("failing/doi-missing-publication.jsonld"),
        _record("failing/doi-missing-publication.record.json"),
        stage="publication",
        today=TODAY,
    )
    assert not pub.step("publish").done
    sub = readiness_checklist(
        _load("failing/doi-missing-submission.jsonld"),
        _record("failing/doi-missing-submission.record.json"),
        today=TODAY,
    )
    assert sub.step("publish").done  # the DOI is assigned at release


def test_warnings_are_shown_but_do_not_block():
    cl = readiness_checklist(
        _load("failing/ethics-not-required-with-subjects.jsonld"),
        _record("failing/ethics-not-required-with-subjects.record.json"),
        today=TODAY,
    )
    ethics = next(i for i in cl.step("ethics").items if i.key == "ethics")
    assert ethics.status == "warning" and "ebrains.ethics.not-required-with-specimens" in ethics.rule_ids
    assert cl.ready
    assert "! Ethics assessment" in str(cl)


def test_repr_is_the_cli_text(tmp_path):
    """Outside Jupyter a checklist prints as the `check` command's text, not as a dataclass dump."""
    cl = readiness_checklist(
        _load("complete/software.jsonld"), _record("complete/software.record.json"), today=TODAY
    )
    assert repr(cl) == str(cl) == cl.render("text")
    assert "ChecklistStep(" not in repr(cl) and "ValidationReport" not in repr(cl)
    assert repr(cl).startswith("EBRAINS curation checklist (submission) for the software")
    res = CliRunner().invoke(cli, ["check", str(FIX / "complete" / "software.jsonld"), "--today", TODAY])
    assert res.output.strip() == repr(cl).strip()
    assert cl._repr_html_().startswith('<div class="ebrains-checklist">')


def test_html_and_json():
    cl = readiness_checklist(
        _load("complete/model.jsonld"), _record("complete/model.record.json"), today=TODAY
    )
    html = cl._repr_html_()
    assert html.startswith('<div class="ebrains-checklist">') and "Preview and publish" in html
    data = json.loads(cl.to_json())
    assert data["kind"] == "model" and data["ready"] is True
    assert [s["key"] for s in data["steps"]] == list(STEPS)


def test_paths_and_dicts_are_accepted():
    import pytest

    from ebrains_curation.errors import ConfigurationError

    record = json.loads((FIX / "complete" / "software.record.json").read_text("utf-8"))
    cl = readiness_checklist(str(FIX / "complete" / "software.jsonld"), record, today=TODAY)
    assert cl.ready and cl.kind == "software"
    with pytest.raises(ConfigurationError, match="YYYY-MM-DD"):
        readiness_checklist(str(FIX / "complete" / "software.jsonld"), record, today="yesterday")


# -- CLI --------------------------------------------------------------------------------------------
def test_check_command_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(FIX / "complete" / "software.jsonld"), "--today", TODAY])
    assert ok.exit_code == 0, ok.output
    assert "Ready for EBRAINS submission" in ok.output  # record found next to the file
    bad = runner.invoke(
        cli,
        ["check", str(FIX / "failing" / "custodian-missing.jsonld"), "--today", TODAY, "--format", "json"],
    )
    assert bad.exit_code == 1
    assert json.loads(bad.output)["ready"] is False
    # a copy without its record: the contact person is missing
    shutil.copy(FIX / "complete" / "dataset.jsonld", tmp_path / "d.jsonld")
    res = runner.invoke(cli, ["check", str(tmp_path / "d.jsonld"), "--today", TODAY])
    assert res.exit_code == 1 and "No submission record" in res.output
    res = runner.invoke(
        cli,
        [
            "check",
            str(tmp_path / "d.jsonld"),
            "--today",
            TODAY,
            "--record",
            str(FIX / "complete" / "dataset.record.json"),
            "--format",
            "html",
        ],
    )
    assert res.exit_code == 0 and '<ol class="ecl-overview">' in res.output
    missing = runner.invoke(cli, ["check", str(tmp_path / "nope.jsonld")])
    assert missing.exit_code == 2


def test_descriptor_and_datacite_commands(tmp_path):
    runner = CliRunner()
    out = tmp_path / "dd.html"
    res = runner.invoke(
        cli, ["descriptor", str(FIX / "complete" / "dataset.jsonld"), "--format", "html", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "Data Records" in out.read_text("utf-8")
    res = runner.invoke(cli, ["datacite", str(FIX / "complete" / "dataset.jsonld")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["doi"] == "10.25493/ABCD-1234"
    res = runner.invoke(
        cli, ["datacite", str(FIX / "complete" / "dataset.jsonld"), "--id", "https://x.example/none"]
    )
    assert res.exit_code == 2 and "no DatasetVersion" in res.output


def test_html_files_are_whole_utf8_pages(tmp_path):
    """A report or checklist written to a file opens in a browser with its ✓ and ✗ intact."""
    runner = CliRunner()
    path = str(FIX / "complete" / "dataset.jsonld")
    for args, name in ((["check", path, "--today", TODAY], "c.html"), (["validate", path], "v.html")):
        out = tmp_path / name
        res = runner.invoke(cli, [*args, "--format", "html", "-o", str(out)])
        assert res.exit_code in (0, 1), res.output
        page = out.read_text("utf-8")
        assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
        assert page.count("<body") == 1 and page.rstrip().endswith("</html>")
