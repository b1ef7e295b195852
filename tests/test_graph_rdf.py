"""RDF: typed literals, IRIs as URIRefs, Turtle/N-Triples, rdflib graphs in and out, offline contexts."""

from __future__ import annotations

import rdflib
from _graph_data import I, T, example_graph
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from ebrains_curation import MetadataGraph
from ebrains_curation.graph import dumps, from_rdflib, load, to_jsonld, to_rdflib

P = "https://openminds.om-i.org/props/"


def test_default_rdf_reads_strings_as_openminds_does() -> None:
    """By default (openMINDS's @vocab convention) links are URIRefs and IRI/date strings plain literals."""
    g = to_rdflib(example_graph())
    dsv = URIRef("https://ex.org/dsv1")
    assert g.value(dsv, URIRef(P + "releaseDate")) == Literal("2024-05-01")
    assert g.value(dsv, URIRef(P + "homepage")) == Literal("https://ex.org/home")
    assert g.value(dsv, URIRef(P + "license")) == URIRef(I + "licenses/CC-BY-4.0")
    f0 = URIRef("https://data.ex.org/repo/f0.nwb")
    assert g.value(f0, URIRef(P + "IRI")) == Literal("https://data.ex.org/repo/f0.nwb")


def test_links_iris_and_dates_are_typed() -> None:
    """typed=True: links and IRI-valued properties are URIRefs; dates xsd:date; numbers typed; text plain."""
    g = to_rdflib(example_graph(), typed=True)
    dsv = URIRef("https://ex.org/dsv1")
    assert (dsv, rdflib.RDF.type, URIRef(T + "DatasetVersion")) in g
    assert g.value(dsv, URIRef(P + "releaseDate")) == Literal("2024-05-01", datatype=rdflib.XSD.date)
    assert g.value(dsv, URIRef(P + "homepage")) == URIRef("https://ex.org/home")
    assert g.value(dsv, URIRef(P + "license")) == URIRef(I + "licenses/CC-BY-4.0")
    assert g.value(dsv, URIRef(P + "shortName")) == Literal("demo")
    f0 = URIRef("https://data.ex.org/repo/f0.nwb")
    assert g.value(f0, URIRef(P + "IRI")) == URIRef("https://data.ex.org/repo/f0.nwb")
    size = g.value(f0, URIRef(P + "storageSize"))
    assert isinstance(size, rdflib.BNode)
    assert g.value(size, URIRef(P + "value")) == Literal(1000)


def test_relative_iri_stays_a_literal() -> None:
    """A malformed IRI value is kept as a literal (a SHACL IRI check can then see it)."""
    g = MetadataGraph()
    g.add_node({"@id": "https://ex.org/d", "@type": T + "DatasetVersion", "homepage": "not an iri"})
    assert to_rdflib(g, typed=True).value(URIRef("https://ex.org/d"), URIRef(P + "homepage")) == Literal(
        "not an iri"
    )


def test_from_rdflib_puts_embedded_nodes_back_inline() -> None:
    """Blank nodes of embedded types used once are inline again; unknown datatypes kept as typed values."""
    g = example_graph()
    back = from_rdflib(to_rdflib(g))
    f0 = back["https://data.ex.org/repo/f0.nwb"]
    assert f0["storageSize"]["@type"] == T + "QuantitativeValue"
    assert f0["hash"][0]["algorithm"] == "MD5"
    assert isomorphic(to_rdflib(back), to_rdflib(g))
    assert load(to_rdflib(g)) == back


def test_ntriples_sorted_and_stable() -> None:
    """N-Triples lines are sorted, with stable blank-node labels."""
    g = example_graph()
    text = dumps(g, "ntriples")
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert text == dumps(load(to_jsonld(g)), "ntriples")


def test_turtle_keeps_doubles_exact() -> None:
    """Doubles survive Turtle exactly (rdflib's own Turtle writer rounds them to 7 digits)."""
    g = MetadataGraph()
    g.add_node(
        {
            "@id": "https://ex.org/f",
            "@type": T + "File",
            "storageSize": {"@type": T + "QuantitativeValue", "value": 479923088.9609293},
        }
    )
    back = load(rdflib.Graph().parse(data=dumps(g, "turtle"), format="turtle"))
    assert back["https://ex.org/f"]["storageSize"]["value"] == 479923088.9609293


def test_v3_rdf_detected() -> None:
    """RDF in the ebrains.eu namespace is read as v3."""
    g = MetadataGraph("v3")
    g.add_node(
        {"@id": "https://ex.org/p", "@type": "https://openminds.ebrains.eu/core/Person", "givenName": "A"}
    )
    assert from_rdflib(to_rdflib(g)).version == "v3"
