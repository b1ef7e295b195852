"""SHACL shapes generated from the validation plan: self-contained, deterministic, one shape per check.

Every check of the plan becomes its own shape, annotated with ``ecv:ruleId`` (and
``ecv:key``, the report key of the property it is about), ``sh:severity`` and an
``sh:message`` that is a complete sentence. The shapes need nothing but the data:

* no helper triples in the data graph: "an instance of one of these types" is ``sh:class``
  for one type and a qualified ``rdf:type`` value in an ``sh:in`` list for several;
* controlled-term membership is data inside the shapes: every library instance IRI, written
  as prefix-tree patterns (``ecv:terms``); its kind is told by its folder (``…/instances/licenses/…``);
* only SHACL Core, plus one SHACL-SPARQL constraint (the ORCID check digit); no
  SHACL-AF, so plain ``pyshacl.validate(data, shacl_graph=shapes)`` runs them.

Every node of the graph is an IRI except the cells of RDF lists (each used once): shapes
are named after their check, helper shapes and lists after a digest of their content.
So two exports are byte-identical and read back isomorphic to the graph in memory.

How the checks map:

* required → ``sh:minCount 1`` unless the node is a *reference* (an IRI whose only triples
  are its types: a typed link stub ``{"@id", "@type"}``); single value / max items →
  ``sh:maxCount``; min items ("when given, at least n") → ``sh:or`` of maxCount 0 / minCount n;
* value kinds → ``sh:nodeKind``/``sh:datatype`` (text = a literal that is not a number or
  boolean);
* links → ``sh:not`` of "an IRI, not a library instance, with a type, none of them allowed"
  (link-target-type), "…without a type" (missing-link-target); library instances →
  "typed, none allowed" or "untyped, a library instance, not of an allowed kind" (term-kind)
  and "untyped, in the library namespace, not a library instance" (unknown-term);
* patterns, formats, lengths, allowed values → ``sh:pattern``/``sh:minLength``/``sh:maxLength``
  on text and IRIs only; the ORCID check digit → a SHACL-SPARQL constraint;
* unknown properties → ``sh:closed``; unknown types → a qualified ``rdf:type`` in the list of
  the version's types; nodes without a type → ``sh:targetSubjectsOf`` every openMINDS property;
* profile rules → node shapes with ``sh:or``/``sh:not`` and qualified value shapes.

pyshacl's cost is per nested shape evaluation and per (even discarded) failing result, so
checks are written as flat as their meaning allows (see ``_common``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..constants import KG_INSTANCE_NS
from ..graph.context import key_rules
from ..schemas import get_registry, get_version
from ..schemas.terms import iter_terms
from .conditions import Req, RPath, Test, one_of_pattern
from .plan import Meta, NodeRule, Plan, PropPlan, StrCheck, TypePlan
from .report import Severity
from .rules import RULES, format_message

__all__ = ["ECV", "ShapeBuilder", "standalone_message"]

ECV = "urn:ebrains-curation:shapes:"
SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# sh:message per rule id for the exported shapes. SHACL engines fill placeholders only in
# SPARQL-based constraints, so these name the type, property and expectation (known when the
# shape is built) and never the offending value, which the result carries as sh:value.
_STANDALONE: dict[str, str] = {
    "missing-type": "This node has no @type, so it cannot be checked against openMINDS.",
    "unknown-type": "This node's @type is not an openMINDS {expected} type.",
    "unknown-property": "{type} has a property (the result path) that it does not have in this "
    "openMINDS version.",
    "required": "{type} needs {property!r}, but it is missing.",
    "single-value": "{type}: {property!r} takes a single value, but has several.",
    "min-items": "{type}: {property!r} needs at least {expected} values when it is given.",
    "max-items": "{type}: {property!r} takes at most {expected} values.",
    "value-kind": "{type}: {property!r} expects {expected}; this value is of another kind.",
    "link-target-type": "{type}: {property!r} links to a node of another type; it must link to {expected}.",
    "embedded-type": "{type}: {property!r} contains an embedded node that is not {expected}.",
    "term-kind": "{type}: {property!r} points to a controlled term of the wrong kind; expected {expected}.",
    "unknown-term": "{type}: {property!r} points into the openMINDS library namespace, "
    "but not to a library instance of this version.",
    "missing-link-target": "{type}: {property!r} links to a node that is not in this graph "
    "(it may exist in the Knowledge Graph).",
    "term-needs-kg": "{type}: {property!r} gives its controlled term as a KG id, which cannot be "
    "checked without the KG.",
    "pattern": "{type}: {property!r} has a value that is not {expected}.",
    "orcid-checksum": "{{?value}} is not a valid ORCID iD: its last character (the ISO 7064 "
    "mod 11-2 check digit) does not match.",
    "email-format": "{type}: {property!r} has a value that is not an e-mail address.",
    "date-format": "{type}: {property!r} has a value that is not {expected}.",
    "iri-format": "{type}: {property!r} has a value that is not a web address (IRI).",
    "min-length": "{type}: {property!r} has a value shorter than {expected} characters.",
    "max-length": "{type}: {property!r} has a value longer than {expected} characters.",
    "not-allowed-value": "{type}: {property!r} has a value that is not allowed here; use one of {expected}.",
}
_VALUE_FIELD = re.compile(r"\{value(![rsa])?\}")


def standalone_message(meta: Meta, type_name: str, version: str) -> str:
    """The sh:message of a shape: the rule's sentence with everything known when the shape is built."""
    template = _STANDALONE.get(meta.rule_id)
    if template is None or meta.template != _builtin_template(meta.rule_id):
        # a profile's own wording: keep it, with the value left to the result's sh:value
        template = _VALUE_FIELD.sub("the value given", meta.template)
    expected = version if meta.rule_id == "unknown-type" else (meta.expected or "")
    return format_message(template, type=type_name, property=meta.key, expected=expected)


def _builtin_template(rule_id: str) -> str | None:
    from .rules import RULES

    r = RULES.get(rule_id)
    return r.message if r else None


class ShapeBuilder:
    """Builds the shapes graph and remembers which shape stands for which :class:`Meta`."""

    def __init__(self, plan: Plan, term_filter: frozenset[str] | None = None):
        import rdflib

        self.rdflib = rdflib
        self.plan = plan
        self.term_filter = term_filter
        self.version = get_version(plan.version)
        self.g = rdflib.Graph()
        self.g.bind("sh", SH)
        self.g.bind("xsd", XSD)
        self.g.bind("ecv", ECV)
        self.g.bind("omv", self.version.vocab)
        self.g.bind("omt", self.version.type_ns)
        self.g.bind("omi", self.version.instance_ns)
        self.meta: dict[Any, tuple[Meta, str | None]] = {}  # shape -> (meta, check kind)
        self.type_of: dict[Any, str] = {}  # shape -> name of the type it checks
        self._names: set[str] = set()
        self.sh = rdflib.Namespace(SH)
        self.ecv = rdflib.Namespace(ECV)
        self.RDF_TYPE = rdflib.RDF.type
        # shapes only used inside other shapes carry this message: pyshacl composes a generic
        # message for every failing nested member otherwise (nested results are discarded)
        self.NESTED = self.lit("This is part of another check.")
        self._common()

    # -- small helpers ----------------------------------------------------------------------------
    def uri(self, iri: str) -> Any:
        return self.rdflib.URIRef(iri)

    def lit(self, value: Any) -> Any:
        return self.rdflib.Literal(value)

    def _digest(self, *parts: str) -> str:
        return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]

    def bn(self, *pairs: tuple[Any, Any]) -> Any:
        """A helper shape named after its content: identical helpers are one node (a digest IRI).

        Objects may be :class:`_Path` values: property paths must be blank nodes (SHACL), so
        they are built, fresh for each shape, only when the shape is new.
        """
        key = sorted(f"{p.n3()} {o.key if isinstance(o, _Path) else o.n3()}" for p, o in pairs)
        node = self.uri(f"{ECV}_{self._digest(*key)}")
        if (node, None, None) not in self.g:
            for p, o in pairs:
                self.g.add((node, p, o.build(self) if isinstance(o, _Path) else o))
        return node

    def shared(self, *pairs: tuple[Any, Any]) -> Any:
        """A constraint-only nested shape (with the nested-shape message)."""
        return self.bn(*pairs, (self.sh.message, self.NESTED))

    def lst(self, items: Iterable[Any], name: str | None = None) -> Any:
        """An RDF list whose head is an IRI (named, or after its content); the other cells are blank."""
        items = list(items)
        if not items:
            return self.rdflib.RDF.nil
        head = (
            self.uri(ECV + name) if name else self.uri(f"{ECV}_list-{self._digest(*(i.n3() for i in items))}")
        )
        if (head, self.rdflib.RDF.first, None) in self.g:
            return head
        RDF = self.rdflib.RDF
        cells = [head, *(self.rdflib.BNode() for _ in items[1:])]
        rests = [*cells[1:], RDF.nil]
        g = self.g
        g.addN((c, RDF.first, i, g) for c, i in zip(cells, items, strict=True))
        g.addN((c, RDF.rest, r, g) for c, r in zip(cells, rests, strict=True))
        return head

    def name(self, base: str) -> Any:
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-")
        candidate, n = base, 1
        while candidate in self._names:
            n += 1
            candidate = f"{base}-{n}"
        self._names.add(candidate)
        return self.uri(ECV + candidate)

    def annotate(self, shape: Any, meta: Meta, kind: str | None, type_name: str) -> None:
        sh = self.sh
        sev = {"error": sh.Violation, "warning": sh.Warning, "info": sh.Info}[meta.severity]
        self.g.add((shape, sh.severity, sev))
        self.g.add((shape, self.ecv.ruleId, self.lit(meta.rule_id)))
        if meta.key and kind != "closed":
            self.g.add((shape, self.ecv.key, self.lit(meta.key)))
        self.g.add((shape, sh.message, self.lit(standalone_message(meta, type_name, self.plan.version))))
        self.meta[shape] = (meta, kind)
        if type_name != "This node":
            self.type_of[shape] = type_name

    # -- reusable value shapes --------------------------------------------------------------------
    # Why the shapes look the way they do (speed): pyshacl evaluates every member of an sh:or for
    # every value node (no short-circuit), builds a full validation result for each failing
    # member, and pays a Shape.validate call for each nested shape. So checks are written as flat
    # as their meaning allows: constraints straight on the property shape (a conjunction costs
    # nothing while it holds), "fails when all of these hold" as one sh:not of a conjunction
    # rather than an sh:or of the opposites.
    def _common(self) -> None:
        sh = self.sh
        xsd = self.rdflib.Namespace(XSD)
        # a literal is text unless it is a well-formed integer, double or boolean
        self.NON_TEXT_DATATYPES = {"integer": xsd.integer, "double": xsd.double, "boolean": xsd.boolean}
        # "not text and not an IRI" = a blank node or a number/boolean literal, as sh:or members
        self.NOT_TEXT_OR_IRI = [
            self.shared((sh.nodeKind, sh.BlankNode)),
            *(self.shared((sh.datatype, d)) for d in self.NON_TEXT_DATATYPES.values()),
        ]
        self.TEXT_OR_IRI = [
            (sh.nodeKind, sh.IRIOrLiteral),
            *((sh["not"], self.shared((sh.datatype, d))) for d in self.NON_TEXT_DATATYPES.values()),
        ]
        ns = re.escape(self.version.instance_ns)
        self.IN_LIBRARY_RE = self.lit("^" + ns)  # the library namespace (controlled terms, ...)
        # "not a library instance": a negated pattern, so that blank nodes (which fail any
        # sh:pattern) pass it: a link to a top-level node with a blank-node id is a blank node
        self.NOT_IN_LIBRARY = (sh["not"], self.shared((sh.pattern, self.IN_LIBRARY_RE)))
        # a controlled term given as a KG id (every record fetched from the KG): term-needs-kg
        self.KG_TERM_RE = self.lit("^" + re.escape(KG_INSTANCE_NS) + "[0-9a-fA-F-]{36}$")
        self.NOT_KG_TERM = (sh["not"], self.shared((sh.pattern, self.KG_TERM_RE)))
        self.coercions = {k: r.coercion for k, r in key_rules(self.plan.version).items()}
        rdf_type = self.uri(RDF_TYPE)
        self.HAS_TYPE = self.shared((sh.path, rdf_type), (sh.minCount, self.lit(1)))
        self.NO_TYPE = self.shared((sh.path, rdf_type), (sh.maxCount, self.lit(0)))
        # a reference: an IRI whose only triples are its types (a typed link stub)
        self.STUB = self.shared(
            (sh.nodeKind, sh.IRI), (sh.closed, self.lit(True)), (sh.ignoredProperties, self.lst([rdf_type]))
        )
        self.ANYTHING = self.shared((self.RDF_TYPE, sh.NodeShape))  # no constraint: every node conforms
        self.NEVER = self.shared((sh["not"], self.ANYTHING))
        self.ALL_TYPES = sorted(t.iri for t in get_registry(self.plan.version))
        self._terms = _terms_by_kind(self.plan.version)
        self._all_terms: Any = None

    def terms_shape(self) -> Any:
        """A shape "is a library instance of the version" (``ecv:terms``): the instance IRIs as patterns.

        The IRIs are written as prefix-tree regular expressions, each of at most
        ``_CHUNK`` characters (``ecv:terms-1`` …, one ``sh:or``). Why not one ``sh:in`` list:
        pyshacl reads an ``sh:in`` list (17,000 cells) again each time it checks a value
        inside ``sh:not``, which made plain pyshacl spend nearly all its time there; a pattern is
        compiled once. Why chunks: Rust engines (pyshacl-turbo, pyrudof) refuse a regular
        expression larger than about 1 MB once compiled.
        """
        if self._all_terms is None:
            iris = sorted(i for ids in self._terms.values() for i in ids)
            if self.term_filter is not None:  # (the engine: only the instances the data links to)
                iris = [i for i in iris if i in self.term_filter]
            sh = self.sh
            chunks = [self.lit(p) for p in _term_patterns(self.version.instance_ns, iris)]
            if not chunks:
                self._all_terms = self.NEVER
            elif len(chunks) == 1:
                self._all_terms = self.named_terms("terms", (sh.pattern, chunks[0]))
            else:
                members = [self.named_terms(f"terms-{n}", (sh.pattern, c)) for n, c in enumerate(chunks, 1)]
                self._all_terms = self.named_terms("terms", (sh["or"], self.lst(members)))
        return self._all_terms

    def named_terms(self, name: str, *pairs: tuple[Any, Any]) -> Any:
        node = self.uri(ECV + name)
        for p, o in pairs:
            self.g.add((node, p, o))
        self.g.add((node, self.sh.message, self.NESTED))
        return node

    def in_terms(self, types: Iterable[str]) -> Any | None:
        """A constraint "in the library folder of one of ``types``" (None when they have no instances).

        Each kind of library instance has folders of its own (``…/instances/licenses/…``), so
        for a library instance (``ecv:terms``) the folder tells its kind: one sh:pattern instead of a
        list per kind.
        """
        ns = self.version.instance_ns
        folders = sorted({i[len(ns) :].split("/", 1)[0] for t in set(types) for i in self._terms.get(t, ())})
        if not folders:
            return None
        pattern = "^" + re.escape(ns) + "(?:" + "|".join(re.escape(f) for f in folders) + ")/"
        return self.shared((self.sh.pattern, self.lit(pattern)))

    _NODE_KINDS = {
        frozenset({"iri"}): "IRI",
        frozenset({"blank"}): "BlankNode",
        frozenset({"literal"}): "Literal",
        frozenset({"iri", "blank"}): "BlankNodeOrIRI",
        frozenset({"iri", "literal"}): "IRIOrLiteral",
        frozenset({"blank", "literal"}): "BlankNodeOrLiteral",
    }

    def value_kind_constraints(self, pp: PropPlan) -> list[tuple[Any, Any]]:
        """The constraints of the value-kind check, as flat as possible.

        Every RDF term falls in exactly one class: IRI, blank node, integer/double/boolean
        literal, or text (any other literal). The check is "the value's class is allowed".
        """
        sh = self.sh
        dts = self.NON_TEXT_DATATYPES
        text = bool(pp.kinds & {"string", "iri", "date", "datetime", "time"})
        nodes = set()
        if pp.kinds & {"iri", "link"}:
            nodes.add("iri")
        if pp.kinds & {"link", "embedded"}:  # (a link to a node with a blank-node id is a blank node)
            nodes.add("blank")
        numbers = (
            ["integer", "double"] if "number" in pp.kinds else ["integer"] if "integer" in pp.kinds else []
        )
        if self.date_coerced(pp):  # a number here is read as (bad) date text: the date check says so
            numbers = list(dts)
        if text:
            pairs: list[tuple[Any, Any]] = [
                (sh["not"], self.shared((sh.datatype, dts[d]))) for d in dts if d not in numbers
            ]
            kinds = frozenset(nodes | {"literal"})
            if kinds in self._NODE_KINDS:
                pairs.insert(0, (sh.nodeKind, sh[self._NODE_KINDS[kinds]]))
            return pairs
        alts = [(sh.datatype, dts[d]) for d in numbers]
        if nodes:
            alts.append((sh.nodeKind, sh[self._NODE_KINDS[frozenset(nodes)]]))
        if not alts:
            return [(sh["in"], self.rdflib.RDF.nil)]  # nothing is allowed
        if len(alts) == 1:
            return alts
        return [(sh["or"], self.lst(self.shared(a) for a in alts))]

    def date_coerced(self, pp: PropPlan) -> bool:
        """Whether our typed context reads this key's values as dates (``xsd:date`` …).

        The typed reading turns a JSON number there into a date literal (an ill-formed one),
        and the native engine reports it as such (date-format); openMINDS's own reading keeps
        the number a number. The shapes check the lexical form of numbers there as text, so
        both readings give the same finding.
        """
        c = self.coercions.get(pp.key)
        return bool(c and c.startswith(XSD)) and bool(
            pp.kinds & {"string", "iri", "date", "datetime", "time"}
        )

    def class_of(self, types: Iterable[str]) -> Any:
        """A shape "has one of ``types`` as rdf:type": sh:class for one, a qualified rdf:type for several.

        (No rdfs:subClassOf is needed: openMINDS types do not inherit from each other.)
        """
        key = sorted(set(types))
        sh = self.sh
        if len(key) == 1:
            return self.shared((sh["class"], self.uri(key[0])))
        value = self.shared((sh["in"], self.lst(self.uri(t) for t in key)))
        typed = self.shared(
            (sh.path, self.uri(RDF_TYPE)),
            (sh.qualifiedValueShape, value),
            (sh.qualifiedMinCount, self.lit(1)),
        )
        return self.shared((sh.property, typed))

    # -- one type ---------------------------------------------------------------------------------
    def add_type(self, tp: TypePlan) -> None:
        _TypeShapes(self, tp).build()

    def graph_level(self) -> None:
        """Shapes for nodes: unknown types and nodes without a type."""
        sh, g = self.sh, self.g
        metas = self.plan.metas
        rdf_type = self.uri(RDF_TYPE)
        if metas.get("unknown-type") is not None:
            s = self.name("NodeTypeKnown")
            g.add((s, self.RDF_TYPE, sh.NodeShape))
            g.add((s, sh.targetSubjectsOf, rdf_type))
            # embedded nodes (blank) are judged by their property's embedded-type check
            known = self.class_of(self.ALL_TYPES)
            g.add((s, sh["or"], self.lst([self.shared((sh.nodeKind, sh.BlankNode)), known])))
            self.annotate(s, metas["unknown-type"], "node-type", "This node")  # type: ignore[arg-type]
        if metas.get("missing-type") is not None:
            s = self.name("NodeTypeGiven")
            g.add((s, self.RDF_TYPE, sh.NodeShape))
            # every node with an openMINDS property (SHACL Core has no "every subject" target)
            props = sorted({p.iri for t in get_registry(self.plan.version) for p in t.properties.values()})
            for p in props:
                g.add((s, sh.targetSubjectsOf, self.uri(p)))
            g.add((s, sh["or"], self.lst([self.shared((sh.nodeKind, sh.BlankNode)), self.HAS_TYPE])))
            self.annotate(s, metas["missing-type"], "node", "This node")  # type: ignore[arg-type]

    # -- profile node rules ---------------------------------------------------------------------
    def path_node(self, path: RPath) -> Any:
        steps = [_Path("inv", (self.uri(st.iri),)) if st.inverse else self.uri(st.iri) for st in path.steps]
        return steps[0] if len(steps) == 1 else _Path("seq", tuple(steps))

    def has_values(self, path: Any, n: int = 1) -> Any:
        sh = self.sh
        return self.shared((sh.property, self.shared((sh.path, path), (sh.minCount, self.lit(n)))))

    def some_match(self, path: Any, pattern: str) -> Any:
        """'At least one text/IRI value along ``path`` matches ``pattern``'."""
        sh = self.sh
        value = self.shared(*self.TEXT_OR_IRI, (sh.pattern, self.lit(pattern)))
        return self.shared(
            (
                sh.property,
                self.shared(
                    (sh.path, path), (sh.qualifiedMinCount, self.lit(1)), (sh.qualifiedValueShape, value)
                ),
            )
        )

    def all_match(self, path: Any, pattern: str, min_count: int = 0) -> Any:
        sh = self.sh
        pairs: list[tuple[Any, Any]] = [
            (sh.path, path),
            (sh["or"], self.lst([*self.NOT_TEXT_OR_IRI, self.shared((sh.pattern, self.lit(pattern)))])),
        ]
        if min_count:
            pairs.append((sh.minCount, self.lit(min_count)))
        return self.shared((sh.property, self.shared(*pairs)))

    def linked(self, from_types: tuple[str, ...], via: tuple[tuple[str, str], ...]) -> Any:
        sh = self.sh
        invs = [_Path("inv", (self.uri(iri),)) for _, iri in via]
        path = invs[0] if len(invs) == 1 else _Path("alt", tuple(invs))
        source = self.class_of(from_types)
        return self.shared(
            (
                sh.property,
                self.shared(
                    (sh.path, path), (sh.qualifiedMinCount, self.lit(1)), (sh.qualifiedValueShape, source)
                ),
            )
        )

    def test_shape(self, t: Test) -> Any:
        if t.kind == "linked":
            return self.linked(t.from_types, t.via)
        assert t.path is not None
        path = self.path_node(t.path)
        if t.values is None:
            return self.has_values(path)
        return self.some_match(path, one_of_pattern(t.values))

    def req_shape(self, r: Req) -> Any:
        sh = self.sh
        if r.kind == "const":
            return self.ANYTHING if r.truth else self.NEVER
        if r.kind == "linked":
            return self.shared(
                (
                    sh["or"],
                    self.lst([self.shared((sh.nodeKind, sh.BlankNode)), self.linked(r.from_types, r.via)]),
                )
            )
        if r.kind in ("any_of", "all_of"):
            return self.shared(
                (
                    sh["or"] if r.kind == "any_of" else sh["and"],
                    self.lst([self.req_shape(a) for a in r.alternatives]),
                )
            )
        assert r.path is not None
        path = self.path_node(r.path)
        if r.kind == "present":
            own = self.has_values(path, r.min_count)
            if r.inherit is None:
                return own
            inv = _Path("inv", (self.uri(r.inherit.via_iri),))
            holder = self.shared(
                (
                    sh["and"],
                    self.lst([self.class_of(r.inherit.from_types), self.has_values(path, r.min_count)]),
                )
            )
            inherited = self.shared(
                (
                    sh.property,
                    self.shared(
                        (sh.path, inv), (sh.qualifiedMinCount, self.lit(1)), (sh.qualifiedValueShape, holder)
                    ),
                )
            )
            return self.shared((sh["or"], self.lst([own, inherited])))
        if r.kind == "absent":
            return self.shared((sh.property, self.shared((sh.path, path), (sh.maxCount, self.lit(0)))))
        if r.kind == "has_value":
            return self.some_match(path, r.pattern or "(?!)")
        return self.all_match(path, r.pattern or "(?!)", 1 if r.kind == "equals" else 0)


class _TypeShapes:
    """The shapes of one type (kept apart from the builder so each function stays short)."""

    def __init__(self, b: ShapeBuilder, tp: TypePlan):
        self.b = b
        self.tp = tp
        self.sh = b.sh
        spec = tp.spec
        ns = b.version.type_ns
        self.local = spec.iri[len(ns) :] if spec.iri.startswith(ns) else spec.name
        self.tclass = b.uri(spec.iri)
        self.type_name = spec.name

    def prop_shape(self, key: str, iri: str, meta: Meta, kind: str | None, *pairs: tuple[Any, Any]) -> Any:
        # each property shape has its own sh:targetClass rather than hanging off a node shape
        # through sh:property: pyshacl then validates it once over all focus nodes
        b, sh = self.b, self.sh
        ps = b.name(f"{self.local}-{key}-{meta.rule_id}")
        b.g.add((ps, b.RDF_TYPE, sh.PropertyShape))
        b.g.add((ps, sh.targetClass, self.tclass))
        b.g.add((ps, sh.path, b.uri(iri)))
        for p, o in pairs:
            b.g.add((ps, p, o))
        b.annotate(ps, meta, kind, self.type_name)
        return ps

    def node_check(self, key: str, meta: Meta, *pairs: tuple[Any, Any]) -> Any:
        b, sh = self.b, self.sh
        ns = b.name(f"{self.local}-{key}-{meta.rule_id}")
        b.g.add((ns, b.RDF_TYPE, sh.NodeShape))
        b.g.add((ns, sh.targetClass, self.tclass))
        for p, o in pairs:
            b.g.add((ns, p, o))
        b.annotate(ns, meta, "node", self.type_name)
        return ns

    def build(self) -> None:
        b, sh, tp = self.b, self.sh, self.tp
        if tp.unknown_property is not None:
            node_shape = b.name(self.local)
            b.g.add((node_shape, b.RDF_TYPE, sh.NodeShape))
            b.g.add((node_shape, sh.targetClass, self.tclass))
            # the known properties are listed as ignored rather than declared through (constraint-free)
            # property shapes, which pyshacl would evaluate on every node for nothing
            b.g.add((node_shape, sh.closed, b.lit(True)))
            known = [b.uri(RDF_TYPE), *sorted(b.uri(pp.iri) for pp in tp.props.values())]
            b.g.add((node_shape, sh.ignoredProperties, b.lst(known)))
            b.annotate(node_shape, tp.unknown_property, "closed", self.type_name)
        for key, meta in tp.required:
            # a reference (typed link stub) is not the node's description: nothing is required of it
            has = b.shared((sh.path, b.uri(meta.iri)), (sh.minCount, b.lit(1)))
            self.node_check(key, meta, (sh["or"], b.lst([b.STUB, has])))
        for pp in tp.props.values():
            self.counts(pp)
            if pp.value_kind is not None:
                self.prop_shape(pp.key, pp.iri, pp.value_kind, None, *b.value_kind_constraints(pp))
            if pp.link_types:
                self.links(pp)
            if pp.embedded_type is not None and pp.embedded_types:
                allowed = b.lst([b.shared((sh.nodeKind, sh.IRIOrLiteral)), b.class_of(pp.embedded_types)])
                self.prop_shape(pp.key, pp.iri, pp.embedded_type, None, (sh["or"], allowed))
            for c in pp.str_checks:
                self.str_check(pp.key, pp.iri, c)
        for nr in tp.node_rules:
            self.node_rule(nr)

    def counts(self, pp: PropPlan) -> None:
        sh, b = self.sh, self.b
        if pp.single is not None:
            self.prop_shape(pp.key, pp.iri, pp.single, None, (sh.maxCount, b.lit(1)))
        if pp.max_items is not None:
            self.prop_shape(pp.key, pp.iri, pp.max_items[1], None, (sh.maxCount, b.lit(pp.max_items[0])))
        if pp.min_items is not None:
            self.min_items(pp.key, pp.iri, pp.min_items[0], pp.min_items[1])
        for lo, hi, mlo, mhi in pp.count_checks:
            if lo is not None and mlo is not None:
                self.min_items(pp.key, pp.iri, lo, mlo)
            if hi is not None and mhi is not None:
                self.prop_shape(pp.key, pp.iri, mhi, None, (sh.maxCount, b.lit(hi)))

    def links(self, pp: PropPlan) -> None:
        """The link checks; each fails for the values that pass all of a few cheap tests.

        A link target may be a blank node (a top-level node with a blank-node id, as
        bids2openminds writes them): RDF cannot tell it from a node described in place.
        """
        sh, b = self.sh, self.b
        typed_wrong = (sh["not"], b.class_of(pp.link_types))
        node = (sh.nodeKind, sh.BlankNodeOrIRI)
        kg_term = self.takes_terms(pp)
        if pp.link_type is not None:  # a node outside the library with types, none of them allowed
            bad = b.shared(node, b.NOT_IN_LIBRARY, (sh.property, b.HAS_TYPE), typed_wrong)
            self.prop_shape(pp.key, pp.iri, pp.link_type, None, (sh["not"], bad))
        if pp.missing_link is not None:  # a node outside the library without a type
            pairs = [node, b.NOT_IN_LIBRARY, (sh.property, b.NO_TYPE)]
            if kg_term:  # (a term given as a KG id: term-needs-kg says it instead)
                pairs.append(b.NOT_KG_TERM)
            self.prop_shape(pp.key, pp.iri, pp.missing_link, None, (sh["not"], b.shared(*pairs)))
        if kg_term and pp.link_types:
            self.term_needs_kg(pp)
        if pp.term_kind is not None:
            # typed in the graph (a KG document, a typed stub): its types decide
            bad = b.shared(
                (sh.nodeKind, sh.IRI), (sh.pattern, b.IN_LIBRARY_RE), (sh.property, b.HAS_TYPE), typed_wrong
            )
            self.prop_shape(pp.key, pp.iri, pp.term_kind, None, (sh["not"], bad))
            # untyped: the library decides (a library instance, but not of an allowed kind)
            allowed = b.in_terms(pp.link_types)
            pairs = [(sh.nodeKind, sh.IRI), (sh.node, b.terms_shape()), (sh.property, b.NO_TYPE)]
            if allowed is not None:
                pairs.append((sh["not"], allowed))
            self.prop_shape(pp.key, pp.iri, pp.term_kind, None, (sh["not"], b.shared(*pairs)))
        if pp.unknown_term is not None:  # untyped, in the library namespace, not a library instance
            bad = b.shared(
                (sh.nodeKind, sh.IRI),
                (sh.pattern, b.IN_LIBRARY_RE),
                (sh.property, b.NO_TYPE),
                (sh["not"], b.terms_shape()),
            )
            self.prop_shape(pp.key, pp.iri, pp.unknown_term, None, (sh["not"], bad))

    def takes_terms(self, pp: PropPlan) -> bool:
        """Whether the property links to controlled terms (whose KG ids cannot be checked offline)."""
        reg = get_registry(self.b.plan.version)
        return any((spec := reg.find(t)) is not None and spec.controlled_term for t in pp.link_types)

    def term_needs_kg(self, pp: PropPlan) -> None:
        """A warning for a term given as a KG id that is not described in the graph (as the engines say)."""
        sh, b = self.sh, self.b
        r = RULES["term-needs-kg"]
        meta = Meta(r.id, Severity(r.severity), r.message, r.hint, None, pp.key, pp.iri)
        bad = b.shared(
            (sh.nodeKind, sh.IRI),
            (sh.pattern, b.KG_TERM_RE),
            (sh.closed, b.lit(True)),  # nothing but its types: a link, not a node of the graph
            (sh.ignoredProperties, b.lst([b.uri(RDF_TYPE)])),
        )
        self.prop_shape(pp.key, pp.iri, meta, None, (sh["not"], bad))

    def min_items(self, key: str, iri: str, n: int, meta: Meta) -> None:
        sh, b = self.sh, self.b
        path = b.uri(iri)
        members = [
            b.shared((sh.path, path), (sh.maxCount, b.lit(0))),
            b.shared((sh.path, path), (sh.minCount, b.lit(n))),
        ]
        self.node_check(key, meta, (sh["or"], b.lst(members)))

    def str_check(self, key: str, iri: str, c: StrCheck) -> None:
        sh, b = self.sh, self.b
        if c.kind == "orcid":
            select = _ORCID_SPARQL.replace("PATTERN", _sparql_string(c.pattern or ""))
            sparql = b.bn((sh.select, b.lit(select)))
            self.prop_shape(key, iri, c.meta, "sparql", (sh.sparql, sparql))
            return
        if c.kind in ("pattern", "format"):
            check = b.shared((sh.pattern, b.lit(c.pattern)))
        elif c.kind == "min-length":
            check = b.shared((sh.minLength, b.lit(c.limit)))
        elif c.kind == "max-length":
            check = b.shared((sh.maxLength, b.lit(c.limit)))
        else:
            check = b.shared((sh.pattern, b.lit(one_of_pattern(c.values or frozenset()))))
        skip = b.NOT_TEXT_OR_IRI[:1] if self.b.date_coerced(self.tp.props[key]) else b.NOT_TEXT_OR_IRI
        self.prop_shape(key, iri, c.meta, None, (sh["or"], b.lst([*skip, check])))

    def node_rule(self, nr: NodeRule) -> None:
        sh, b = self.sh, self.b
        tests = [t for t in nr.tests if not (t.kind == "const" and t.truth)]
        if any(t.kind == "const" and not t.truth for t in tests):
            return  # the condition is false for this context: the rule is off
        if nr.req.kind == "const" and nr.req.truth:
            return
        req = b.req_shape(nr.req)
        # passes for a reference (typed link stub), when a test fails, or when the requirement holds
        members = [b.STUB, *(b.shared((sh["not"], b.test_shape(t))) for t in tests), req]
        self.node_check(nr.meta.key or "node", nr.meta, (sh["or"], b.lst(members)))


_CHUNK = 30_000  # characters of one term pattern (compiled, well under the Rust engines' limits)


def _term_patterns(ns: str, iris: list[str]) -> list[str]:
    """Anchored prefix-tree regular expressions matching exactly ``iris`` (all in ``ns``), in chunks."""
    out: list[str] = []
    group: list[str] = []
    size = 0
    for iri in iris:
        rest = iri[len(ns) :]
        if group and size + len(rest) > _CHUNK:
            out.append(_trie_pattern(ns, group))
            group, size = [], 0
        group.append(rest)
        size += len(rest) + 1
    if group:
        out.append(_trie_pattern(ns, group))
    return out


def _trie_pattern(ns: str, words: list[str]) -> str:
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def rx(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + rx(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        if len(alts) == 1 and "" not in node:
            return alts[0]
        return "(?:" + "|".join(alts) + ")" + ("?" if "" in node else "")

    return "^" + re.escape(ns) + rx(trie) + "$"


@lru_cache(maxsize=8)
def _terms_by_kind(version: str) -> dict[str, list[str]]:
    """Library instance IRIs by kind (type IRI)."""
    out: dict[str, list[str]] = {}
    for inst in iter_terms(version):
        t = getattr(inst, "type_", None)
        if isinstance(t, str):
            out.setdefault(t, []).append(str(inst.id))
    return out


class _Path:
    """A SHACL property path that is a blank node: inverse (``inv``), sequence (``seq``), alternative (``alt``)."""

    key: str

    def __init__(self, kind: str, steps: tuple[Any, ...]):
        self.kind = kind
        self.steps = steps
        inner = " ".join(s.key if isinstance(s, _Path) else s.n3() for s in steps)
        self.key = f"[{kind} {inner}]"

    def build(self, b: ShapeBuilder) -> Any:
        import rdflib

        steps = [s.build(b) if isinstance(s, _Path) else s for s in self.steps]
        if self.kind == "inv":
            node = rdflib.BNode()
            b.g.add((node, b.sh.inversePath, steps[0]))
            return node
        head = _blank_list(b.g, steps)
        if self.kind == "seq":
            return head
        node = rdflib.BNode()
        b.g.add((node, b.sh.alternativePath, head))
        return node


def _blank_list(g: Any, items: list[Any]) -> Any:
    import rdflib

    RDF = rdflib.RDF
    cells = [rdflib.BNode() for _ in items]
    for i, (cell, item) in enumerate(zip(cells, items, strict=True)):
        g.add((cell, RDF.first, item))
        g.add((cell, RDF.rest, cells[i + 1] if i + 1 < len(cells) else RDF.nil))
    return cells[0] if cells else RDF.nil


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ISO 7064 mod 11-2 over the 15 digits of an ORCID iD written https://orcid.org/XXXX-XXXX-XXXX-XXXX
_ORCID_TERMS = " + ".join(f"xsd:integer(SUBSTR(?d, {i + 1}, 1)) * {2 ** (15 - i)}" for i in range(15))
_ORCID_SPARQL = f"""PREFIX xsd: <{XSD}>
SELECT $this ?value WHERE {{
  $this $PATH ?value .
  FILTER (REGEX(STR(?value), PATTERN))
  BIND (REPLACE(STRAFTER(STR(?value), "orcid.org/"), "-", "") AS ?d)
  BIND ({_ORCID_TERMS} AS ?t)
  BIND (?t - 11 * FLOOR(?t / 11) AS ?r)
  BIND ((12 - ?r) - 11 * FLOOR((12 - ?r) / 11) AS ?c)
  FILTER (IF(?c = 10, "X", STR(xsd:integer(?c))) != SUBSTR(?d, 16, 1))
}}"""
