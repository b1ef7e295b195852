"""DataCite export: kernel-4 JSON from the complete examples, checked against the shipped schema."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import ebrains_curation as ec
from ebrains_curation.curation.datacite import datacite_errors, to_datacite
from ebrains_curation.errors import ConfigurationError, SerializationError

FIX = Path(__file__).parent / "fixtures" / "ebrains"


def _graph(name: str):
    return ec.load(FIX / "complete" / f"{name}.jsonld")


@pytest.mark.parametrize(
    "name, kind",
    [("dataset", "Dataset"), ("human-dataset", "Dataset"), ("model", "Model"), ("software", "Software")],
)
def test_examples_meet_the_datacite_schema(name, kind):
    doc = to_datacite(_graph(name))
    assert datacite_errors(doc) == []
    assert doc["types"]["resourceTypeGeneral"] == kind
    assert doc["publisher"] == {"name": "EBRAINS"}
    assert doc["schemaVersion"] == "http://datacite.org/schema/kernel-4"
    assert len(doc["publicationYear"]) == 4


def test_dataset_record_content():
    doc = to_datacite(_graph("dataset"))
    assert doc["doi"] == "10.25493/ABCD-1234"
    # authors inherited from the Dataset, in order, with ORCID and affiliation (ROR)
    assert [c["name"] for c in doc["creators"]] == ["Smith, Alice", "Jones, Bob", "Nguyen, Carol"]
    alice = doc["creators"][0]
    assert alice["nameIdentifiers"] == [
        {
            "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
            "nameIdentifierScheme": "ORCID",
            "schemeUri": "https://orcid.org",
        }
    ]
    assert alice["affiliation"][0]["name"] == "University of Oslo"
    assert alice["affiliation"][0]["affiliationIdentifier"] == "https://ror.org/01xtthb56"
    assert doc["titles"][0]["title"].startswith("Whole-cell patch-clamp recordings")
    assert doc["publicationYear"] == "2025"
    assert doc["rightsList"][0]["rightsIdentifier"] == "CC-BY-4.0"
    assert {"rights": "open access", "rightsUri": "info:eu-repo/semantics/openAccess"} in doc["rightsList"]
    rel = {(r["relatedIdentifier"], r["relationType"]) for r in doc["relatedIdentifiers"]}
    assert ("10.25493/ABCD-0000", "IsVersionOf") in rel
    assert ("10.1038/s41586-020-2012-7", "IsReferencedBy") in rel
    assert doc["fundingReferences"] == [
        {
            "funderName": "European Commission",
            "funderIdentifier": "https://ror.org/00k4n6c32",
            "funderIdentifierType": "ROR",
            "awardNumber": "945539",
            "awardTitle": "Human Brain Project SGA3",
        }
    ]
    assert doc["descriptions"][0]["descriptionType"] == "Abstract"
    assert doc["url"].startswith("https://search.kg.ebrains.eu/instances/")


def test_human_data_gateway_rights():
    doc = to_datacite(_graph("human-dataset"))
    rights = doc["rightsList"]
    assert rights[0]["rights"].startswith("EBRAINS") or "Data Use" in rights[0]["rights"]
    assert "rightsIdentifierScheme" not in rights[0]  # not an SPDX licence
    assert rights[-1]["rightsUri"] == "info:eu-repo/semantics/restrictedAccess"


def test_other_versions_are_related():
    g = _graph("dataset")
    (v1,) = g.of_type("DatasetVersion")
    v2 = copy.deepcopy(v1)
    v2["@id"] = v1["@id"] + "-v2"
    v2["versionIdentifier"] = "v2.0"
    v2["releaseDate"] = "2026-01-01"
    v2["isNewVersionOf"] = {"@id": v1["@id"]}
    v2["digitalIdentifier"] = {"@id": "https://doi.org/10.25493/ABCD-5678"}
    g.add_node(v2)
    g.add_node(
        {
            "@id": "https://doi.org/10.25493/ABCD-5678",
            "@type": "https://openminds.om-i.org/types/DOI",
            "identifier": "https://doi.org/10.25493/ABCD-5678",
        }
    )
    (ds,) = g.of_type("Dataset")
    ds["hasVersion"].append({"@id": v2["@id"]})
    new = to_datacite(g)  # the newest version is picked when none is named
    assert new["doi"] == "10.25493/ABCD-5678"
    assert {
        "relatedIdentifier": "10.25493/ABCD-1234",
        "relatedIdentifierType": "DOI",
        "relationType": "IsNewVersionOf",
    } in new["relatedIdentifiers"]
    old = to_datacite(g, v1["@id"])
    assert {
        "relatedIdentifier": "10.25493/ABCD-5678",
        "relatedIdentifierType": "DOI",
        "relationType": "IsPreviousVersionOf",
    } in old["relatedIdentifiers"]


def test_draft_without_doi_or_release_date_uses_today():
    import datetime as dt

    g = _graph("dataset")
    (v,) = g.of_type("DatasetVersion")
    v.pop("digitalIdentifier")
    v.pop("releaseDate")
    doc = to_datacite(g, today=dt.date(2031, 5, 5))
    assert "doi" not in doc and doc["publicationYear"] == "2031"
    assert datacite_errors(doc) == []


def test_invalid_documents_are_reported():
    g = _graph("dataset")
    for n in g.of_type("Person"):
        n.pop("givenName")
        n.pop("familyName")
    with pytest.raises(SerializationError, match="creators"):
        to_datacite(g)
    assert to_datacite(g, validate=False)["creators"] == []
    assert any("publisher" in e for e in datacite_errors({"creators": []}))


def test_no_product_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="no DatasetVersion"):
        to_datacite(ec.MetadataGraph())
    with pytest.raises(
        ConfigurationError, match="no DatasetVersion, ModelVersion or SoftwareVersion with @id"
    ):
        to_datacite(_graph("dataset"), "https://nope.example/x")
