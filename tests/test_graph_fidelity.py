"""Files mean what openMINDS means: our four output forms against pyld and rdflib, on real public files.

Sources, none written by us:

* ``tests/fixtures/public/bids2openminds_*.jsonld``: what bids2openminds writes
  (openMINDS v3 and v4 collections; see ``tests/fixtures/public/SOURCE.md``);
* the openMINDS instance libraries shipped inside the ``openminds`` package (v3, v4,
  v5), serialised by ``openminds`` itself into a collection document, the way
  ``Collection.save`` writes one.

For each source, the RDF that pyld reads from the source is the reference; our
compact, expanded, Turtle and N-Triples outputs, read back by pyld (JSON-LD) and
rdflib (JSON-LD, Turtle, N-Triples), must all be isomorphic to it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import rdflib
from pyld import jsonld

from ebrains_curation import OrderLostWarning
from ebrains_curation.graph import dumps, load, loads, pyld_options
from ebrains_curation.schemas import get_version
from ebrains_curation.schemas.terms import iter_terms

PUBLIC = Path(__file__).parent / "fixtures" / "public"
BIDS = sorted(PUBLIC.glob("bids2openminds[-_]*.jsonld"))  # v4 ds005 (shared fixture), v3 ds005, v4 eeg
FORMS = ("compact", "expanded", "turtle", "ntriples")


def isomorphic(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """RDF graph isomorphism, fast on real collections.

    rdflib's ``isomorphic`` is exponential on the many look-alike blank nodes of a
    real collection (16 Subjects with blank @ids). Blank nodes are first coloured by
    refinement (their edges to named terms and to other colours); when every colour
    is unique the colouring *is* the bijection and the graphs are compared exactly.
    Otherwise (true look-alikes) the W3C canonicalisation (URDNA2015, pyld) decides.
    """
    if len(a) != len(b):
        return False
    ga, gb = _ground(a), _ground(b)
    if ga is not None and gb is not None:
        return ga == gb
    return _canonical(a) == _canonical(b)


def _term(t: Any) -> str:
    if isinstance(t, rdflib.Literal) and t.datatype == rdflib.XSD.double:
        return f'"{float(t)!r}"^^xsd:double'  # one lexical form per double value (96.0, 9.6E1)
    return str(t.n3())


def _ground(g: rdflib.Graph) -> set[tuple[str, str, str]] | None:
    """Triples with blank nodes replaced by refined colours, or None if two blank nodes look alike."""
    blanks = {t for s, _, o in g for t in (s, o) if isinstance(t, rdflib.BNode)}
    colour = dict.fromkeys(blanks, "")
    for _ in range(6):
        sig: dict[Any, list[str]] = {n: [] for n in blanks}
        for s, p, o in g:
            if s in sig:
                sig[s].append(f">{p}>{(colour[o] if o in colour else _term(o))}")
            if o in sig:
                sig[o].append(f"<{p}<{(colour[s] if s in colour else _term(s))}")
        colour = {n: hashlib.sha1("|".join(sorted(v)).encode()).hexdigest() for n, v in sig.items()}
    if len(set(colour.values())) != len(blanks):
        return None
    return {
        ((colour[s] if s in colour else _term(s)), str(p), (colour[o] if o in colour else _term(o)))
        for s, p, o in g
    }


def _canonical(g: rdflib.Graph) -> str:
    opts = {"algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"}
    return jsonld.normalize(g.serialize(format="nt"), opts)


def pyld_rdf(doc: Any) -> rdflib.Graph:
    """What pyld (a JSON-LD processor we did not write) reads from a document, as an rdflib graph."""
    nquads = jsonld.to_rdf(doc, pyld_options(format="application/n-quads"))
    g = rdflib.Graph()
    g.parse(data=nquads, format="nt")
    return g


def rdflib_jsonld(text: str) -> rdflib.Graph:
    """What rdflib's own JSON-LD parser reads from a document."""
    g = rdflib.Graph()
    g.parse(data=text, format="json-ld")
    return g


def readings(text: str, form: str) -> dict[str, rdflib.Graph]:
    """Every independent reading of one of our outputs: by pyld and/or rdflib."""
    if form in ("compact", "expanded"):
        return {"pyld": pyld_rdf(json.loads(text)), "rdflib": rdflib_jsonld(text)}
    g = rdflib.Graph()
    g.parse(data=text, format="turtle" if form == "turtle" else "nt")
    return {"rdflib": g}


def check_source(doc: Any, version: str | None = None) -> dict[str, int]:
    """Load ``doc`` with ``load``; every output form, read by pyld and rdflib, is isomorphic to the source.

    Each processor is held to its own reading of the source: pyld (JSON-LD 1.1 to the
    letter) reads a whole number written with a decimal point (96.0) as an
    xsd:integer, rdflib as an xsd:double; our Turtle and N-Triples keep the double.
    """
    reference = {"pyld": pyld_rdf(doc), "rdflib": rdflib_jsonld(json.dumps(doc))}
    assert len(reference["pyld"]) > 0
    graph = load(doc, version)
    counts: dict[str, int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OrderLostWarning)
        for form in FORMS:
            text = dumps(graph, form)
            for reader, g in readings(text, form).items():
                assert isomorphic(g, reference[reader]), f"{form} read by {reader} differs from the source"
                counts[f"{form}/{reader}"] = 1
    return counts


@pytest.mark.parametrize("path", BIDS, ids=lambda p: p.stem)
def test_bids2openminds_collections_keep_their_meaning(path: Path) -> None:
    """A real bids2openminds collection: all four forms are the same RDF as the file itself."""
    doc = json.loads(path.read_text("utf-8"))
    counts = check_source(doc)
    assert len(counts) == 6  # compact and expanded read by pyld and rdflib; Turtle and N-Triples by rdflib
    graph = load(path)
    assert len(graph) == len(doc["@graph"]) - sum(  # embedded QuantitativeValue blank nodes go inline
        1 for n in doc["@graph"] if n["@id"].startswith("_:") and n["@type"].endswith("QuantitativeValue")
    )
    # IRI- and date-valued properties stay plain strings, as openMINDS writes them
    text = dumps(graph)
    assert json.loads(text)["@context"] == {"@vocab": get_version(graph.version).vocab}


def library_document(version: str, per_class: int) -> dict[str, Any]:
    """Library instances of a version serialised by ``openminds`` itself, as one collection document."""
    from openminds.base import LinkedNodeEmbedding

    seen: dict[str, int] = {}
    nodes = []
    for term in iter_terms(version):
        cls = type(term).__name__
        if seen.get(cls, 0) >= per_class:
            continue
        seen[cls] = seen.get(cls, 0) + 1
        nodes.append(
            term.to_jsonld(
                include_empty_properties=False,
                embed_linked_nodes=LinkedNodeEmbedding.NEVER,
                with_context=False,
            )
        )
    return {"@context": {"@vocab": get_version(version).vocab}, "@graph": nodes}


@pytest.mark.slow
@pytest.mark.parametrize("version", ["v3", "v4", "v5"])
def test_openminds_library_instances_keep_their_meaning(version: str) -> None:
    """openMINDS's own instance library (2 instances of every class: 1 per class is ~6k triples) in all four forms."""
    doc = library_document(version, per_class=2)
    check_source(doc, version)
    print(
        f"\n{version}: {len(doc['@graph'])} library instances, 4 forms × (pyld, rdflib) isomorphic to the source"
    )


def test_whole_doubles_keep_their_datatype() -> None:
    """A whole xsd:double read from Turtle stays a double in every form (JSON would make it an integer)."""
    ttl = """@prefix om: <https://openminds.om-i.org/types/> . @prefix p: <https://openminds.om-i.org/props/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <https://ex.org/f> a om:File ; p:name "f" ; p:IRI "https://ex.org/f" ;
      p:storageSize [ a om:QuantitativeValue ; p:value "96.0"^^xsd:double ; p:value2 "2.5"^^xsd:double ] ."""
    source = rdflib.Graph().parse(data=ttl, format="turtle")
    graph = loads(ttl, format="turtle")
    for form in FORMS:
        for reader, g in readings(dumps(graph, form), form).items():
            if reader == "rdflib":  # pyld reads the JSON number 96.0 as an integer (see check_source)
                assert isomorphic(g, source), f"{form} read by {reader}"
    doubles = [o for o in rdflib_jsonld(dumps(graph)).objects() if isinstance(o, rdflib.Literal)]
    assert {str(o.datatype).rsplit("#", 1)[-1] for o in doubles if o.datatype} == {"double"}


def test_typed_context_is_an_explicit_option() -> None:
    """context='typed': IRI strings are IRIs and dates xsd:date in every form, still all isomorphic.

    (On files with relative IRI strings, such as bids2openminds' ``"IRI": "PREFIXsub-32/…"``,
    the typed reading is not stable: rdflib resolves them against the reader's base, pyld
    drops them. That is why the openMINDS @vocab form is the default.)
    """
    graph = load(library_document("v4", per_class=1), "v4")
    compact = json.loads(dumps(graph, context="typed"))
    assert compact["@context"]["@vocab"] == get_version(graph.version).vocab
    reference = rdflib_jsonld(json.dumps(compact))
    assert any(
        isinstance(o, rdflib.URIRef)
        for o in reference.objects(
            None, rdflib.URIRef(get_version("v4").vocab + "preferredOntologyIdentifier")
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OrderLostWarning)
        for form in FORMS:
            for reader, g in readings(dumps(graph, form, context="typed"), form).items():
                ref = pyld_rdf(compact) if reader == "pyld" else reference
                assert isomorphic(g, ref), f"typed {form} read by {reader}"


def test_readers_never_resolve_strings_against_a_base(tmp_path: Path) -> None:
    """Relative @ids and IRI strings come back exactly as written, from any file location."""
    doc = {
        "@context": {"@vocab": "https://openminds.om-i.org/props/"},
        "@graph": [
            {
                "@id": "person-1",
                "@type": "https://openminds.om-i.org/types/Person",
                "givenName": "A",
                "affiliation": [],
            },
            {
                "@id": "https://ex.org/d",
                "@type": "https://openminds.om-i.org/types/DatasetVersion",
                "homepage": "docs/index.html",
                "author": [{"@id": "person-1"}],
            },
        ],
    }
    path = tmp_path / "sub" / "doc.jsonld"
    path.parent.mkdir()
    path.write_text(json.dumps(doc), "utf-8")
    for source in (doc, path):
        g = load(source)
        assert "person-1" in g
        assert g["https://ex.org/d"]["homepage"] == "docs/index.html"
        assert g["https://ex.org/d"]["author"] == [{"@id": "person-1"}]
    typed = load(json.loads(dumps(load(doc), context="typed")))
    assert typed["https://ex.org/d"]["homepage"] == "docs/index.html"
