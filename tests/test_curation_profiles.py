"""The ebrains-submission and ebrains-publication profiles, rule by rule, on both engines.

``tests/fixtures/ebrains/cases.json`` (written by ``make_fixtures.py``) lists each
document, its stage, record and "today", and the exact set of ``ebrains.*`` rule
ids it must raise as errors. The complete examples must raise none.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ebrains_curation as ec
from ebrains_curation import SubmissionRecord
from ebrains_curation.validate import validate
from ebrains_curation.validate.profiles import get_profile

FIX = Path(__file__).parent / "fixtures" / "ebrains"
CASES = json.loads((FIX / "cases.json").read_text("utf-8"))


@cache
def _graph(file: str):
    return ec.load(FIX / file)


def _context(case: dict) -> dict:
    record = SubmissionRecord.load(FIX / case["record"]) if case["record"] else SubmissionRecord()
    return {"record": record.to_context(), "today": case["today"]}


@cache
def _report(name: str, engine: str):
    case = next(c for c in CASES if c["name"] == name)
    return validate(
        _graph(case["file"]).copy(), profile=f"ebrains-{case['stage']}", engine=engine, context=_context(case)
    )


def _ebrains(report, severity: str) -> set[str]:
    return {
        i.rule_id for i in report.issues if i.rule_id.startswith("ebrains.") and i.severity.value == severity
    }


def test_profiles_load_and_extend():
    sub = get_profile("ebrains-submission")
    pub = get_profile("ebrains-publication")
    assert sub.extends == "openminds" and pub.extends == "ebrains-submission"
    ids = {r.id for r in sub.rules}
    assert {
        "ebrains.dataset.short-name-length",
        "ebrains.ethics.human-data-category",
        "ebrains.descriptor.present",
    } <= ids
    assert all(r.message and r.hint for r in sub.rules if r.id.startswith("ebrains."))
    assert {r.id for r in pub.rules} >= {"ebrains.doi.required"}


def test_every_rule_has_a_failing_fixture():
    ids = {r.id for r in get_profile("ebrains-publication").rules if r.id.startswith("ebrains.")}
    covered = {rid for c in CASES for rid in c["errors"] + c["warnings"]}
    # developer names are checked like author names; one fixture covers the mechanism
    assert ids - covered <= {"ebrains.person.developer-family-name"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_native_engine_raises_exactly_the_expected_rules(case):
    report = _report(case["name"], "native")
    assert _ebrains(report, "error") == set(case["errors"]), report.render("text")
    assert _ebrains(report, "warning") == set(case["warnings"])


def test_complete_examples_conform():
    for case in CASES:
        if case["name"].endswith(("-complete-submission", "-complete-publication")):
            report = _report(case["name"], "native")
            assert report.conforms, report.render("text")


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shacl_engine_agrees(case):
    native = _report(case["name"], "native")
    shacl = _report(case["name"], "shacl")
    assert _ebrains(shacl, "error") == set(case["errors"])
    native_keys, shacl_keys = native.keys(), shacl.keys()
    mine = {k for k in native_keys if k[2].startswith("ebrains.")}
    assert {k for k in shacl_keys if k[2].startswith("ebrains.")} == mine


def test_today_comes_from_the_context_not_the_clock():
    case = next(c for c in CASES if c["name"] == "embargo-date-in-future")
    graph = _graph(case["file"]).copy()
    ctx = _context(case)
    assert "ebrains.embargo.release-date-future" not in _ebrains(
        validate(graph, profile="ebrains-submission", context=ctx), "error"
    )
    ctx["today"] = "2030-01-01"
    assert "ebrains.embargo.release-date-future" in _ebrains(
        validate(graph, profile="ebrains-submission", context=ctx), "error"
    )


def test_inheritance_is_resolved_before_reporting():
    """The complete dataset version has no fullName/description/author of its own: the Dataset's count."""
    graph = _graph("complete/dataset.jsonld")
    (v,) = graph.of_type("DatasetVersion")
    assert not {"fullName", "description", "author"} & set(v)
    report = _report("dataset-complete-submission", "native")
    assert not {"ebrains.dataset.full-name", "ebrains.dataset.description", "ebrains.dataset.authors"} & {
        i.rule_id for i in report.issues
    }


@pytest.mark.parametrize(
    "name",
    [
        "dataset-complete-publication",
        "human-ethics-not-required",
        "pseudonymised-open-access",
        "embargo-date-in-past",
        "no-data-descriptor",
        "dataset-missing",
        "custodian-without-email",
        "model-no-contact",
    ],
)
def test_same_rules_in_openminds_v3(name):
    """The profiles name terms, not IRIs: a v3 document raises the same EBRAINS rules."""
    from ebrains_curation.graph.migrate import migrate

    case = next(c for c in CASES if c["name"] == name)
    v3, _ = migrate(_graph(case["file"]), "v3")
    assert v3.version == "v3"
    report = validate(v3, profile=f"ebrains-{case['stage']}", context=_context(case))
    assert _ebrains(report, "error") == set(case["errors"])
    assert not [i for i in report.issues if i.rule_id == "profile-not-applicable"]


_NAME = st.text(alphabet="abcdefghij XYZ-", min_size=1, max_size=45).filter(lambda s: s.strip() == s and s)


@settings(max_examples=25, deadline=None)
@given(short=_NAME, n_keywords=st.integers(min_value=1, max_value=8))
def test_limits_property(short, n_keywords):
    """shortName over 30 characters and more than 5 keywords are reported, and nothing else is."""
    graph = _graph("complete/dataset.jsonld").copy()
    (v,) = graph.of_type("DatasetVersion")
    v["shortName"] = short
    keywords = [
        "hippocampalFormation",
        "neocortex",
        "CA1FieldOfHippocampus",
        "dentateGyrus",
        "amygdala",
        "cerebellum",
        "thalamus",
        "striatum",
    ]
    v["keyword"] = [
        {"@id": f"https://openminds.om-i.org/instances/UBERONParcellation/{k}"} for k in keywords[:n_keywords]
    ]
    case = next(c for c in CASES if c["name"] == "dataset-complete-submission")
    report = validate(graph, profile="ebrains-submission", context=_context(case))
    expected = ({"ebrains.dataset.short-name-length"} if len(short) > 30 else set()) | (
        {"ebrains.dataset.keywords-max"} if n_keywords > 5 else set()
    )
    assert _ebrains(report, "error") == expected


def test_other_versions_are_flagged_not_silently_passed():
    from ebrains_curation.graph.migrate import migrate

    v5, _ = migrate(_graph("complete/dataset.jsonld"), "v5")
    report = validate(v5, profile="ebrains-submission", context={"today": "2026-01-15"})
    assert "profile-version" in {i.rule_id for i in report.issues}


def test_fixtures_are_up_to_date(tmp_path):
    """The files on disk are what make_fixtures.py writes (rerun it after changing examples or cases)."""
    import filecmp
    import sys

    sys.path.insert(0, str(FIX))
    try:
        import make_fixtures
    finally:
        sys.path.remove(str(FIX))
    make_fixtures.main(tmp_path)
    for sub in ("complete", "failing"):
        cmp = filecmp.dircmp(tmp_path / sub, FIX / sub)
        assert not (cmp.left_only or cmp.right_only or cmp.diff_files), (
            sub,
            cmp.left_only,
            cmp.right_only,
            cmp.diff_files,
        )
    assert (tmp_path / "cases.json").read_text("utf-8") == (FIX / "cases.json").read_text("utf-8")
