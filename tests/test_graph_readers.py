"""Readers: compact, expanded, @graph, folders, KG responses, RDF; version detection; bad input."""

from __future__ import annotations

import json

import pytest
from _graph_data import I, T, example_graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation import MetadataGraph
from ebrains_curation.errors import LoadError
from ebrains_curation.graph import detect_version, dump, load, load_kg_response, loads, to_jsonld

V = "https://openminds.om-i.org/props/"
V3 = "https://openminds.ebrains.eu/vocab/"
META = "https://core.kg.ebrains.eu/vocab/meta/"


def _person(pid: str = "https://ex.org/p1", **extra: object) -> dict:
    return {"@id": pid, "@type": T + "Person", "givenName": "Ada", "familyName": "Lovelace", **extra}


# -- accepted shapes ------------------------------------------------------------------------------
def test_compact_single_node_and_graph_and_list() -> None:
    """One node, an @graph collection and a list of nodes all load."""
    ctx = {"@vocab": V}
    assert load({"@context": ctx, **_person()})["https://ex.org/p1"]["givenName"] == "Ada"
    g = load({"@context": ctx, "@graph": [_person(), _person("https://ex.org/p2")]})
    assert set(g.nodes) == {"https://ex.org/p1", "https://ex.org/p2"}
    assert len(load([_person(), _person("https://ex.org/p2")])) == 2


def test_expanded_input_is_normalised() -> None:
    """Full IRIs, @value/@id wrappers and lists of one become the compact node format."""
    doc = [
        {
            "@id": "https://ex.org/dsv",
            "@type": [T + "DatasetVersion"],
            V + "shortName": [{"@value": "demo"}],
            V + "releaseDate": [{"@value": "2024-05-01", "@type": "http://www.w3.org/2001/XMLSchema#date"}],
            V + "license": [{"@id": I + "licenses/CC-BY-4.0"}],
            V + "author": [{"@id": "https://ex.org/p1"}],
            V + "homepage": [{"@id": "https://ex.org/home"}],
        }
    ]
    node = load(doc)["https://ex.org/dsv"]
    assert node == {
        "@id": "https://ex.org/dsv",
        "@type": T + "DatasetVersion",
        "shortName": "demo",
        "releaseDate": "2024-05-01",
        "license": {"@id": I + "licenses/CC-BY-4.0"},
        "author": [{"@id": "https://ex.org/p1"}],  # multiple: stays a list
        "homepage": "https://ex.org/home",  # an IRI-valued property holds the plain IRI
    }


def test_inline_linked_nodes_become_nodes() -> None:
    """openminds' to_jsonld() embeds linked nodes fully; they are pulled out into their own nodes."""
    doc = {
        "@context": {"@vocab": V},
        "@id": "https://ex.org/dsv",
        "@type": T + "DatasetVersion",
        "author": [_person()],
    }
    g = load(doc)
    assert g["https://ex.org/dsv"]["author"] == [{"@id": "https://ex.org/p1"}]
    assert g["https://ex.org/p1"]["familyName"] == "Lovelace"


def test_short_type_names_and_nulls() -> None:
    """A short @type is resolved; null values (openminds include_empty_properties) are left out."""
    g = load(
        {
            "@context": {"@vocab": V},
            "@id": "https://ex.org/p",
            "@type": "Person",
            "givenName": "A",
            "familyName": None,
        }
    )
    assert g["https://ex.org/p"] == {"@id": "https://ex.org/p", "@type": T + "Person", "givenName": "A"}


def test_unknown_properties_and_types_are_kept() -> None:
    """Unknown properties (short or full IRI) and unknown types are kept as they came."""
    doc = {
        "@context": {"@vocab": V},
        "@graph": [
            _person(favouriteColour="green", **{"https://other.org/x": "y"}),
            {"@id": "https://ex.org/thing", "@type": "https://other.org/Thing", "name": "t"},
        ],
    }
    g = load(doc)
    assert g["https://ex.org/p1"]["favouriteColour"] == "green"
    assert g["https://ex.org/p1"]["https://other.org/x"] == "y"
    assert g["https://ex.org/thing"]["@type"] == "https://other.org/Thing"
    assert to_jsonld(load(to_jsonld(g))) == to_jsonld(g)


def test_other_context_goes_through_pyld() -> None:
    """A context with prefixes is expanded by pyld (offline) and read."""
    doc = {
        "@context": {"om": V, "omt": T, "name": "om:givenName"},
        "@id": "https://ex.org/p",
        "@type": "omt:Person",
        "name": "Ada",
    }
    assert load(doc)["https://ex.org/p"]["givenName"] == "Ada"


def test_remote_context_is_refused_without_network() -> None:
    """An unknown remote context is a LoadError naming it, not a network call."""
    doc = {"@context": "https://schema.org/", "@id": "https://ex.org/p", "@type": "Person"}
    with pytest.raises(LoadError, match=r"schema\.org.*never fetches"):
        load(doc)


def test_shipped_context_by_url() -> None:
    """Our context URLs resolve offline; v5's URL means v5."""
    doc = {
        "@context": "https://openminds.om-i.org/contexts/v5.jsonld",
        "@id": "https://ex.org/p",
        "@type": T + "Person",
        "preferredName": "Ada",
    }
    g = load(doc)
    assert g.version == "v5"
    assert g["https://ex.org/p"]["preferredName"] == "Ada"


def test_folder_of_node_files(tmp_path) -> None:
    """A folder written one-file-per-node (ours or openminds') loads back, blank ids shared across files."""
    g = example_graph()
    dump(g, tmp_path / "nodes", per_node=True)
    back = load(tmp_path / "nodes")
    assert to_jsonld(back) == to_jsonld(g)
    assert all(src.endswith(".jsonld") for src in back.sources.values())


def test_openminds_collection_files(tmp_path) -> None:
    """Files written by openminds' Collection.save (single and individual files) load."""
    from _graph_data import example_objects
    from openminds import Collection

    ds, _, _ = example_objects()
    c = Collection(ds)
    c.save(str(tmp_path / "c.jsonld"))
    g = load(tmp_path / "c.jsonld")
    assert g.of_type("DatasetVersion")[0]["shortName"] == "demo"
    c.save(str(tmp_path / "dir"), individual_files=True)
    assert len(load(tmp_path / "dir")) == len(g)


def test_kg_response_meta_kept_apart() -> None:
    """KG meta fields and schema.org identifiers go to graph.meta; list-of-one unwrapped; bare UUIDs expanded."""
    uuid = "bd5f91ff-e829-4b85-92eb-fc56991541f1"
    payload = {
        "data": {
            "@id": f"https://kg.ebrains.eu/api/instances/{uuid}",
            "@type": [T + "DatasetVersion"],
            "http://schema.org/identifier": [f"https://kg.ebrains.eu/api/instances/{uuid}"],
            META + "revision": "_hEUXe8S-_-",
            META + "space": "dataset",
            V + "versionIdentifier": "v1",
            V + "releaseDate": "2020-04-21",
            V + "description": "",
            V + "author": [],
            V + "license": [{"@id": "64c1704b-db12-4b29-9541-b9143d081044"}],
            V + "digitalIdentifier": {
                "@id": "https://kg.ebrains.eu/api/instances/df93b012-3bb6-4565-bce0-3bd2d3aed63b"
            },
        },
        "message": None,
        "error": None,
        "startTime": 1,
        "durationInMs": 2,
        "transactionId": None,
    }
    g = load_kg_response(payload)
    nid = f"https://kg.ebrains.eu/api/instances/{uuid}"
    node = g[nid]
    assert not any(k.startswith(("https://core.kg", "http://schema.org")) for k in node)
    assert g.meta[nid][META + "space"] == "dataset"
    assert g.meta[nid]["http://schema.org/identifier"] == [nid]
    assert node["license"] == {
        "@id": "https://kg.ebrains.eu/api/instances/64c1704b-db12-4b29-9541-b9143d081044"
    }
    assert node["author"] == [] and node["description"] == ""
    # a page of results and a bulk by-id map
    page = {"data": [payload["data"]], "total": 1, "size": 1, "from": 0}
    assert nid in load_kg_response(page)
    bulk = {"data": {uuid: payload}}
    assert nid in load_kg_response(bulk)


def test_kg_error_envelope() -> None:
    """An error envelope is a LoadError with the KG's message."""
    with pytest.raises(LoadError, match=r"404.*not found"):
        load_kg_response({"data": None, "error": {"code": 404, "message": "not found"}})


def test_detect_version() -> None:
    """ebrains.eu namespace → v3, om-i.org → v4 (unless told), nothing → v4."""
    assert (
        detect_version({"@context": {"@vocab": V3}, "@type": "https://openminds.ebrains.eu/core/Person"})
        == "v3"
    )
    assert detect_version([{"@type": [T + "Person"]}]) == "v4"
    assert detect_version({"@id": "x"}) == "v4"
    g = load(
        {
            "@context": {"@vocab": V3},
            "@id": "https://ex.org/p",
            "@type": "https://openminds.ebrains.eu/core/Person",
            "givenName": "A",
        }
    )
    assert g.version == "v3"
    assert load([_person()], "v5").version == "v5"


def test_version_mismatch_is_an_error() -> None:
    """Loading v3 metadata as v4 says so instead of misreading it."""
    doc = {
        "@context": {"@vocab": V3},
        "@id": "https://ex.org/p",
        "@type": "https://openminds.ebrains.eu/core/Person",
    }
    with pytest.raises(LoadError, match=r"v3.*migrate"):
        load(doc, "v4")


def test_turtle_file(tmp_path) -> None:
    """A .ttl file is read through rdflib."""
    g = example_graph()
    dump(g, tmp_path / "g.ttl")
    back = load(tmp_path / "g.ttl")
    assert back["https://ex.org/dsv1"]["releaseDate"] == "2024-05-01"


# -- bad input --------------------------------------------------------------------------------------
def test_invalid_json_names_file(tmp_path) -> None:
    """Invalid JSON: a LoadError with the file, line and column."""
    p = tmp_path / "bad.jsonld"
    p.write_text('{"@id": "x", oops}')
    with pytest.raises(LoadError, match=r"not valid JSON.*line 1.*bad\.jsonld") as exc:
        load(p)
    assert exc.value.source == str(p)


def test_truncated_file(tmp_path) -> None:
    """A truncated file says it looks truncated."""
    p = tmp_path / "t.jsonld"
    text = json.dumps(to_jsonld(example_graph()), indent=2)
    p.write_text(text[: len(text) // 2])
    with pytest.raises(LoadError, match="truncated") as exc:
        load(p)
    assert "t.jsonld" in str(exc.value)


def test_missing_type_names_node() -> None:
    """A node without @type: LoadError naming the node."""
    with pytest.raises(LoadError, match="no @type") as exc:
        load({"@context": {"@vocab": V}, "@graph": [{"@id": "https://ex.org/x", "name": "x"}]})
    assert exc.value.node == "https://ex.org/x"


def test_embedded_without_type_names_node_and_property() -> None:
    """An embedded value without @type: LoadError naming node and property."""
    doc = _person(affiliation=[{"memberOf": {"@id": "https://ex.org/o"}}])
    with pytest.raises(LoadError) as exc:
        load([doc])
    assert exc.value.node == "https://ex.org/p1" and exc.value.property == "affiliation"


@pytest.mark.parametrize(
    "bad, prop",
    [
        ({"givenName": [["nested"]]}, "givenName"),
        ({"givenName": {"@value": {"x": 1}}}, "givenName"),
        ({"givenName": {"@id": 5}}, "givenName"),
        ({"@reverse": {}}, "@reverse"),
        ({"@type": 7}, "@type"),
    ],
)
def test_wrong_value_shapes(bad: dict, prop: str) -> None:
    """Wrong value shapes: LoadError naming the node and the property."""
    with pytest.raises(LoadError) as exc:
        load([{**_person(), **bad}])
    assert exc.value.node == "https://ex.org/p1"
    assert exc.value.property == prop


def test_duplicate_ids_conflict(tmp_path) -> None:
    """Two different nodes with one @id: LoadError naming file, node and the differing property."""
    p = tmp_path / "dup.jsonld"
    p.write_text(json.dumps({"@graph": [_person(), _person(givenName="Bob")]}))
    with pytest.raises(LoadError, match="givenName") as exc:
        load(p)
    assert exc.value.node == "https://ex.org/p1" and "dup.jsonld" in str(exc.value)
    # equal duplicates are fine
    assert len(load([_person(), _person()])) == 1


def test_not_a_node_and_missing_file(tmp_path) -> None:
    """Scalars where nodes belong, and missing files, are LoadErrors."""
    with pytest.raises(LoadError):
        load([1, 2])
    with pytest.raises(LoadError, match="no such file"):
        load(tmp_path / "missing.jsonld")
    with pytest.raises(LoadError):
        loads("@prefix broken", format="turtle")


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["@id", "@type", "_:b", T + "Person", V + "givenName", "https://ex.org/a"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@id",
                    "@type",
                    "@value",
                    "@graph",
                    "@context",
                    "@list",
                    "givenName",
                    "affiliation",
                    V + "familyName",
                    "x",
                    "@vocab",
                    "",
                ]
            )
            | st.text(max_size=4),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_random_json_only_raises_load_error(doc: object) -> None:
    """Whatever JSON comes in, the only exception is LoadError (never a deep traceback)."""
    try:
        g = load(doc) if isinstance(doc, (dict, list)) else loads(json.dumps(doc))
    except LoadError:
        return
    assert isinstance(g, MetadataGraph)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_load_error(data: bytes) -> None:
    """Random bytes as a file: LoadError (with a message) or a graph, nothing else."""
    try:
        g = loads(data)
    except LoadError as exc:
        assert str(exc)
    else:
        assert isinstance(g, MetadataGraph)


def test_loading_a_dict_does_not_share_or_change_it() -> None:
    """The graph gets its own copies; the caller's document is left as it was."""
    doc = {"@context": {"@vocab": V}, "@graph": [_person()]}
    before = json.dumps(doc, sort_keys=True)
    g = load(doc)
    g["https://ex.org/p1"]["givenName"] = "changed"
    assert json.dumps(doc, sort_keys=True) == before


def test_iri_as_object_in_compact_form_becomes_plain() -> None:
    """``"homepage": {"@id": …}`` and ``"homepage": "…"`` load the same (an IRI, not a link)."""
    a = load(
        [{"@id": "https://ex.org/d", "@type": T + "DatasetVersion", "homepage": {"@id": "https://ex.org/h"}}]
    )
    b = load([{"@id": "https://ex.org/d", "@type": T + "DatasetVersion", "homepage": "https://ex.org/h"}])
    assert a == b and a["https://ex.org/d"]["homepage"] == "https://ex.org/h"


def test_kg_minimal_payload_goes_to_meta() -> None:
    """returnPayload=false instances (only @id and meta) are meta, not nodes."""
    nid = "https://kg.ebrains.eu/api/instances/00000000-0000-0000-0000-000000000001"
    g = load_kg_response({"data": [{"@id": nid, META + "space": "myspace"}], "total": 1})
    assert len(g) == 0 and g.meta[nid] == {META + "space": "myspace"}


@pytest.mark.parametrize("value", [[["x"]], {"@list": [["x"]]}], ids=["list", "@list"])
def test_a_list_inside_a_list_is_a_clear_load_error(value: object) -> None:
    """JSON-LD has no lists of lists here: the error names the node and the property."""
    doc = {
        "@graph": [
            {"@id": "https://e.org/a", "@type": "https://openminds.om-i.org/types/File", "name": value}
        ]
    }
    with pytest.raises(LoadError, match="a list inside a list") as info:
        load(doc)
    assert "https://e.org/a" in str(info.value) and "'name'" in str(info.value)
