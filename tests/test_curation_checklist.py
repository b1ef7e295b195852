"""The readiness checklist and the `check`, `descriptor` and `datacite` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

import ebrains_curation as ec
from ebrains_curation import SubmissionRecord, readiness_checklist
from ebrains_curation.cli import cli
from ebrains_curation.curation.checklist import STEPS

FIX = Path(__file__).parent / "fixtures" / "ebrains"
TODAY = "2026-01-15"


def _load(name: str):
    return ec.load(FIX / name)


def _record(name: str) -> SubmissionRecord:
    return SubmissionRecord.load(FIX / name)


def test_complete_dataset_is_ready():
    cl = readiness_checklist(_load("complete/dataset.jsonld"), _record("complete/dataset.record.json"), today=TODAY)
    assert [s.title for s in cl.steps] == list(STEPS.values())
    assert cl.ready, cl.render("text")
    text = str(cl)
    assert "1. General information  [done]" in text and "Ready for EBRAINS submission." in text
    assert "✓ Data Descriptor document" in text
    assert "· DOI" not in text  # the example already has its DOI


def test_missing_items_in_researcher_words():
    cl = readiness_checklist(_load("failing/no-data-descriptor.jsonld"), _record("failing/no-data-descriptor.record.json"),
                             today=TODAY)
    assert not cl.ready
    assert not cl.step("descriptor").done
    (item,) = cl.step("descriptor").items
    assert item.status == "missing" and "ebrains.descriptor.present" in item.rule_ids
    assert any("Data Descriptor" in d for d in item.details)
    assert cl.step("general").done and cl.step("ethics").done


def test_no_record_means_no_contact_person():
    cl = readiness_checklist(_load("complete/dataset.jsonld"), None, today=TODAY)
    contact = next(i for i in cl.step("general").items if i.key == "contact")
    assert contact.status == "missing" and "submission record" in contact.details[0]


def test_human_data_and_publication_stage():
    cl = readiness_checklist(_load("failing/human-category-undeclared.jsonld"),
                             _record("failing/human-category-undeclared.record.json"), today=TODAY)
    human = next(i for i in cl.step("ethics").items if i.key == "human")
    assert human.status == "missing"
    pub = readiness_checklist(_load("failing/doi-missing-publication.jsonld"),
                              _record("failing/doi-missing-publication.record.json"), stage="publication", today=TODAY)
    assert not pub.step("publish").done
    sub = readiness_checklist(_load("failing/doi-missing-submission.jsonld"),
                              _record("failing/doi-missing-submission.record.json"), today=TODAY)
    assert sub.step("publish").done  # the DOI is assigned at release


def test_warnings_are_shown_but_do_not_block():
    cl = readiness_checklist(_load("failing/ethics-not-required-with-subjects.jsonld"),
                             _record("failing/ethics-not-required-with-subjects.record.json"), today=TODAY)
    ethics = next(i for i in cl.step("ethics").items if i.key == "ethics")
    assert ethics.status == "warning" and "ebrains.ethics.not-required-with-specimens" in ethics.rule_ids
    assert cl.ready
    assert "! Ethics assessment" in str(cl)


def test_html_and_json():
    cl = readiness_checklist(_load("complete/model.jsonld"), _record("complete/model.record.json"), today=TODAY)
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
    bad = runner.invoke(cli, ["check", str(FIX / "failing" / "custodian-missing.jsonld"), "--today", TODAY,
                              "--format", "json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["ready"] is False
    # a copy without its record: the contact person is missing
    shutil.copy(FIX / "complete" / "dataset.jsonld", tmp_path / "d.jsonld")
    res = runner.invoke(cli, ["check", str(tmp_path / "d.jsonld"), "--today", TODAY])
    assert res.exit_code == 1 and "No submission record" in res.output
    res = runner.invoke(cli, ["check", str(tmp_path / "d.jsonld"), "--today", TODAY, "--record",
                              str(FIX / "complete" / "dataset.record.json"), "--format", "html"])
    assert res.exit_code == 0 and "<ol>" in res.output
    missing = runner.invoke(cli, ["check", str(tmp_path / "nope.jsonld")])
    assert missing.exit_code == 2


def test_descriptor_and_datacite_commands(tmp_path):
    runner = CliRunner()
    out = tmp_path / "dd.html"
    res = runner.invoke(cli, ["descriptor", str(FIX / "complete" / "dataset.jsonld"), "--format", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Data organisation and file structure" in out.read_text("utf-8")
    res = runner.invoke(cli, ["datacite", str(FIX / "complete" / "dataset.jsonld")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["doi"] == "10.25493/ABCD-1234"
    res = runner.invoke(cli, ["datacite", str(FIX / "complete" / "dataset.jsonld"), "--id", "https://x.example/none"])
    assert res.exit_code == 2 and "no DatasetVersion" in res.output
