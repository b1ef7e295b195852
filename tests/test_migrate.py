"""Version migration: v3 ↔ v4 lossless, v4 → v5 documented mappings with a report, v5 → v4."""

from __future__ import annotations

import json

import pytest
from _graph_data import example_graph, random_graphs
from hypothesis import HealthCheck, given, settings

from ebrains_curation import Builder, MetadataGraph
from ebrains_curation.errors import MigrationError
from ebrains_curation.graph import MigrationReport, migrate, to_jsonld

OMI = "https://openminds.om-i.org/"
V3 = "https://openminds.ebrains.eu/"


def _v3_graph() -> MetadataGraph:
    b = Builder("v3")
    alice = b.person("Alice", "Smith", id="https://ex.org/alice", orcid="0000-0002-1825-0097", affiliations="Univ X")
    dsv = b.dataset_version(
        id="https://ex.org/dsv1", short_name="demo", version_identifier="v1", version_innovation="first",
        accessibility="free access", license="CC-BY-4.0", data_types=["raw data"], ethics_assessment="not required",
        experimental_approaches=["electrophysiology"], techniques=["patch clamp"], release_date="2024-05-01",
        authors=[alice], custodians=[alice], digital_identifier="10.25493/ABCD-1234",
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
    assert roles == {"authoring": [{"@id": "https://ex.org/alice"}], "custodianship": [{"@id": "https://ex.org/alice"}]}
    assert dsv["usageCondition"] == [{"@id": OMI + "instances/licenses/CC-BY-4.0"}]
    assert dsv["documentation"] == {"@id": "https://doi.org/10.25493/ABCD-1234"}
    assert dsv["versionSpecification"] == "first"
    assert dsv["isVersionOf"] == {"@id": "https://ex.org/ds"}
    assert dsv["accessibility"] == {"@id": OMI + "instances/accessibilities/directVirtualOpenAccess"}
    assert "hasVersion" not in g5["https://ex.org/ds"]
    assert g5["https://ex.org/alice"]["preferredName"] == "Alice Smith"
    assert not any(k in dsv for k in ("author", "custodian", "license", "fullDocumentation", "versionInnovation"))
    # not mappable: reported, and kept on the node
    assert not report.lossless
    props = {(i.node, i.property) for i in report.issues}
    assert ("https://ex.org/dsv1", "ethicsAssessment") in props
    assert ("https://ex.org/alice", "affiliation") in props  # v5 Person has no affiliation
    assert "ethicsAssessment" in dsv
    assert report.to_dict()["issues"] and "ethicsAssessment" in str(report)


def test_v4_to_v5_other_changes() -> None:
    """isNewVersionOf/isAlternativeVersionOf, otherContribution, retracted, Organization names, type renames."""
    g = MetadataGraph("v4")
    g.add_node({"@id": "https://ex.org/a", "@type": OMI + "types/DatasetVersion",
                "isNewVersionOf": {"@id": "https://ex.org/b"}, "isAlternativeVersionOf": [{"@id": "https://ex.org/b"}],
                "accessibility": {"@id": OMI + "instances/productAccessibility/retracted"},
                "otherContribution": [{"@type": OMI + "types/Contribution", "contributor": {"@id": "https://ex.org/p"},
                                       "type": [{"@id": OMI + "instances/contributionType/dataCollection"},
                                                {"@id": OMI + "instances/contributionType/dataAnalysis"}]}]})
    g.add_node({"@id": "https://ex.org/o", "@type": OMI + "types/Organization", "fullName": "Univ", "shortName": "U"})
    g.add_node({"@id": "https://ex.org/atlas", "@type": OMI + "types/BrainAtlas", "shortName": "x"})
    g.add_node({"@id": "https://ex.org/r", "@type": OMI + "types/Recording", "name": "x"})
    g5, report = migrate(g, "v5")
    a = g5["https://ex.org/a"]
    assert a["isPrecededBy"] == {"@id": "https://ex.org/b"} and a["isVariantOf"] == [{"@id": "https://ex.org/b"}]
    assert a["publicationStatus"] == {"@id": OMI + "instances/publicationStatus/retracted"}
    assert len(a["contribution"]) == 2 and a["contribution"][0]["contributor"] == [{"@id": "https://ex.org/p"}]
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
    assert dsv["author"] == [{"@id": "https://ex.org/alice"}] and dsv["custodian"] == [{"@id": "https://ex.org/alice"}]
    assert dsv["license"] == g4["https://ex.org/dsv1"]["license"]
    assert dsv["accessibility"] == g4["https://ex.org/dsv1"]["accessibility"]
    assert back["https://ex.org/ds"]["hasVersion"] == [{"@id": "https://ex.org/dsv1"}]
    assert "preferredName" not in back["https://ex.org/alice"]
    assert back["https://ex.org/dsv1"] == g4["https://ex.org/dsv1"]


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
