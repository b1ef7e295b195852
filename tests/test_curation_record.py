"""SubmissionRecord: round trips, validation of its fields, and the validation context."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebrains_curation import SubmissionRecord
from ebrains_curation.curation.record import HUMAN_DATA_CATEGORIES, RECORD_FORMAT
from ebrains_curation.errors import ConfigurationError, CurationError, LoadError


def _full() -> SubmissionRecord:
    return SubmissionRecord.from_dict(
        {
            "contact_person": {"given_name": "Alice", "family_name": "Smith", "email": "alice@uni.example"},
            "data_custodian": {"confirmed": True, "name": "Bob Jones", "email": "bob@uni.example"},
            "human_data": {"involved": True, "category": "pseudonymized", "legal_basis": "informed consent"},
            "embargo": {"requested": True, "release_date": "2027-01-31", "reason": "paper under review"},
            "existing_doi": "https://doi.org/10.25493/ABCD-1234",
            "product": "https://kg.ebrains.eu/api/instances/00000000-0000-0000-0000-000000000001",
        }
    )


def test_json_and_yaml_round_trip(tmp_path):
    rec = _full()
    assert rec.human_data.category == "pseudonymised"  # spelling normalised
    for name in ("r.json", "r.yaml", "r.yml"):
        path = rec.save(tmp_path / name)
        assert SubmissionRecord.load(path) == rec
    assert json.loads(rec.to_json())["record_format"] == RECORD_FORMAT
    assert rec.to_yaml().startswith("record_format: ebrains-curation/submission-record/1")


def test_yaml_dates_become_iso_strings():
    rec = SubmissionRecord.from_yaml("embargo:\n  requested: true\n  release_date: 2027-02-01\n")
    assert rec.embargo.release_date == "2027-02-01"
    assert (
        SubmissionRecord(embargo=type(rec.embargo)(True, dt.date(2027, 3, 1))).embargo.release_date
        == "2027-03-01"
    )


def test_empty_record_is_minimal():
    assert SubmissionRecord().to_dict() == {
        "record_format": RECORD_FORMAT,
        "data_custodian": {"confirmed": False},
        "embargo": {"requested": False},
    }
    assert SubmissionRecord.from_dict({}) == SubmissionRecord()


def test_context_has_every_field():
    ctx = _full().to_context()
    assert ctx["human_data"] == {
        "involved": True,
        "category": "pseudonymised",
        "legal_basis": "informed consent",
    }
    assert ctx["contact_person"]["complete"] is True
    assert ctx["existing_doi"] == "https://doi.org/10.25493/ABCD-1234"
    empty = SubmissionRecord().to_context()
    assert empty["human_data"]["category"] is None and empty["contact_person"]["complete"] is False
    json.dumps(empty)  # plain JSON


@pytest.mark.parametrize(
    "data, words",
    [
        ({"human_data": {"category": "living"}}, "Unknown human-data category"),
        ({"contact": {}}, "unknown field(s) contact"),
        ({"contact_person": {"mail": "x"}}, "unknown field(s) mail"),
        ({"record_format": "something-else/1"}, "not a submission record"),
        ([], "must be a mapping"),
    ],
)
def test_bad_records_are_clear_errors(data, words):
    with pytest.raises(CurationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        SubmissionRecord.from_dict(data)  # type: ignore[arg-type]


def test_unreadable_files(tmp_path):
    with pytest.raises(LoadError, match="cannot read"):
        SubmissionRecord.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(LoadError, match="not valid JSON"):
        SubmissionRecord.load(bad)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("a: [", encoding="utf-8")
    with pytest.raises(LoadError, match="not valid YAML"):
        SubmissionRecord.load(bad_yaml)


def test_contact_completeness():
    rec = SubmissionRecord.from_dict(
        {"contact_person": {"given_name": "A", "family_name": "B", "email": "nope"}}
    )
    assert not rec.contact_person.complete
    assert isinstance(ConfigurationError("x"), CurationError)


_text = st.one_of(st.none(), st.text(min_size=1, max_size=20))


@settings(max_examples=40, deadline=None)
@given(
    given_name=_text,
    email=_text,
    confirmed=st.booleans(),
    involved=st.one_of(st.none(), st.booleans()),
    category=st.one_of(st.none(), st.sampled_from(HUMAN_DATA_CATEGORIES)),
    doi=_text,
)
def test_round_trip_property(given_name, email, confirmed, involved, category, doi):
    rec = SubmissionRecord.from_dict(
        {
            "contact_person": {"given_name": given_name, "email": email},
            "data_custodian": {"confirmed": confirmed},
            "human_data": {"involved": involved, "category": category},
            "existing_doi": doi,
        }
    )
    assert SubmissionRecord.from_json(rec.to_json()) == rec
    assert SubmissionRecord.from_yaml(rec.to_yaml()) == rec


def test_template_parses_to_an_empty_record():
    text = SubmissionRecord.template_yaml()
    assert "pseudonymised" in text and text.startswith("# EBRAINS submission record")
    rec = SubmissionRecord.from_yaml(text)
    assert rec.human_data.involved is False and rec.contact_person.email is None


def test_record_template_command_writes_a_loadable_record(tmp_path) -> None:
    """`record-template -o FILE` writes the commented template once; it loads as a SubmissionRecord."""
    from click.testing import CliRunner

    from ebrains_curation.cli import cli
    from ebrains_curation.curation.record import SubmissionRecord

    target = tmp_path / "submission-record.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, ["record-template", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text() == SubmissionRecord.template_yaml()
    assert isinstance(SubmissionRecord.load(target), SubmissionRecord)
    again = runner.invoke(cli, ["record-template", "-o", str(target)])
    assert again.exit_code != 0 and "exists already" in again.output
    printed = runner.invoke(cli, ["record-template"])
    assert printed.exit_code == 0 and printed.output == SubmissionRecord.template_yaml()
