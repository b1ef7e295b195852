"""Example graphs and hypothesis strategies shared by the graph serialisation tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ebrains_curation import MetadataGraph, build

OM = "https://openminds.om-i.org/"
T = OM + "types/"
I = OM + "instances/"  # noqa: E741


def example_objects() -> Any:
    """A v4 Dataset with a version, an author with ORCID and affiliation, and library terms."""
    alice = build.person(
        "Alice", "Smith", id="https://ex.org/alice", orcid="0000-0002-1825-0097", affiliations="Univ X"
    )
    bob = build.person("Bob", "Jones")  # no id: becomes a blank node
    repo = build.file_repository(
        "repo", "https://data.ex.org/repo", hosted_by="EBRAINS", id="https://ex.org/repo"
    )
    dsv = build.dataset_version(
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
        authors=[alice, bob],
        digital_identifier="10.25493/ABCD-1234",
        full_documentation="10.25493/ABCD-1234",
        homepage="https://ex.org/home",
        repository=repo,
        other_contributions=[build("Contribution", contributor=bob, types=["data collection"])],
    )
    ds = build.dataset("Demo", "demo", "A demo", id="https://ex.org/ds", authors=[alice], versions=[dsv])
    files = [
        build.file(
            f"f{i}.nwb",
            f"https://data.ex.org/repo/f{i}.nwb",
            size=1000 + i,
            hashes={"MD5": f"{i:032x}"},
            format="application/json",
            file_repository=repo,
        )
        for i in range(3)
    ]
    return ds, dsv, files


def example_graph() -> MetadataGraph:
    ds, _, files = example_objects()
    g = MetadataGraph()
    g.add(ds, *files)
    return g


def cycle_graph() -> MetadataGraph:
    """Two DatasetVersions pointing at each other (isNewVersionOf ↔ isAlternativeVersionOf)."""
    a = build.dataset_version(id="https://ex.org/a", short_name="a", release_date="2024-01-01")
    b = build.dataset_version(id="https://ex.org/b", short_name="b", release_date="2024-02-01")
    a.is_new_version_of = b
    b.is_alternative_version_of = [a]
    g = MetadataGraph()
    g.add(a)
    return g


# -- hypothesis: random valid graphs --------------------------------------------------------------
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_iri = st.from_regex(r"https://ex\.org/[a-z0-9]{1,8}(/[a-z0-9]{1,6})?", fullmatch=True)
_date = st.dates().map(lambda d: d.isoformat())
_terms = st.sampled_from(
    [
        I + "licenses/CC-BY-4.0",
        I + "licenses/MIT",
        I + "semanticDataType/rawData",
    ]
)


@st.composite
def random_graphs(draw: Any) -> MetadataGraph:
    """Valid-shaped v4 graphs: Persons, Files and DatasetVersions with links (cycles too), blank ids."""
    n = draw(st.integers(min_value=0, max_value=6))
    ids = []
    for i in range(n):
        ids.append(draw(st.sampled_from([f"https://ex.org/n{i}", f"_:x{i}", f"https://ex.org/p/{i}#frag"])))
    ids = list(dict.fromkeys(ids))
    g = MetadataGraph("v4")
    for nid in ids:
        kind = draw(st.sampled_from(["Person", "File", "DatasetVersion"]))
        node: dict[str, Any] = {"@id": nid, "@type": T + kind}
        if kind == "Person":
            node["givenName"] = draw(_text)
            if draw(st.booleans()):
                node["familyName"] = draw(_text)
            if draw(st.booleans()):
                node["affiliation"] = [
                    {
                        "@type": T + "Affiliation",
                        "memberOf": {"@id": draw(st.sampled_from(ids))},
                        "startDate": draw(_date),
                    }
                ]
        elif kind == "File":
            node["name"] = draw(_text)
            node["IRI"] = draw(_iri)
            node["hash"] = [{"@type": T + "Hash", "algorithm": "MD5", "digest": draw(_text)}]
            node["storageSize"] = {
                "@type": T + "QuantitativeValue",
                "value": draw(st.one_of(st.integers(0, 10**12), st.floats(0, 1e9, allow_nan=False))),
                "unit": {"@id": I + "unitOfMeasurement/byte"},
            }
        else:
            node["shortName"] = draw(_text)
            node["releaseDate"] = draw(_date)
            node["license"] = {"@id": draw(_terms)}
            if draw(st.booleans()):
                node["homepage"] = draw(_iri)
            node["author"] = [
                {"@id": x} for x in draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
            ]
            if draw(st.booleans()):
                node["isNewVersionOf"] = {"@id": draw(st.sampled_from(ids))}
            if draw(st.booleans()):
                node["supportChannel"] = [draw(_text)]
        g.add_node(node)
    return g
