"""Controlled terms chosen by name, with helpful errors."""

from __future__ import annotations

import pytest

from ebrains_curation.errors import SchemaError, UnknownTermError
from ebrains_curation.schemas import get_term, iter_terms, term_by_iri, term_iri

OMI = "https://openminds.om-i.org/instances/"


@pytest.mark.parametrize(
    ("kind", "name", "iri"),
    [
        ("license", "CC-BY-4.0", "licenses/CC-BY-4.0"),
        ("licence", "cc by 4.0", "licenses/CC-BY-4.0"),
        ("species", "Mus musculus", "species/musMusculus"),
        ("species", "mouse", "species/musMusculus"),
        ("Species", "Homo sapiens", "species/homoSapiens"),
        ("accessibility", "free access", "productAccessibility/freeAccess"),
        ("accessibility", "under embargo", "productAccessibility/underEmbargo"),
        ("ethics assessment", "EU-compliant", "ethicsAssessment/EUCompliant"),
        ("content type", "application/json", "contentTypes/application_json"),
        ("technique", "patch clamp", "technique/patchClamp"),
        ("experimental approach", "electrophysiology", "experimentalApproach/electrophysiology"),
        ("contribution type", "authoring", "contributionType/authoring"),
        ("data type", "raw data", "semanticDataType/rawData"),
        ("unit", "byte", "unitOfMeasurement/byte"),
    ],
)
def test_terms_by_name(kind: str, name: str, iri: str) -> None:
    """Common names, synonyms and spellings resolve to the openMINDS v4 instance."""
    assert term_iri(kind, name) == OMI + iri


def test_versions_change_the_namespace_and_the_terms() -> None:
    """v3 uses the ebrains.eu namespace; v5 maps 'free access' onto its composite Accessibility."""
    assert (
        term_iri("license", "CC-BY-4.0", "v3") == "https://openminds.ebrains.eu/instances/licenses/CC-BY-4.0"
    )
    assert term_iri("accessibility", "free access", "v5") == OMI + "accessibilities/directVirtualOpenAccess"


def test_unknown_term_lists_closest_matches() -> None:
    """A near miss names the closest terms; the error is a CurationError and a LookupError."""
    with pytest.raises(UnknownTermError) as info:
        get_term("species", "mus muscles")
    assert "Mus musculus" in info.value.suggestions
    assert "Closest matches" in str(info.value)
    with pytest.raises(UnknownTermError, match=r"CC-BY-4\.0"):
        get_term("license", "CC-BY-5")
    with pytest.raises(LookupError):
        get_term("license", "")


def test_unknown_kind() -> None:
    """An unknown kind of term is a SchemaError naming close kinds."""
    with pytest.raises(SchemaError, match="Species"):
        get_term("specie", "mouse")


def test_term_by_iri_and_iteration() -> None:
    """Every library instance is iterable and found again by its IRI."""
    terms = list(iter_terms("v4", kinds=["license"]))
    assert len(terms) == 32
    assert term_by_iri(OMI + "licenses/CC-BY-4.0") is get_term("license", "CC-BY-4.0")
    assert term_by_iri("https://example.org/nope") is None
    assert sum(1 for _ in iter_terms("v4")) > 17000
