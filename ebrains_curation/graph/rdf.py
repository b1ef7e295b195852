"""RDF views of a :class:`~ebrains_curation.graph.model.MetadataGraph` through rdflib.

:func:`to_rdflib` builds the triples straight from the node dicts, applying the
same rules as the shipped JSON-LD context, so the result is isomorphic to pyld's
``toRdf`` of our compact JSON-LD: links and IRI-valued properties become
``URIRef``s, dates ``xsd:date`` (date-times ``xsd:dateTime``) literals, numbers
``xsd:integer``/``xsd:double``. Embedded nodes become blank nodes with labels
derived from their position, so output is stable. One deliberate difference
from pyld: an IRI-valued property holding a relative or malformed IRI becomes a
plain literal (pyld drops the triple), so a SHACL check can still see it.

:func:`from_rdflib` reads triples back: typed subjects become nodes, blank nodes
of embedded types used once go back inline, and multi-valued properties are
sorted (RDF has no order).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import LoadError
from ..schemas.versions import OMI_NS, V3_NS, OpenMINDSVersion, VersionLike, get_version
from .context import XSD, key_rules
from .model import MetadataGraph

__all__ = ["from_rdflib", "rdf_text", "to_rdflib"]

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"
_XSD_DOUBLE = XSD + "double"
_XSD_BOOLEAN = XSD + "boolean"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _canonical_double(value: float) -> str:
    """The JSON-LD canonical lexical form of a double (as pyld writes it)."""
    if value != value or value in (float("inf"), float("-inf")):
        return "NaN" if value != value else ("INF" if value > 0 else "-INF")
    text = f"{value:1.15E}"
    mantissa, exponent = text.split("E")
    mantissa = mantissa.rstrip("0")
    if mantissa.endswith("."):
        mantissa += "0"
    return f"{mantissa}E{int(exponent)}"


class _TripleBuilder:
    def __init__(self, graph: MetadataGraph):
        import rdflib

        self.rdflib = rdflib
        self.version = graph.version
        self.rules = key_rules(graph.version)
        self.vocab = get_version(graph.version).vocab
        self.triples: list[tuple[Any, Any, Any]] = []
        self._pred: dict[str, Any] = {}
        self._dt: dict[str, Any] = {}
        self.rdf_type = rdflib.RDF.type

    def term(self, ref: str) -> Any:
        if ref.startswith("_:"):
            return self.rdflib.BNode(ref[2:])
        return self.rdflib.URIRef(ref)

    def predicate(self, key: str) -> tuple[Any, str | None]:
        rule = self.rules.get(key)
        if rule is not None:
            iri, coercion = rule.iri, rule.coercion
        elif ":" in key:
            iri, coercion = (XSD + key[4:] if key.startswith("xsd:") else key), None
        else:
            iri, coercion = self.vocab + key, None
        p = self._pred.get(iri)
        if p is None:
            p = self._pred[iri] = self.rdflib.URIRef(iri)
        return p, coercion

    def datatype(self, iri: str) -> Any:
        d = self._dt.get(iri)
        if d is None:
            d = self._dt[iri] = self.rdflib.URIRef(iri)
        return d

    def node(self, subject: Any, node: dict[str, Any], label: str) -> None:
        t = node.get("@type")
        for type_iri in t if isinstance(t, list) else [t] if t else []:
            self.triples.append(
                (subject, self.rdf_type, self.term(type_iri if ":" in type_iri else self.vocab + type_iri))
            )
        n = 0
        for key in sorted(node):
            if key[0] == "@":
                continue
            value = node[key]
            pred, coercion = self.predicate(key)
            for item in value if isinstance(value, list) else [value]:
                if item is None:
                    continue
                if isinstance(item, dict) and "@id" not in item and "@value" not in item:
                    bnode = self.rdflib.BNode(f"{label}x{n}")
                    n += 1
                    self.triples.append((subject, pred, bnode))
                    self.node(bnode, item, str(bnode))
                    continue
                obj = self.value(item, coercion)
                if obj is not None:
                    self.triples.append((subject, pred, obj))

    def value(self, item: Any, coercion: str | None) -> Any:
        Literal = self.rdflib.Literal
        if isinstance(item, dict):
            if "@id" in item:
                ref = item["@id"]
                obj = self.term(ref)
                t = item.get("@type")
                for type_iri in t if isinstance(t, list) else [t] if t else []:
                    self.triples.append((obj, self.rdf_type, self.term(type_iri)))
                return obj
            v = item["@value"]
            if "@language" in item:
                return Literal(str(v), lang=item["@language"])
            dt = item.get("@type")
            if isinstance(dt, str) and dt.startswith("xsd:"):
                dt = XSD + dt[4:]
            return self.literal(v, dt)
        if coercion == "@id" and isinstance(item, str):
            if _ABSOLUTE_IRI.match(item) or item.startswith("_:"):
                return self.term(item)
            return Literal(item)
        return self.literal(item, coercion if coercion and coercion != "@id" else None)

    def literal(self, v: Any, dt: str | None) -> Any:
        Literal = self.rdflib.Literal
        if isinstance(v, bool):
            return Literal("true" if v else "false", datatype=self.datatype(dt or _XSD_BOOLEAN))
        if isinstance(v, float) and not v.is_integer():
            return Literal(_canonical_double(v), datatype=self.datatype(dt or _XSD_DOUBLE))
        if isinstance(v, (int, float)):
            # JSON-LD toRdf: a number without a fractional part is an xsd:integer (5.0 too)
            if dt == _XSD_DOUBLE:
                return Literal(_canonical_double(float(v)), datatype=self.datatype(dt))
            if abs(v) >= 10**21:
                return Literal(_canonical_double(float(v)), datatype=self.datatype(dt or _XSD_DOUBLE))
            return Literal(str(int(v)), datatype=self.datatype(dt or _XSD_INTEGER))
        if dt and dt != _XSD_STRING:
            return Literal(str(v), datatype=self.datatype(dt))
        return Literal(str(v))


def to_rdflib(graph: MetadataGraph) -> Any:
    """The graph as an ``rdflib.Graph`` (deterministic blank-node labels; see the module notes)."""
    import rdflib

    from .writers import export_nodes

    builder = _TripleBuilder(graph)
    for i, node in enumerate(export_nodes(graph)):
        nid = node["@id"]
        builder.node(builder.term(nid), node, nid[2:] if nid.startswith("_:") else f"e{i}")
    g = rdflib.Graph()
    _bind(g, graph.version)
    g.addN((s, p, o, g) for s, p, o in builder.triples)
    return g


def _bind(g: Any, version: OpenMINDSVersion) -> None:
    v = get_version(version)
    g.bind("xsd", XSD)
    if v.key == "v3":
        g.bind("omv", v.vocab)
        g.bind("omcore", V3_NS + "core/")
        g.bind("omterms", V3_NS + "controlledTerms/")
    else:
        g.bind("omv", v.vocab)
        g.bind("om", v.type_ns)
    g.bind("omi", v.instance_ns)


def rdf_text(graph: MetadataGraph, fmt: str) -> str:
    """Turtle or N-Triples text of the graph (N-Triples lines sorted, so output is stable)."""
    g = to_rdflib(graph)
    if fmt == "ntriples":
        text = g.serialize(format="nt")
        lines = sorted(line for line in text.splitlines() if line.strip())
        return "\n".join(lines) + ("\n" if lines else "")
    return _turtle(_exact_doubles(g))


def _turtle(g: Any) -> str:
    """Turtle through rdflib, with prefixes limited to the ones we bound.

    rdflib's serializer otherwise invents a prefix for every distinct IRI
    "namespace" (every data folder of every File) and inserts each into a trie,
    which is quadratic: minutes for 20,000 Files instead of seconds.
    """
    import io

    from rdflib.plugins.serializers.turtle import TurtleSerializer

    bound = tuple(str(ns) for _, ns in g.namespaces())

    class _BoundPrefixTurtle(TurtleSerializer):
        def get_pname(self, uri: Any, gen_prefix: bool = True) -> str | None:
            if not str(uri).startswith(bound):
                return None
            return super().get_pname(uri, gen_prefix=False)

        def write(self, text: str) -> None:
            # rdflib encodes with errors="replace": a lone surrogate would silently become "?"
            assert self.stream is not None  # set by serialize() before any write
            self.stream.write(text.encode(self.encoding))

    buf = io.BytesIO()
    _BoundPrefixTurtle(g).serialize(buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def _exact_doubles(g: Any) -> Any:
    """A copy of ``g`` whose xsd:double literals Turtle writes in full.

    rdflib's Turtle serializer writes doubles as bare numbers through ``"%e"``,
    which keeps only 7 significant digits; these literals keep their datatype
    (``"4.799230889609293E8"^^xsd:double``) and so lose nothing.
    """
    import rdflib

    class _ExactDouble(rdflib.Literal):
        def _literal_n3(self, use_plain: bool = False, qname_callback: Any = None) -> str:
            return super()._literal_n3(False, qname_callback)

    dbl = rdflib.URIRef(_XSD_DOUBLE)
    if not any(isinstance(o, rdflib.Literal) and o.datatype == dbl for o in g.objects()):
        return g
    out = rdflib.Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns, override=True)
    for s, p, o in g:
        if isinstance(o, rdflib.Literal) and o.datatype == dbl:
            o = _ExactDouble(str(o), datatype=dbl)
        out.add((s, p, o))
    return out


def _detect_rdf_version(g: Any) -> str:
    import rdflib

    for _, _, o in g.triples((None, rdflib.RDF.type, None)):
        s = str(o)
        if s.startswith(V3_NS):
            return "v3"
        if s.startswith(OMI_NS):
            return "v4"
    for _, p, _ in g:
        if str(p).startswith(V3_NS):
            return "v3"
        if str(p).startswith(OMI_NS):
            return "v4"
        break
    return "v4"


def from_rdflib(g: Any, version: VersionLike = None) -> MetadataGraph:
    """Read an ``rdflib.Graph`` of openMINDS metadata into a :class:`MetadataGraph`.

    Subjects with an ``rdf:type`` become nodes (untyped subjects are a
    :class:`LoadError`); blank nodes of embedded types used once are put back
    inline. Values of multi-valued properties come out sorted.
    """
    import rdflib

    from .readers import _add_document, _embed_blank_nodes

    v = get_version(version) if version else _detect_rdf_version(g)
    docs: dict[Any, dict[str, Any]] = {}
    for s, p, o in g:
        if isinstance(s, rdflib.Literal):
            raise LoadError("a literal cannot be a subject")
        node = docs.get(s)
        if node is None:
            node = docs[s] = {"@id": _ref(s)}
        if p == rdflib.RDF.type:
            node.setdefault("@type", []).append(str(o))
            continue
        node.setdefault(str(p), []).append(_rdf_value(o))
    items = []
    for node in docs.values():
        for k, vals in node.items():
            if k != "@id" and isinstance(vals, list) and len(vals) > 1:
                vals.sort(key=_sort_key)
        if "@type" not in node:
            raise LoadError(
                "a subject has no rdf:type, so it cannot be read as openMINDS metadata", node=node["@id"]
            )
        items.append(node)
    items.sort(key=lambda n: n["@id"])
    graph = MetadataGraph(v)
    _add_document(graph, items, "<rdf>")
    _embed_blank_nodes(graph)
    return graph


def _ref(term: Any) -> str:
    import rdflib

    return f"_:{term}" if isinstance(term, rdflib.BNode) else str(term)


def _rdf_value(o: Any) -> Any:
    import rdflib

    if not isinstance(o, rdflib.Literal):
        return {"@id": _ref(o)}
    lex = str(o)
    if o.language:
        return {"@value": lex, "@language": o.language}
    dt = str(o.datatype) if o.datatype is not None else None
    if dt is None or dt == _XSD_STRING:
        return {"@value": lex}
    if dt == _XSD_INTEGER:
        try:
            return {"@value": int(lex)}
        except ValueError:
            return {"@value": lex, "@type": dt}
    if dt == _XSD_DOUBLE:
        try:
            return {"@value": float(lex)}
        except ValueError:
            return {"@value": lex, "@type": dt}
    if dt == _XSD_BOOLEAN and lex in ("true", "false"):
        return {"@value": lex == "true"}
    return {"@value": lex, "@type": dt}


def _sort_key(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("@id", value.get("@value")))
    return str(value)
