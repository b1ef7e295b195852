"""Version migration: v3 ↔ v4 lossless, v4 → v5 documented mappings with a report, v5 → v4."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from _graph_data import example_graph, random_graphs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation import Builder, MetadataGraph
from ebrains_curation.errors import MigrationError
from ebrains_curation.graph import MigrationReport, migrate, to_jsonld

OMI = "https://openminds.om-i.org/"
V3 = "https://openminds.ebrains.eu/"


def _v3_graph() -> MetadataGraph:
    b = Builder("v3")
    alice = b.person(
        "Alice", "Smith", id="https://ex.org/alice", orcid="0000-0002-1825-0097", affiliations="Univ X"
    )
    dsv = b.dataset_version(
        id="https://ex.org/dsv1",
        short_name="demo",
        version_identifier="v1",
        version_innovation="first",
        accessibility="free access",
        license="CC-BY-4.0",
        data_types=["raw data"],
        ethics_assessment="not required",
        experimental_approaches=["electrophysiology"],
        techniques=["patch clamp"],
        release_date="2024-05-01",
        authors=[alice],
        custodians=[alice],
        digital_identifier="10.25493/ABCD-1234",
        full_documentation="10.25493/ABCD-1234",
    )
    ds = b.dataset("Demo", "demo", "d", id="https://ex.org/ds", authors=[alice], versions=[dsv])
    g = MetadataGraph("v3")
    g.add(ds)
    return g


def test_v3_v4_lossless_both_ways() -> None:
    """v3 → v4 renames types, properties and instance IRIs; back to v3 gives the same graph."""
    g3 = _v3_graph()
    g4, report = migrate(g3, "v4")
    assert report.lossless, str(report)
    assert g4.version == "v4"
    dsv = g4["https://ex.org/dsv1"]
    assert dsv["@type"] == OMI + "types/DatasetVersion"
    assert dsv["license"] == {"@id": OMI + "instances/licenses/CC-BY-4.0"}
    assert V3 not in json.dumps(to_jsonld(g4, "expanded"))
    back, report2 = migrate(g4, "v3")
    assert report2.lossless
    assert back.nodes == g3.nodes
    assert g3["https://ex.org/dsv1"]["@type"] == V3 + "core/DatasetVersion"  # input untouched


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_v4_v3_v4_random_graphs(g: MetadataGraph) -> None:
    """Random v4 graphs survive v4 → v3 → v4 unchanged."""
    g3, _ = migrate(g, "v3")
    back, _ = migrate(g3, "v4")
    assert back.nodes == g.nodes


def test_v4_to_v5_mappings_and_report() -> None:
    """Contributions, usage condition, documentation, version links, accessibility, names; ethics reported."""
    g4, _ = migrate(_v3_graph(), "v4")
    g5, report = migrate(g4, "v5")
    assert g5.version == "v5"
    dsv = g5["https://ex.org/dsv1"]
    roles = {c["type"]["@id"].rsplit("/", 1)[-1]: c["contributor"] for c in dsv["contribution"]}
    assert roles == {
        "authoring": [{"@id": "https://ex.org/alice"}],
        "custodianship": [{"@id": "https://ex.org/alice"}],
    }
    assert dsv["usageCondition"] == [{"@id": OMI + "instances/licenses/CC-BY-4.0"}]
    assert dsv["documentation"] == {"@id": "https://doi.org/10.25493/ABCD-1234"}
    assert dsv["versionSpecification"] == "first"
    assert dsv["isVersionOf"] == {"@id": "https://ex.org/ds"}
    assert dsv["accessibility"] == {"@id": OMI + "instances/accessibilities/directVirtualOpenAccess"}
    assert "hasVersion" not in g5["https://ex.org/ds"]
    assert g5["https://ex.org/alice"]["preferredName"] == "Alice Smith"
    assert not any(
        k in dsv for k in ("author", "custodian", "license", "fullDocumentation", "versionInnovation")
    )
    # not mappable: reported, and kept on the node
    assert not report.lossless
    props = {(i.node, i.property) for i in report.issues}
    assert ("https://ex.org/dsv1", "ethicsAssessment") in props
    # v5 Person has no affiliation: it moved to the contributorAffiliation of what Alice contributes to
    assert not any(i.node == "https://ex.org/alice" for i in report.issues), str(report)
    assert "affiliation" not in g5["https://ex.org/alice"]
    org = g4["https://ex.org/alice"]["affiliation"][0]["memberOf"]
    for nid in ("https://ex.org/dsv1", "https://ex.org/ds"):
        assert g5[nid]["contributorAffiliation"] == [
            {
                "@type": OMI + "types/Affiliation",
                "person": {"@id": "https://ex.org/alice"},
                "organization": [org],
            }
        ]
    assert "ethicsAssessment" in dsv
    assert report.to_dict()["issues"] and "ethicsAssessment" in str(report)


def test_v4_to_v5_other_changes() -> None:
    """isNewVersionOf/isAlternativeVersionOf, otherContribution, retracted, Organization names, type renames."""
    g = MetadataGraph("v4")
    g.add_node(
        {
            "@id": "https://ex.org/a",
            "@type": OMI + "types/DatasetVersion",
            "isNewVersionOf": {"@id": "https://ex.org/b"},
            "isAlternativeVersionOf": [{"@id": "https://ex.org/b"}],
            "accessibility": {"@id": OMI + "instances/productAccessibility/retracted"},
            "otherContribution": [
                {
                    "@type": OMI + "types/Contribution",
                    "contributor": {"@id": "https://ex.org/p"},
                    "type": [
                        {"@id": OMI + "instances/contributionType/dataCollection"},
                        {"@id": OMI + "instances/contributionType/dataAnalysis"},
                    ],
                }
            ],
        }
    )
    g.add_node(
        {"@id": "https://ex.org/o", "@type": OMI + "types/Organization", "fullName": "Univ", "shortName": "U"}
    )
    g.add_node({"@id": "https://ex.org/atlas", "@type": OMI + "types/BrainAtlas", "shortName": "x"})
    g.add_node({"@id": "https://ex.org/r", "@type": OMI + "types/Recording", "name": "x"})
    g5, report = migrate(g, "v5")
    a = g5["https://ex.org/a"]
    assert a["isPrecededBy"] == {"@id": "https://ex.org/b"} and a["isVariantOf"] == [
        {"@id": "https://ex.org/b"}
    ]
    assert a["publicationStatus"] == {"@id": OMI + "instances/publicationStatus/retracted"}
    assert len(a["contribution"]) == 2 and a["contribution"][0]["contributor"] == [
        {"@id": "https://ex.org/p"}
    ]
    assert g5["https://ex.org/o"]["name"] == "Univ" and g5["https://ex.org/o"]["acronym"] == "U"
    assert g5["https://ex.org/atlas"]["@type"] == OMI + "types/AnatomicalAtlas"
    reasons = {(i.node, i.property) for i in report.issues}
    assert ("https://ex.org/r", "@type") in reasons  # Recording has no v5 type: kept, reported
    assert ("https://ex.org/a", "accessibility") in reasons  # retracted has no v5 Accessibility


def test_v5_to_v4_reverses() -> None:
    """v4 → v5 → v4 gives back the contributions, licence, version links and accessibility."""
    g4, _ = migrate(_v3_graph(), "v4")
    g5, _ = migrate(g4, "v5")
    back, _report = migrate(g5, "v4")
    dsv = back["https://ex.org/dsv1"]
    assert dsv["author"] == [{"@id": "https://ex.org/alice"}] and dsv["custodian"] == [
        {"@id": "https://ex.org/alice"}
    ]
    assert dsv["license"] == g4["https://ex.org/dsv1"]["license"]
    assert dsv["accessibility"] == g4["https://ex.org/dsv1"]["accessibility"]
    assert back["https://ex.org/ds"]["hasVersion"] == [{"@id": "https://ex.org/dsv1"}]
    assert "preferredName" not in back["https://ex.org/alice"]
    assert back["https://ex.org/dsv1"] == g4["https://ex.org/dsv1"]
    assert back["https://ex.org/alice"] == g4["https://ex.org/alice"]  # the affiliation came back
    assert back.nodes == g4.nodes


def test_v3_to_v5_chains_steps() -> None:
    """v3 → v5 goes through v4."""
    g5, report = migrate(_v3_graph(), "v5")
    assert g5.version == "v5" and "contribution" in g5["https://ex.org/dsv1"]
    assert isinstance(report, MigrationReport) and report.source == "v3" and report.target == "v5"


def test_missing_terms_reported() -> None:
    """Links to library instances the target lacks are reported."""
    g = example_graph()
    _g5, report = migrate(g, "v5")
    assert any("ethicsAssessment" in str(i.value) or i.property == "ethicsAssessment" for i in report.issues)


def test_bad_argument() -> None:
    """Only graphs migrate."""
    with pytest.raises(MigrationError):
        migrate({"@id": "x"}, "v5")  # type: ignore[arg-type]


# -- affiliations: v4 Person.affiliation <-> v5 contributorAffiliation ---------------------------------
T = OMI + "types/"


def _aff(org: str, **extra: str) -> dict:
    return {"@type": T + "Affiliation", "memberOf": {"@id": org}, **extra}


def _affiliation_graph() -> MetadataGraph:
    """Two versions; Ann authors v1 and is custodian of v2, Ben authors v2, Cy contributes to nothing."""
    g = MetadataGraph("v4")
    for oid, kind in (
        ("https://ex.org/o1", "Organization"),
        ("https://ex.org/o2", "Organization"),
        ("https://ex.org/cons", "Consortium"),
    ):
        g.add_node({"@id": oid, "@type": T + kind, "fullName": oid[-4:]})
    g.add_node(
        {
            "@id": "https://ex.org/ann",
            "@type": T + "Person",
            "givenName": "Ann",
            "affiliation": [_aff("https://ex.org/o1"), _aff("https://ex.org/o2")],
        }
    )
    g.add_node(
        {
            "@id": "https://ex.org/ben",
            "@type": T + "Person",
            "givenName": "Ben",
            "affiliation": [
                _aff("https://ex.org/o2", startDate="2020-01-01", endDate="2023-12-31"),
                _aff("https://ex.org/cons"),
            ],
        }
    )
    g.add_node(
        {
            "@id": "https://ex.org/cy",
            "@type": T + "Person",
            "givenName": "Cy",
            "affiliation": [_aff("https://ex.org/o1"), _aff("https://ex.org/o2")],
        }
    )
    g.add_node(
        {
            "@id": "https://ex.org/v1",
            "@type": T + "DatasetVersion",
            "shortName": "v1",
            "author": [{"@id": "https://ex.org/ann"}],
        }
    )
    g.add_node(
        {
            "@id": "https://ex.org/v2",
            "@type": T + "DatasetVersion",
            "shortName": "v2",
            "author": [{"@id": "https://ex.org/ben"}],
            "custodian": [{"@id": "https://ex.org/ann"}],
        }
    )
    return g


def _by_person(node: dict) -> dict[str, list[str]]:
    return {
        a["person"]["@id"]: [o["@id"] for o in a["organization"]]
        for a in node.get("contributorAffiliation", [])
    }


def test_v4_to_v5_maps_affiliations_onto_contributor_affiliation() -> None:
    """Each contributor's affiliations go to every version they contribute to; only the unmappable is reported."""
    g4 = _affiliation_graph()
    g5, report = migrate(g4, "v5")
    assert _by_person(g5["https://ex.org/v1"]) == {
        "https://ex.org/ann": ["https://ex.org/o1", "https://ex.org/o2"]
    }
    assert _by_person(g5["https://ex.org/v2"]) == {
        "https://ex.org/ben": ["https://ex.org/o2"],
        "https://ex.org/ann": ["https://ex.org/o1", "https://ex.org/o2"],
    }
    assert "affiliation" not in g5["https://ex.org/ann"]  # fully mapped: gone from the Person, not reported
    # one issue per person, never one per nested property (memberOf, startDate …)
    per_person = Counter(
        i.node
        for i in report.issues
        if i.node.startswith("https://ex.org/") and i.node[15:] in ("ann", "ben", "cy")
    )
    assert per_person == {"https://ex.org/ben": 1, "https://ex.org/cy": 1}, str(report)
    assert not {i.property for i in report.issues} & {"memberOf", "startDate", "endDate"}
    ben = next(i for i in report.issues if i.node == "https://ex.org/ben")
    assert ben.property == "affiliation" and "Consortium" in ben.reason and "endDate, startDate" in ben.reason
    # what v5 cannot hold stays on the Person: the dated entry (its organisation is mapped too) and the consortium
    assert g5["https://ex.org/ben"]["affiliation"] == g4["https://ex.org/ben"]["affiliation"]
    cy = next(i for i in report.issues if i.node == "https://ex.org/cy")
    assert "contributes to no product" in cy.reason
    assert g5["https://ex.org/cy"]["affiliation"] == g4["https://ex.org/cy"]["affiliation"]
    assert report.mapped["affiliation→contributorAffiliation"] == 3


def test_affiliations_round_trip_v4_v5_v4() -> None:
    """Back in v4 every Person has exactly its affiliations again (dates included), versions have none."""
    g4 = _affiliation_graph()
    g5, _ = migrate(g4, "v5")
    back, report = migrate(g5, "v4")
    assert back.nodes == g4.nodes, str(report)
    assert not any(i.property in ("affiliation", "contributorAffiliation") for i in report.issues)


def test_v5_to_v4_contributor_affiliation() -> None:
    """v5 affiliations go to the Person; entries naming nobody in the graph stay and are reported."""
    b = Builder("v5")
    org = b.organization("Univ Y", id="https://ex.org/uy")
    org2 = b.organization("Inst Z", id="https://ex.org/iz")
    dan = b.person("Dan", "Lee", id="https://ex.org/dan")
    authoring = b.contribution([dan], "authoring")
    v1 = b.dataset_version(
        id="https://ex.org/d1",
        short_name="d1",
        contributions=[authoring],
        contributor_affiliations=[b("Affiliation", person=dan, organizations=[org])],
    )
    v2 = b.dataset_version(
        id="https://ex.org/d2",
        short_name="d2",
        contributions=[authoring],
        contributor_affiliations=[b("Affiliation", person=dan, organizations=[org2])],
    )
    g5 = MetadataGraph("v5")
    g5.add(v1, v2)
    g5["https://ex.org/d2"]["contributorAffiliation"].append(
        {
            "@type": T + "Affiliation",
            "person": {"@id": "https://ex.org/elsewhere"},
            "organization": [{"@id": "https://ex.org/uy"}],
        }
    )
    g4, report = migrate(g5, "v4")
    assert g4["https://ex.org/dan"]["affiliation"] == [_aff("https://ex.org/uy"), _aff("https://ex.org/iz")]
    assert "contributorAffiliation" not in g4["https://ex.org/d1"]
    assert g4["https://ex.org/d2"]["contributorAffiliation"] == [
        {
            "@type": T + "Affiliation",
            "person": {"@id": "https://ex.org/elsewhere"},
            "organization": [{"@id": "https://ex.org/uy"}],
        }
    ]
    issues = {(i.node, i.property) for i in report.issues}
    assert ("https://ex.org/d2", "contributorAffiliation") in issues
    # Dan had a different affiliation on each version: v4 cannot say which is which, and the report says so
    assert ("https://ex.org/dan", "affiliation") in issues


_ORGS = [f"https://ex.org/org{i}" for i in range(4)]


@st.composite
def _affiliated_graphs(draw: Any) -> MetadataGraph:
    """v4 graphs of Organizations, Persons with affiliations (some dated) and versions with authors/custodians."""
    g = MetadataGraph("v4")
    for oid in _ORGS:
        g.add_node({"@id": oid, "@type": T + "Organization", "fullName": oid[-4:]})
    people = [f"https://ex.org/p{i}" for i in range(draw(st.integers(1, 4)))]
    for pid in people:
        node: dict[str, Any] = {"@id": pid, "@type": T + "Person", "givenName": pid[-2:]}
        orgs = draw(st.lists(st.sampled_from(_ORGS), max_size=3, unique=True))
        if orgs:
            node["affiliation"] = [
                _aff(o, **({"startDate": "2021-02-03"} if draw(st.booleans()) else {})) for o in orgs
            ]
        g.add_node(node)
    for v in range(draw(st.integers(0, 3))):
        node = {"@id": f"https://ex.org/v{v}", "@type": T + "DatasetVersion", "shortName": f"v{v}"}
        for key in ("author", "custodian"):
            chosen = draw(st.lists(st.sampled_from(people), max_size=3, unique=True))
            if chosen:
                node[key] = [{"@id": p} for p in chosen]
        g.add_node(node)
    return g


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_affiliated_graphs())
def test_affiliations_property(g4: MetadataGraph) -> None:
    """Contributors' affiliations are on their versions in v5, others reported once; v4 → v5 → v4 is lossless."""
    g5, report = migrate(g4, "v5")
    contributors = {
        p["@id"] for n in g4.of_type("DatasetVersion") for k in ("author", "custodian") for p in n.get(k, [])
    }
    for person in g4.of_type("Person"):
        pid = person["@id"]
        orgs = [a["memberOf"]["@id"] for a in person.get("affiliation", [])]
        issues = [i for i in report.issues if i.node == pid]
        assert len(issues) <= 1
        if pid in contributors:
            for v in g4.of_type("DatasetVersion"):
                if {"@id": pid} in v.get("author", []) + v.get("custodian", []):
                    assert sorted(_by_person(g5[v["@id"]]).get(pid, [])) == sorted(orgs)
            dated = any("startDate" in a for a in person.get("affiliation", []))
            assert bool(issues) == dated
        else:
            assert bool(issues) == bool(orgs)
    back, _ = migrate(g5, "v4")
    assert back.nodes == g4.nodes
