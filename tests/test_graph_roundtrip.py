"""Round trips: openminds objects → JSON-LD → graph → JSON-LD, pyld expansion and toRdf agree with ours."""

from __future__ import annotations

import json

import pytest
import rdflib
from _graph_data import cycle_graph, example_graph, example_objects, random_graphs
from hypothesis import HealthCheck, given, settings
from pyld import jsonld
from rdflib.compare import isomorphic

from ebrains_curation import MetadataGraph
from ebrains_curation.graph import dumps, load, loads, to_jsonld, to_rdflib
from ebrains_curation.graph.documentloader import pyld_options

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pyld_rdf(doc: object) -> rdflib.Graph:
    nquads = jsonld.to_rdf(doc, pyld_options(format="application/n-quads"))
    g = rdflib.Graph()
    g.parse(data=nquads, format="nt")
    return g


def _check_all(graph: MetadataGraph) -> None:
    doc = to_jsonld(graph)
    # JSON-LD → graph → JSON-LD is the same document
    again = load(json.loads(json.dumps(doc)))
    assert to_jsonld(again) == doc
    # our expanded form is pyld's expansion of our compact form
    ours = to_jsonld(graph, "expanded")
    assert ours == jsonld.expand(doc, pyld_options())
    # the expanded form reads back to the same graph
    assert to_jsonld(load(ours, graph.version)) == doc  # expanded v4 and v5 look alike: say which
    # our RDF is isomorphic to what rdflib's JSON-LD parser reads from the same document, and to
    # pyld's toRdf but for whole numbers written with a decimal point (pyld: xsd:integer; rdflib, us: double)
    assert isomorphic(
        _doubles(to_rdflib(graph)), _doubles(rdflib.Graph().parse(data=json.dumps(doc), format="json-ld"))
    )
    if not _has_whole_float(doc):  # pyld writes doubles with 16 significant digits (JSON-LD's %1.15E)
        assert isomorphic(_doubles(to_rdflib(graph), pyld=True), _doubles(_pyld_rdf(doc), pyld=True))


def _doubles(g: rdflib.Graph, pyld: bool = False) -> rdflib.Graph:
    """The graph with xsd:double literals in one lexical form (at pyld's precision with ``pyld=True``)."""
    out = rdflib.Graph()
    for s, p, o in g:
        if isinstance(o, rdflib.Literal) and o.datatype == rdflib.XSD.double:
            text = f"{float(o):1.15E}" if pyld else repr(float(o))
            o = rdflib.Literal(text, datatype=rdflib.XSD.double)
        out.add((s, p, o))
    return out


def _has_whole_float(value: object) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_has_whole_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_whole_float(v) for v in value)
    return False


def test_openminds_objects_round_trip() -> None:
    """Objects built with ebrains_curation.build → JSON-LD → graph → JSON-LD gives the same document."""
    g = example_graph()
    assert len(g) > 5
    _check_all(g)


def test_openminds_objects_back_to_objects() -> None:
    """A loaded graph converts back to openminds objects with the same JSON-LD."""
    _ds, _dsv, _files = example_objects()
    g = example_graph()
    g2 = load(to_jsonld(g))
    objs = g2.to_openminds()
    g3 = MetadataGraph()
    g3.add(*[o for nid, o in objs.items() if not nid.startswith("_:")])
    assert to_jsonld(g3)["@graph"][0]["@id"] == to_jsonld(g)["@graph"][0]["@id"]
    assert objs["https://ex.org/dsv1"].short_name == "demo"


def test_openminds_package_reads_our_compact_output(tmp_path) -> None:
    """openminds' Collection.load reads the file we write (it ignores the richer context)."""
    from openminds import Collection

    g = example_graph()
    path = tmp_path / "g.jsonld"
    g_named = MetadataGraph()
    for n in g:
        if not n["@id"].startswith("_:"):
            g_named.add_node(n)
    path.write_text(dumps(g_named))
    c = Collection()
    c.load(str(path), version="v4")
    assert len(c) >= len([n for n in g_named])


def test_reference_cycles() -> None:
    """isNewVersionOf ↔ isAlternativeVersionOf cycles serialise and load (openminds recurses forever)."""
    g = cycle_graph()
    assert set(g.nodes) == {"https://ex.org/a", "https://ex.org/b"}
    _check_all(g)
    g2 = load(to_jsonld(g))
    assert g2["https://ex.org/b"]["isAlternativeVersionOf"] == [{"@id": "https://ex.org/a"}]


def test_empty_graph() -> None:
    """An empty graph writes and reads back (openminds raises on an empty Collection)."""
    g = MetadataGraph()
    doc = to_jsonld(g)
    assert doc["@graph"] == []
    assert len(load(doc)) == 0
    assert to_jsonld(g, "expanded") == [] == jsonld.expand(doc, pyld_options())
    assert len(to_rdflib(g)) == 0
    assert len(loads(dumps(g))) == 0
    assert len(loads(dumps(g, "turtle"), format="turtle")) == 0


def test_turtle_and_ntriples_round_trip() -> None:
    """Turtle / N-Triples read back into the same graph (embedded nodes back inline)."""
    g = example_graph()
    for fmt in ("turtle", "ntriples"):
        back = loads(dumps(g, fmt), "v4", format=fmt)
        assert isomorphic(to_rdflib(back), to_rdflib(g))
        assert set(back.nodes) - {n for n in back.nodes if n.startswith("_:")} == {
            n for n in g.nodes if not n.startswith("_:")
        }
        assert back["https://data.ex.org/repo/f1.nwb"]["storageSize"]["value"] == 1001


@SETTINGS
@given(random_graphs())
def test_random_graphs_round_trip(graph: MetadataGraph) -> None:
    """Random valid graphs: JSON-LD round trip, pyld expansion and RDF isomorphism all hold."""
    _check_all(graph)


@SETTINGS
@given(random_graphs())
def test_random_graphs_rdf_round_trip(graph: MetadataGraph) -> None:
    """Random valid graphs survive graph → Turtle → graph (as RDF)."""
    back = loads(dumps(graph, "turtle"), "v4", format="turtle")
    assert isomorphic(to_rdflib(back), to_rdflib(graph))


@pytest.mark.parametrize("version", ["v3", "v4", "v5"])
def test_each_version_round_trips(version: str) -> None:
    """Objects of each version round-trip with that version's context."""
    from ebrains_curation import Builder

    b = Builder(version)
    p = b.person("Ada", "Lovelace", id="https://ex.org/ada")
    g = MetadataGraph(version)
    g.add(p)
    _check_all(g)
    assert load(to_jsonld(g)).version == version  # the inline context names the version
