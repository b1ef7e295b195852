"""RDF views of a :class:`~ebrains_curation.graph.model.MetadataGraph` through rdflib.

:func:`to_rdflib` builds the triples straight from the node dicts, applying the
same rules as the shipped JSON-LD context, so the result is isomorphic to pyld's
``toRdf`` of our compact JSON-LD: links and IRI-valued properties become
``URIRef``s, dates ``xsd:date`` (date-times ``xsd:dateTime``) literals, numbers
``xsd:integer``/``xsd:double``. Embedded nodes become blank nodes with labels
derived from their position, so output is stable. One deliberate difference
from pyld (typed reading only): an IRI-valued property holding a relative or
malformed IRI becomes a plain literal (pyld drops the triple), so a SHACL check
can still see it.

RDF keeps no order of repeated values. Turtle and N-Triples output
(:func:`rdf_text`) issues an :class:`~ebrains_curation.errors.OrderLostWarning`
when an ordered property (authors, custodians, developers …; see
:data:`ORDERED_KEYS`) has several values.

:func:`from_rdflib` reads triples back: typed subjects become nodes, blank nodes
of embedded types used once go back inline, and multi-valued properties are
sorted (RDF has no order).
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from typing import Any

from ..errors import LoadError, OrderLostWarning, SerializationError
from ..schemas.versions import V3_NS, OpenMINDSVersion, VersionLike, get_version
from .context import XSD, value_rules
from .limits import over_value_limit
from .model import MetadataGraph
from .normalize import add_document, embed_blank_nodes
from .order import export_nodes
from .versiondetect import guess_version

__all__ = [
    "DEFAULT_RDF_MAX_VALUES",
    "ORDERED_KEYS",
    "RDF_MAX_VALUES_ENV",
    "build_triples",
    "from_rdflib",
    "ordered_values",
    "rdf_text",
    "to_rdflib",
    "to_rdflib_typed",
]

#: property keys whose values are in a meaningful order (people in credit order, steps …)
ORDERED_KEYS = frozenset(
    {"author", "custodian", "developer", "editor", "contributor", "contribution", "otherContribution"}
)

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"
_XSD_DOUBLE = XSD + "double"
_XSD_BOOLEAN = XSD + "boolean"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _canonical_double(value: float) -> str:
    """An xsd:double lexical form in JSON-LD's canonical shape (``9.6E1``), with every digit kept.

    JSON-LD's canonical form (``%1.15E``, what pyld writes) keeps 16 significant
    digits, which changes doubles that need 17 (100000000.37109375); this one keeps
    the shortest digits that read back as the same double.
    """
    if value != value or value in (float("inf"), float("-inf")):
        return "NaN" if value != value else ("INF" if value > 0 else "-INF")
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = int(exponent) + len(digits) - 1 if any(digits) else 0
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


class _TripleBuilder:
    def __init__(self, graph: MetadataGraph, typed: bool = False, terms: Any = None):
        import rdflib

        # ``terms``: another maker of URIRef/BNode/Literal with rdflib's signatures (see build_triples)
        self.rdflib = terms if terms is not None else rdflib
        self.version = graph.version
        self.rules = value_rules(graph.version, typed=typed)
        self.vocab = get_version(graph.version).vocab
        self.triples: list[tuple[Any, Any, Any]] = []
        self._pred: dict[str, Any] = {}
        self._dt: dict[str, Any] = {}
        self.rdf_type = self.rdflib.RDF.type

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
        if isinstance(v, float) and dt in (None, _XSD_DOUBLE):
            # a number written with a decimal point stays a double, 96.0 included (as rdflib and
            # openMINDS read it; pyld, following JSON-LD 1.1 to the letter, makes 96.0 an integer)
            return Literal(_canonical_double(v), datatype=self.datatype(_XSD_DOUBLE))
        if isinstance(v, (int, float)):
            if dt == _XSD_DOUBLE:
                return Literal(_canonical_double(float(v)), datatype=self.datatype(dt))
            if abs(v) >= 10**21:
                return Literal(_canonical_double(float(v)), datatype=self.datatype(dt or _XSD_DOUBLE))
            return Literal(str(int(v)), datatype=self.datatype(dt or _XSD_INTEGER))
        if dt and dt != _XSD_STRING:
            return Literal(str(v), datatype=self.datatype(dt))
        return Literal(str(v))


def to_rdflib(graph: MetadataGraph, *, typed: bool = False) -> Any:
    """The graph as an ``rdflib.Graph`` (deterministic blank-node labels; see the module notes).

    By default the triples are what openMINDS files mean (strings are plain
    literals); ``typed=True`` reads IRI- and date-valued strings as IRIs and
    ``xsd:date`` literals, as our typed context does.
    """
    import rdflib

    g = rdflib.Graph()
    _bind(g, graph.version)
    g.addN((s, p, o, g) for s, p, o in build_triples(graph, typed=typed))
    return g


def build_triples(
    graph: MetadataGraph, *, typed: bool = False, terms: Any = None
) -> list[tuple[Any, Any, Any]]:
    """The triples of :func:`to_rdflib` as a list (repeats possible), without building a graph.

    ``terms`` replaces rdflib as the maker of terms: an object with ``URIRef``, ``BNode``,
    ``Literal`` (rdflib's signatures) and ``RDF.type`` (the SHACL engine's ``fast`` backend
    passes light terms; building rdflib terms and a Graph is most of the cost of a big graph).
    """
    builder = _TripleBuilder(graph, typed, terms)
    for i, node in enumerate(export_nodes(graph)):
        nid = node["@id"]
        builder.node(builder.term(nid), node, nid[2:] if nid.startswith("_:") else f"e{i}")
    return builder.triples


def to_rdflib_typed(graph: MetadataGraph) -> Any:
    """``to_rdflib(graph, typed=True)``: the typed reading the SHACL engine validates."""
    return to_rdflib(graph, typed=True)


def _bind(g: Any, version: OpenMINDSVersion) -> None:
    v = get_version(version)
    g.bind("xsd", XSD)
    if v is OpenMINDSVersion.V3:
        g.bind("omv", v.vocab)
        g.bind("omcore", V3_NS + "core/")
        g.bind("omterms", V3_NS + "controlledTerms/")
    else:
        g.bind("omv", v.vocab)
        g.bind("om", v.type_ns)
    g.bind("omi", v.instance_ns)


def ordered_values(graph: MetadataGraph) -> list[tuple[str, str]]:
    """(node @id, key) of every ordered property holding several values (their order RDF cannot keep)."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [(nid, node) for nid, node in graph.nodes.items()]
    while stack:
        nid, node = stack.pop()
        for key, value in node.items():
            if key[0] == "@" or not isinstance(value, list):
                if isinstance(value, dict) and "@type" in value and "@id" not in value:
                    stack.append((nid, value))
                continue
            if key in ORDERED_KEYS and len(value) > 1:
                out.append((nid, key))
            stack.extend((nid, v) for v in value if isinstance(v, dict) and "@id" not in v)
    return sorted(set(out))


def rdf_text(graph: MetadataGraph, fmt: str, *, typed: bool = False) -> str:
    """Turtle or N-Triples text of the graph (N-Triples lines sorted, so output is stable).

    Issues an :class:`~ebrains_curation.errors.OrderLostWarning` when ordered values would lose their order.
    Refuses (:class:`~ebrains_curation.errors.SerializationError`) a graph of more than
    :data:`DEFAULT_RDF_MAX_VALUES` values (``EBRAINS_CURATION_RDF_MAX_VALUES``, ``--max-rdf-values``).
    """
    _check_rdf_size(graph, fmt)
    lost = ordered_values(graph)
    if lost:
        nid, key = lost[0]
        more = f" and {len(lost) - 1} more" if len(lost) > 1 else ""
        warnings.warn(
            f"{'Turtle' if fmt == 'turtle' else 'N-Triples'} keeps no order of repeated values: the order of "
            f"{key!r} on {nid}{more} is lost (reading the file back sorts them); write JSON-LD to keep it",
            OrderLostWarning,
            stacklevel=3,
        )
    g = to_rdflib(graph, typed=typed)
    if fmt == "ntriples":
        text = g.serialize(format="nt")
        lines = sorted(line for line in text.splitlines() if line.strip())
        return "\n".join(lines) + ("\n" if lines else "")
    return _turtle(_exact_doubles(g))


#: rdflib builds the whole graph, then its text, in memory: measured (benchmarks/bench_rdf_limit.py)
#: 250,000 values 22 s / 430 MB (N-Triples), 32 s / 355 MB (Turtle); a million 74 s / 1.5 GB, 121 s / 1.3 GB
RDF_MAX_VALUES_ENV = "EBRAINS_CURATION_RDF_MAX_VALUES"
DEFAULT_RDF_MAX_VALUES = 250_000


def _check_rdf_size(graph: MetadataGraph, fmt: str) -> None:
    limit = over_value_limit(graph, RDF_MAX_VALUES_ENV, DEFAULT_RDF_MAX_VALUES)
    if limit is not None:
        name = "Turtle" if fmt == "turtle" else "N-Triples"
        nodes = len(graph.nodes)
        raise SerializationError(
            f"The metadata hold more than {limit:,} values ({nodes:,} node{'' if nodes == 1 else 's'}): "
            f"writing them as {name} is slow and memory-hungry (rdflib holds it all in memory: about "
            f"1.5 GB and 1-2 minutes per million values). Write JSON-LD instead (the same metadata, "
            f"seconds at any size), or raise the limit with --max-rdf-values or {RDF_MAX_VALUES_ENV} "
            "(0 = no limit)"
        )


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


def from_rdflib(g: Any, version: VersionLike = None) -> MetadataGraph:
    """Read an ``rdflib.Graph`` of openMINDS metadata into a :class:`MetadataGraph`.

    Subjects with an ``rdf:type`` become nodes (untyped subjects are a
    :class:`LoadError`); blank nodes of embedded types used once are put back
    inline. Values of multi-valued properties come out sorted.
    """
    import rdflib

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
    guess = None if version else guess_version(items)
    graph = MetadataGraph(get_version(version) if version else guess.version if guess else None)
    graph.version_note = guess.reason if guess and guess.ambiguous else None
    add_document(graph, items, "<rdf>")
    embed_blank_nodes(graph)
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
            number = float(lex)
        except ValueError:
            return {"@value": lex, "@type": dt}
        if number != number or number in (float("inf"), float("-inf")):
            return {"@value": lex, "@type": dt}  # JSON has no NaN/INF: keep the lexical form
        return {"@value": number}
    if dt == _XSD_BOOLEAN and lex in ("true", "false"):
        return {"@value": lex == "true"}
    return {"@value": lex, "@type": dt}


def _sort_key(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("@id", value.get("@value")))
    return str(value)
