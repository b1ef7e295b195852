"""Writers: compact/expanded JSON-LD, deterministic text, blank-node labels, files per node, no overwrite."""

from __future__ import annotations

import json
import random

import pytest
from _graph_data import T, cycle_graph, example_graph
from hypothesis import given, settings
from hypothesis import strategies as st

from ebrains_curation import MetadataGraph
from ebrains_curation.errors import SerializationError
from ebrains_curation.graph import context_url, dump, dumps, expand_node, load, to_jsonld
from ebrains_curation.graph.writers import _encode


def _shuffled(g: MetadataGraph, seed: int, rename_blanks: bool = True) -> MetadataGraph:
    """The same graph with nodes inserted in another order and blank nodes renamed."""
    nodes = list(g.nodes.values())
    random.Random(seed).shuffle(nodes)
    mapping = {nid: f"_:other{i}" for i, nid in enumerate(n["@id"] for n in nodes) if nid.startswith("_:")}
    text = json.dumps(nodes)
    if rename_blanks:
        for old, new in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(f'"{old}"', f'"{new}"')
    out = MetadataGraph(g.version)
    for n in json.loads(text):
        out.add_node(n)
    return out


def test_compact_document_shape() -> None:
    """Compact: openMINDS's own @vocab context, nodes sorted (named by @id, then blank), keys sorted in text."""
    g = example_graph()
    doc = to_jsonld(g)
    assert doc["@context"] == {"@vocab": "https://openminds.om-i.org/props/"}
    ctx = to_jsonld(g, context="typed")["@context"]
    assert ctx["license"]["@type"] == "@id" and ctx["releaseDate"]["@type"] == "xsd:date"
    ids = [n["@id"] for n in doc["@graph"]]
    named = [i for i in ids if not i.startswith("_:")]
    assert named == sorted(named) and ids[: len(named)] == named
    assert [i for i in ids if i.startswith("_:")] == [f"_:b{k}" for k in range(len(ids) - len(named))]
    text = dumps(g)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_context_options() -> None:
    """context='url' refers to the shipped context; 'vocab' writes only @vocab."""
    g = example_graph()
    assert to_jsonld(g, context="url")["@context"] == context_url("v4")
    assert to_jsonld(g, context="vocab")["@context"] == {"@vocab": "https://openminds.om-i.org/props/"}
    single = MetadataGraph()
    single.add_node({"@id": "https://ex.org/p", "@type": T + "Person", "givenName": "A"})
    doc = to_jsonld(single, graph_container=False, context="url")
    assert doc == {
        "@context": context_url("v4"),
        "@id": "https://ex.org/p",
        "@type": T + "Person",
        "givenName": "A",
    }


def test_output_is_deterministic() -> None:
    """Insertion order and blank-node names do not change the text."""
    g = example_graph()
    text = dumps(g)
    for seed in range(5):
        assert dumps(_shuffled(g, seed)) == text
        assert dumps(_shuffled(g, seed), "ntriples") == dumps(g, "ntriples")
        assert dumps(_shuffled(g, seed), "turtle") == dumps(g, "turtle")


def test_to_jsonld_returns_copies() -> None:
    """Changing the returned document does not change the graph."""
    g = example_graph()
    doc = to_jsonld(g)
    doc["@graph"][0]["name"] = "changed"
    assert to_jsonld(g) != doc


def test_expanded_form() -> None:
    """Expanded: full IRIs, @type lists, plain values as the KG stores them; expand_node for one node."""
    g = example_graph()
    exp = to_jsonld(g, "expanded")
    dsv = next(n for n in exp if n["@id"] == "https://ex.org/dsv1")
    assert dsv["@type"] == [T + "DatasetVersion"]
    assert dsv["https://openminds.om-i.org/props/releaseDate"] == [{"@value": "2024-05-01"}]
    assert dsv["https://openminds.om-i.org/props/homepage"] == [{"@value": "https://ex.org/home"}]
    assert dsv["https://openminds.om-i.org/props/license"] == [
        {"@id": "https://openminds.om-i.org/instances/licenses/CC-BY-4.0"}
    ]
    assert dsv["https://openminds.om-i.org/props/shortName"] == [{"@value": "demo"}]
    f0 = "https://data.ex.org/repo/f0.nwb"  # no blank-node references, so no relabelling
    assert expand_node(g[f0]) == next(n for n in exp if n["@id"] == f0)


def test_typed_expanded_form() -> None:
    """context='typed': IRI strings become @id values and dates xsd:date (explicit option)."""
    g = example_graph()
    exp = to_jsonld(g, "expanded", context="typed")
    dsv = next(n for n in exp if n["@id"] == "https://ex.org/dsv1")
    assert dsv["https://openminds.om-i.org/props/releaseDate"] == [
        {"@value": "2024-05-01", "@type": "http://www.w3.org/2001/XMLSchema#date"}
    ]
    assert dsv["https://openminds.om-i.org/props/homepage"] == [{"@id": "https://ex.org/home"}]
    f0 = "https://data.ex.org/repo/f0.nwb"
    assert expand_node(g[f0], typed=True) == next(n for n in exp if n["@id"] == f0)


def test_dump_single_file_no_overwrite(tmp_path) -> None:
    """dump refuses to replace a file unless asked, writes atomically and leaves no temp files."""
    g = example_graph()
    p = tmp_path / "g.jsonld"
    assert dump(g, p) == [p]
    with pytest.raises(SerializationError, match="already exists"):
        dump(g, p)
    dump(g, p, overwrite=True)
    assert [f.name for f in tmp_path.iterdir()] == ["g.jsonld"]
    assert load(p) == load(to_jsonld(g))
    dump(g, tmp_path / "g.nt")
    assert (tmp_path / "g.nt").read_text().count(" .\n") == len(dumps(g, "ntriples").splitlines())


def test_per_node_names_never_clash(tmp_path) -> None:
    """Nodes whose @ids end alike get distinct files (openminds silently overwrites)."""
    g = MetadataGraph()
    for nid in ("https://a.org/x/1", "https://b.org/y/1", "https://c.org/1/", "_:b", "https://d.org/X/1"):
        g.add_node({"@id": nid, "@type": T + "Person", "givenName": nid})
    files = dump(g, tmp_path / "out", per_node=True)
    assert len({f.name.lower() for f in files}) == len(files) == 5
    assert len(list((tmp_path / "out").iterdir())) == 5
    with pytest.raises(SerializationError, match="already exist"):
        dump(g, tmp_path / "out", per_node=True)
    dump(g, tmp_path / "out", per_node=True, overwrite=True)
    assert to_jsonld(load(tmp_path / "out")) == to_jsonld(g)  # blank ids are relabelled


def test_empty_and_cyclic_graphs_write() -> None:
    """Empty graphs and cycles write in every format."""
    for g in (MetadataGraph(), cycle_graph()):
        for fmt in ("jsonld", "expanded", "turtle", "ntriples"):
            assert isinstance(dumps(g, fmt), str)


def test_unknown_format() -> None:
    """Unknown formats and forms are SerializationErrors."""
    with pytest.raises(SerializationError):
        dumps(MetadataGraph(), "xml")
    with pytest.raises(SerializationError):
        to_jsonld(MetadataGraph(), "framed")


_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(_plain)
def test_fast_pretty_printer_matches_json(value: object) -> None:
    """Our fast indenting encoder writes exactly what json.dumps(indent=2, sort_keys=True) writes."""
    assert _encode(value, 2) == json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
