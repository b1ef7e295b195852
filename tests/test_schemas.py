"""Type specs: built from the openminds package, version-aware, lazy, with our pattern overlay."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from openminds.registry import registry

from ebrains_curation.errors import SchemaError, UnknownVersionError
from ebrains_curation.schemas import get_registry, get_version, normalize_version

VERSIONS = ["v3", "v4", "v5", "latest"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_class_matches_its_spec(version: str) -> None:
    """Every openminds class of every version has a spec whose properties mirror the class metadata."""
    reg = get_registry(version)
    classes = registry["types"][get_version(version).package.split(".")[1]]
    assert len(reg) == len(classes) > 200
    for iri, cls in classes.items():
        spec = reg.get(iri)
        assert spec.name == cls.__name__
        assert spec is reg.get(cls) is reg.get(iri)
        assert [p.key for p in spec.properties.values()] == [p.path for p in cls.properties]
        for p in cls.properties:
            s = spec.properties[p.path]
            assert (s.name, s.required, s.multiple, s.min_items, s.max_items, s.unique_items) == (
                p.name,
                bool(p.required),
                bool(p.multiple),
                p.min_items,
                p.max_items,
                bool(p.unique_items),
            )
            assert s.iri == get_version(version).vocab + p.path
            assert s.instructions == (p.instructions or "")
            class_targets = [t for t in p.types if hasattr(t, "type_")]
            assert len(s.target_types) == len(class_targets)
            assert set(s.linked_types) | set(s.embedded_types) == set(s.target_types)


def test_v3_and_v4_differ_only_in_namespace_except_known_classes() -> None:
    """v3 → v4 renames namespaces; only the classes openMINDS changed differ in their properties."""
    v3, v4 = get_registry("v3"), get_registry("v4")
    assert set(v4.names()) - set(v3.names()) == {"MRIPulseSequence", "MRIWeighting"}
    changed_props = set()
    changed_targets = set()
    for spec3 in v3:
        spec4 = v4.get(spec3.name)
        assert spec3.iri.startswith("https://openminds.ebrains.eu/")
        assert spec4.iri == "https://openminds.om-i.org/types/" + spec3.name
        flat3 = {
            (p.key, p.required, p.multiple, p.min_items, p.max_items, frozenset(p.kinds))
            for p in spec3.properties.values()
        }
        flat4 = {
            (p.key, p.required, p.multiple, p.min_items, p.max_items, frozenset(p.kinds))
            for p in spec4.properties.values()
        }
        if flat3 != flat4:
            changed_props.add(spec3.name)
        elif {k: p.target_names for k, p in spec3.properties.items()} != {
            k: p.target_names for k, p in spec4.properties.items()
        }:
            changed_targets.add(spec3.name)
    assert changed_props == {"TissueCulturePreparation", "TissueSampleSlicing"}
    # v4 only widens a few allowed-type lists (the new MRI terms, TissueSampleType)
    assert "DatasetVersion" in changed_targets
    assert len(changed_targets) < 40


def test_lookup_by_name_iri_class_and_object() -> None:
    """A spec is found by short name, type IRI, openminds class or object; unknown names suggest close ones."""
    import openminds.v4.core as core

    reg = get_registry("v4")
    spec = reg.get("DatasetVersion")
    assert reg.get("https://openminds.om-i.org/types/DatasetVersion") is spec
    assert reg.get(core.DatasetVersion) is spec
    assert reg.get(core.DatasetVersion(short_name="x")) is spec
    assert spec.property("digital_identifier") is spec.property("digitalIdentifier")
    assert spec.property("https://openminds.om-i.org/props/shortName").key == "shortName"
    with pytest.raises(SchemaError, match="DatasetVersion"):
        reg.get("DataSetVersion")
    with pytest.raises(SchemaError, match="no property"):
        spec.property("shortname")
    assert reg.get("Hash").embedded and not reg.get("Hash").controlled_term
    assert reg.get("Species").controlled_term and reg.get("License").controlled_term


def test_v3_type_iris_carry_the_module() -> None:
    """v3 type IRIs include the openMINDS module; v4/v5 share the om-i.org namespace."""
    assert get_registry("v3").get("Species").iri == "https://openminds.ebrains.eu/controlledTerms/Species"
    assert get_registry("v5").get("Species").iri == get_registry("v4").get("Species").iri


def test_overlay_patterns_and_formats() -> None:
    """The patterns and formats the openminds package drops come back from our overlay."""
    reg = get_registry("v4")
    doi = reg.get("DOI").property("identifier")
    assert re.search(doi.pattern, "https://doi.org/10.25493/ABCD-1234")
    assert not re.search(doi.pattern, "10.25493/ABCD-1234")
    orcid = reg.get("ORCID").property("identifier").pattern
    assert re.search(orcid, "https://orcid.org/0000-0002-1694-233X")
    assert not re.search(orcid, "https://orcid.org/0000-0002-1694")
    for name, good in {
        "RORID": "https://ror.org/02en5vm52",
        "RRID": "https://scicrunch.org/resolver/RRID:SCR_002285",
        "SWHID": "https://archive.softwareheritage.org/swh:1:dir:" + "a" * 40,
        "ISBN": "978-3-16-148410-0",
        "ISSN": "1234-567X",
        "HANDLE": "http://hdl.handle.net/11234/1-3105",
    }.items():
        assert re.search(reg.get(name).property("identifier").pattern, good), name
    assert re.search(reg.get("Copyright").property("year").pattern, "2024")
    assert not re.search(reg.get("Copyright").property("year").pattern, "24")
    assert "email" in reg.get("ContactInformation").property("email").formats
    assert "email" in get_registry("v5").get("ContactInformation").property("emails").formats
    assert "date" in reg.get("DatasetVersion").property("releaseDate").formats
    assert "iri" in reg.get("File").property("IRI").formats


def test_version_names() -> None:
    """Versions are normalised; unknown ones give a clear error; v4 is the default."""
    assert normalize_version(None) == "v4"
    assert normalize_version("V3.0") == "v3"
    with pytest.raises(UnknownVersionError, match="v6"):
        normalize_version("v6")


def test_import_is_fast_and_imports_no_openminds_version() -> None:
    """`import ebrains_curation` imports no openminds version and takes well under 0.5 s."""
    code = (
        "import sys, time; t = time.perf_counter(); import ebrains_curation; d = time.perf_counter() - t;"
        "mods = [m for m in sys.modules if m.startswith('openminds.v') or m.startswith('openminds.latest')];"
        "print(d, len(mods))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(3)
    ]
    best = min(float(seconds) for seconds, _ in runs)
    assert all(count == "0" for _, count in runs)
    assert best < 0.5
