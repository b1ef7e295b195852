"""Typed builders: openminds objects of the chosen version, terms by name, early rejection of nonsense."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openminds.v3.core as core3
import openminds.v4.controlled_terms as terms4
import openminds.v4.core as core4
import pytest

from ebrains_curation import Builder, build
from ebrains_curation.errors import SchemaError, UnknownTermError
from ebrains_curation.schemas.identifiers import normalize_doi, normalize_orcid, orcid_checksum_ok

ROOT = Path(__file__).resolve().parents[1]


def test_dataset_version_with_terms_by_name() -> None:
    """Strings for term links become the openMINDS v4 library instances; dates are parsed."""
    dsv = build.dataset_version(
        short_name="demo",
        accessibility="free access",
        license="CC-BY-4.0",
        data_types="raw data",
        ethics_assessment="EU-compliant",
        techniques=["patch clamp"],
        release_date="2024-05-01",
        digital_identifier="10.25493/ABCD-1234",
    )
    assert isinstance(dsv, core4.DatasetVersion)
    assert dsv.license is core4.License.cc_by_4_0
    assert dsv.accessibility is terms4.ProductAccessibility.free_access
    assert dsv.data_types == [terms4.SemanticDataType.raw_data]  # a single value for a list property
    assert dsv.release_date == dt.date(2024, 5, 1)
    assert dsv.digital_identifier.identifier == "https://doi.org/10.25493/ABCD-1234"
    assert dsv.validate(ignore=["required"]) == {}


def test_person_orcid_email_affiliation() -> None:
    """A person's ORCID is normalised and checked, e-mail becomes ContactInformation, affiliation an Organization."""
    p = build.person(
        "Alice", "Smith", orcid="0000 0002 1825 0097", email="alice@example.org", affiliations="Univ X"
    )
    assert p.digital_identifiers[0].identifier == "https://orcid.org/0000-0002-1825-0097"
    assert p.contact_information.email == "alice@example.org"
    assert p.affiliations[0].member_of.full_name == "Univ X"
    with pytest.raises(SchemaError, match="check digit"):
        build.person("A", "B", orcid="0000-0002-1825-0098")
    with pytest.raises(SchemaError, match="not an ORCID"):
        build.orcid("12345")


def test_identifiers() -> None:
    """ORCID checksums (ISO 7064 MOD 11-2) and DOI spellings."""
    assert orcid_checksum_ok("https://orcid.org/0000-0002-1694-233X")
    assert not orcid_checksum_ok("0000-0002-1694-2339")
    assert normalize_orcid("https://orcid.org/0000-0002-1694-233x") == "https://orcid.org/0000-0002-1694-233X"
    for form in (
        "10.1000/xyz",
        "doi:10.1000/xyz",
        "https://dx.doi.org/10.1000/xyz",
        "https://doi.org/10.1000/xyz",
    ):
        assert normalize_doi(form) == "https://doi.org/10.1000/xyz"
    with pytest.raises(SchemaError, match="not a DOI"):
        build.doi("https://example.org/paper")


def test_nonsense_is_rejected_early_but_drafts_are_fine() -> None:
    """Unknown licences, properties and malformed dates fail at once; missing required values do not."""
    with pytest.raises(UnknownTermError, match=r"CC-BY-4\.0"):
        build.dataset_version(license="CC-BY-44")
    with pytest.raises(SchemaError, match="short_name"):
        build.dataset_version(shortname="x")
    with pytest.raises(SchemaError, match="YYYY-MM-DD"):
        build.dataset_version(release_date="31/02/2024")
    with pytest.raises(SchemaError, match="single value"):
        build.dataset_version(license=["CC-BY-4.0", "CC0-1.0"])
    draft = build.dataset_version(short_name="draft")
    assert draft.license is None


def test_contributions_in_v4_and_v5() -> None:
    """A contribution names who did what, with v4 and v5 property names handled for you."""
    alice = build.person("Alice", "Smith")
    c4 = build.contribution(alice, ["authoring", "data collection"])
    assert c4.contributor is alice and [t.name for t in c4.types] == ["authoring", "data collection"]
    c5 = build.v5.contribution(build.v5.person("Ada", "L"), "authoring")
    assert c5.type.name == "authoring" and len(c5.contributors) == 1


def test_other_versions() -> None:
    """Builder('v3') builds openminds.v3 objects with v3 terms; build.v5 maps v5 differences."""
    dsv = Builder("v3").dataset_version(short_name="old", license="CC-BY-4.0")
    assert isinstance(dsv, core3.DatasetVersion)
    assert dsv.license.id.startswith("https://openminds.ebrains.eu/")
    p5 = build.v5.person("Ada", "Lovelace")
    assert p5.preferred_name == "Ada Lovelace"
    org5 = build.v5.organization("Univ X")
    assert org5.name == "Univ X"


def test_files_models_software_and_generic_types() -> None:
    """File with size and hashes, ModelVersion/SoftwareVersion terms by name, and the generic builder."""
    f = build.file(
        "a.json",
        "https://data.example/a.json",
        size=12,
        hashes={"SHA256": "ab" * 32},
        format="application/json",
    )
    assert f.storage_size.value == 12 and f.storage_size.unit.id.endswith("unitOfMeasurement/byte")
    assert f.hashes[0].algorithm == "SHA256" and f.format.name == "application/json"
    mv = build.model_version(short_name="m", formats=["application/json"], licenses=["MIT"])
    assert mv.licenses[0].short_name == "MIT"
    sv = build.software_version(short_name="s", programming_languages=["Python"], operating_systems=["Linux"])
    assert sv.programming_languages[0].name == "Python"
    subject = build("Subject", lookup_label="sub-01", species="mouse", biological_sex="female")
    assert subject.species is terms4.Species.mus_musculus
    assert build.subject(lookup_label="sub-02").lookup_label == "sub-02"
    with pytest.raises(SchemaError, match="not controlled terms"):
        build.dataset_version(authors=["Alice"])


def test_docstrings_carry_openminds_instructions() -> None:
    """Builder docstrings carry the openMINDS instruction text of each property."""
    assert "Add the accessibility of the data" in build.dataset_version.__doc__
    assert "Enter the given name of this person" in build.person.__doc__


def test_generated_builder_methods_are_up_to_date() -> None:
    """The generated builder signatures match what tools/gen_builders.py produces now."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_builders.py"), "--check"], cwd=ROOT)
    assert result.returncode == 0, "run: python tools/gen_builders.py"
