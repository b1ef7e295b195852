"""MetadataGraph: collecting openminds trees, links, reverse links, conflicts and the way back to objects."""

from __future__ import annotations

import openminds.v4.core as core
import pytest

from ebrains_curation import MetadataGraph, build
from ebrains_curation.errors import LoadError, SchemaError


def _example() -> tuple[object, object]:
    alice = build.person(
        "Alice", "Smith", id="https://ex.org/alice", orcid="0000-0002-1825-0097", affiliations="Univ X"
    )
    dsv = build.dataset_version(
        id="https://ex.org/dsv1",
        short_name="demo",
        license="CC-BY-4.0",
        authors=[alice],
        custodians=[alice],
        release_date="2024-05-01",
    )
    ds = build.dataset("Demo", "demo", "A demo", id="https://ex.org/ds", authors=[alice], versions=[dsv])
    return ds, dsv


def test_add_collects_linked_nodes_and_keeps_embedded_inline() -> None:
    """Adding a Dataset collects its versions, people and identifiers; affiliations stay embedded."""
    ds, _ = _example()
    g = MetadataGraph()
    assert g.add(ds) == ["https://ex.org/ds"]
    assert set(g.types()) == {"Dataset", "DatasetVersion", "Person", "ORCID", "Organization"}
    alice = g["https://ex.org/alice"]
    assert alice["affiliation"][0]["@type"].endswith("/Affiliation")
    assert "@id" not in alice["affiliation"][0]
    dsv = g["https://ex.org/dsv1"]
    assert dsv["license"] == {"@id": "https://openminds.om-i.org/instances/licenses/CC-BY-4.0"}
    assert dsv["releaseDate"] == "2024-05-01"
    assert "https://openminds.om-i.org/instances/licenses/CC-BY-4.0" not in g  # library terms stay references


def test_links_reverse_links_and_dangling() -> None:
    """Links (also from embedded nodes) and reverse links are followed; missing targets are listed."""
    ds, _ = _example()
    g = MetadataGraph()
    g.add(ds)
    assert ("hasVersion", "https://ex.org/dsv1") in g.links_from("https://ex.org/ds")
    assert {src for src, _ in g.links_to("https://ex.org/alice")} == {
        "https://ex.org/ds",
        "https://ex.org/dsv1",
    }
    org_links = [k for k, t in g.links_from("https://ex.org/alice") if k == "affiliation.memberOf"]
    assert org_links
    assert g.follow("https://ex.org/ds", "hasVersion")[0]["shortName"] == "demo"
    assert g.dangling() == []  # library terms are references by design
    assert any(t.endswith("CC-BY-4.0") for _, _, t in g.dangling(include_terms=True))
    g.add_node(
        {
            "@id": "https://ex.org/x",
            "@type": "https://openminds.om-i.org/types/Person",
            "affiliation": [
                {
                    "@type": "https://openminds.om-i.org/types/Affiliation",
                    "memberOf": {"@id": "https://ex.org/elsewhere"},
                }
            ],
        }
    )
    assert g.dangling() == [("https://ex.org/x", "affiliation.memberOf", "https://ex.org/elsewhere")]
    assert g.reverse_index()["https://ex.org/alice"]


def test_cycles_and_round_trip_to_objects() -> None:
    """isNewVersionOf ↔ isAlternativeVersionOf cycles are fine, both ways."""
    a = build.dataset_version(id="https://ex.org/a", short_name="a")
    b = build.dataset_version(id="https://ex.org/b", short_name="b", is_new_version_of=a)
    a.is_alternative_version_of = [b]
    g = MetadataGraph()
    g.add(a)
    assert len(g) == 2
    objs = g.to_openminds()
    assert objs["https://ex.org/b"].is_new_version_of is objs["https://ex.org/a"]
    assert objs["https://ex.org/a"].is_alternative_version_of[0] is objs["https://ex.org/b"]


def test_to_openminds_restores_terms_and_dates() -> None:
    """Back to objects: library links become the library instances, dates become dates."""
    ds, _ = _example()
    g = MetadataGraph()
    g.add(ds)
    dsv = g.to_openminds("https://ex.org/dsv1")
    assert dsv.license is core.License.cc_by_4_0
    assert dsv.release_date.isoformat() == "2024-05-01"
    assert dsv.authors[0].given_name == "Alice"
    g2 = MetadataGraph()
    g2.add(dsv)
    assert g2["https://ex.org/dsv1"] == g["https://ex.org/dsv1"]


def test_conflicting_duplicates_and_bad_nodes() -> None:
    """Equal duplicates merge; conflicting ones raise a LoadError naming the node and property."""
    g = MetadataGraph(nodes=[{"@id": "x", "@type": "t", "name": "a"}])
    g.add_node({"@id": "x", "@type": "t", "name": "a"})
    g.add_node({"@id": "x"})  # a bare reference never overwrites content
    assert g["x"]["name"] == "a"
    with pytest.raises(LoadError, match="name"):
        g.add_node({"@id": "x", "@type": "t", "name": "b"}, source="f.jsonld")
    with pytest.raises(LoadError):
        g.add_node(["not", "a", "node"])  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="embedded"):
        g.add(build.hash(algorithm="MD5", digest="0" * 32))
    with pytest.raises(SchemaError, match=r"openminds\.v3"):
        g.add(build.v3.dataset_version(short_name="x"))


def test_blank_nodes_for_objects_without_id() -> None:
    """Objects without an id get one blank id each, reused when the object is reached again."""
    org = build.organization("Univ X")
    p1 = build.person("A", "B", affiliations=[build.affiliation(org)])
    p2 = build.person("C", "D", affiliations=[build.affiliation(org)])
    g = MetadataGraph()
    g.add(p1, p2)
    assert g.types() == {"Organization": 1, "Person": 2}
    assert all(i.startswith("_:") for i in g.nodes)


def test_links_survive_very_deep_embedded_nesting() -> None:
    """Link collection is iterative: 10,000 levels of embedded nodes do not overflow the stack."""
    inner: dict = {"@id": "https://ex.org/target"}
    for _ in range(10_000):
        inner = {"@type": "https://openminds.om-i.org/types/Affiliation", "memberOf": inner}
    g = MetadataGraph(
        nodes=[
            {
                "@id": "https://ex.org/p",
                "@type": "https://openminds.om-i.org/types/Person",
                "affiliation": [inner],
            }
        ]
    )
    ((key, target),) = g.links_from("https://ex.org/p")
    assert target == "https://ex.org/target" and key.count(".") == 10_000
