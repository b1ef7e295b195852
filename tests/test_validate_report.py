"""The report model: frozen serialisable issues, report views, renderers and raise_for_errors."""

from __future__ import annotations

import dataclasses
import json
from xml.etree import ElementTree as ET

import pytest

from ebrains_curation.errors import CurationError, ValidationFailed
from ebrains_curation.validate import Issue, Severity, ValidationReport, validate

T = "https://openminds.om-i.org/types/"


def _report() -> ValidationReport:
    nodes = [
        {
            "@id": "https://ex.org/p",
            "@type": T + "Person",
            "familyName": 3,
            "nick": "x",
            "contactInformation": {"@id": "https://ex.org/missing"},
        },
        {"@id": "https://ex.org/c", "@type": T + "ContactInformation", "email": "nope"},
    ]
    return validate(nodes, profile="openminds")


def test_issue_is_frozen_and_round_trips() -> None:
    """Issues are immutable values; to_dict/from_dict round-trips them."""
    issue = _report().issues[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.rule_id = "x"  # type: ignore[misc]
    data = json.loads(json.dumps(issue.to_dict()))
    assert Issue.from_dict(data) == issue
    assert hash(issue) == hash(Issue.from_dict(data))


def test_issue_fields() -> None:
    """An issue names rule, severity, node, type, path (keys and IRIs), value, expected, message and hint."""
    r = _report()
    email = r.filter(rule_id="email-format")[0]
    assert email.severity is Severity.ERROR
    assert email.node_id == "https://ex.org/c" and email.node_type == "ContactInformation"
    assert email.path == ("email",) and email.path_iri == ("https://openminds.om-i.org/props/email",)
    assert email.property_iri == "https://openminds.om-i.org/props/email"
    assert email.json_path == "$.email"
    assert email.value == "nope" and "e-mail" in email.expected
    assert email.hint and "@" in email.hint
    required = r.filter(rule_id="required")[0]
    assert required.path == ("givenName",) and "givenName" in required.message
    assert required.hint  # the openMINDS instruction text


def test_long_values_are_shortened() -> None:
    """Huge offending values are cut so reports stay small."""
    r = validate(
        [
            {
                "@id": "_:x",
                "@type": T + "Person",
                "givenName": 1,
                "familyName": "a" * 10_000,
                "alternateName": ["b" * 5000, {"@type": "x"}],
            }
        ],
        profile="draft",
    )
    assert all(len(str(i.value)) <= 200 for i in r)


def test_report_views_and_ranking() -> None:
    """Errors come first, by_node groups worst node first, counts add up."""
    r = _report()
    assert not r.conforms
    sev = [i.severity.order for i in r.issues]
    assert sev == sorted(sev)
    assert r.counts["error"] == len(r.errors) and r.counts["warning"] == len(r.warnings)
    assert sum(len(v) for v in r.by_node().values()) == len(r)
    assert next(iter(r.by_node())) == "https://ex.org/p"
    assert r.best_match() is r.issues[0]
    assert r.counts_by_rule()["unknown-property"] == 1
    assert r.engine == "native" and r.profile == "openminds" and r.version == "v4" and r.library_version


def test_summary_and_raise_for_errors() -> None:
    """raise_for_errors raises ValidationFailed holding the report, only when there are errors."""
    r = _report()
    assert "does not conform" in r.summary()
    with pytest.raises(ValidationFailed) as exc:
        r.raise_for_errors()
    assert exc.value.report is r and isinstance(exc.value, CurationError)
    ok = validate([{"@id": "_:p", "@type": T + "Person", "givenName": "A"}], profile="draft")
    assert ok.conforms and ok.raise_for_errors() is ok


def test_json_round_trip() -> None:
    """to_json/from_dict keep every issue and the provenance fields."""
    r = _report()
    data = json.loads(r.to_json())
    assert data["conforms"] is False and data["openminds_version"] == "v4"
    back = ValidationReport.from_dict(data)
    assert back.issues == r.issues and back.profile == r.profile


def test_text_and_html() -> None:
    """The text renderer groups by node; HTML escapes and is used by Jupyter."""
    r = _report()
    text = str(r)
    assert "https://ex.org/p (Person)" in text and r.summary() in text
    html = r._repr_html_()
    assert html.startswith("<div") and "&#x27;familyName&#x27;" in html


def test_junit_and_sarif() -> None:
    """JUnit XML parses and has a failure per failing node; SARIF 2.1.0 has one result per issue."""
    r = _report()
    suite = ET.fromstring(r.render("junit").split("\n", 1)[1])
    assert suite.tag == "testsuite" and int(suite.get("failures")) == 2
    sarif = json.loads(r.render("sarif"))
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == len(r) and {x["level"] for x in results} <= {"error", "warning", "note"}
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(res["ruleId"] == rules[res["ruleIndex"]]["id"] for res in results)


def test_unknown_format() -> None:
    """An unknown report format is a configuration error."""
    from ebrains_curation.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        _report().render("pdf")


def test_node_ids_with_unicode_digits_group_and_sort() -> None:
    # found by hypothesis: "¹" is a digit to str.isdigit() but not to int(); grouping raised ValueError
    report = validate([{"@id": i, "foo": 1} for i in ("¹", "x١٢", "x2")])  # no name: sorted by @id
    groups = report.groups()  # grouped and sorted without a traceback
    nodes = [i.node_id for g in groups for i in g.issues if g.rule_id == "missing-type"]
    assert set(nodes) == {"¹", "x١٢", "x2"}
    assert nodes.index("x2") < nodes.index("x١٢")  # natural order: Arabic-Indic 12 after 2
