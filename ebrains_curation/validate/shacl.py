"""SHACL shapes generated from the validation plan, and the ``shacl`` engine that runs them with pyshacl.

Every check of the plan becomes its own shape, annotated with ``ecv:ruleId`` (and
``sh:severity``, ``sh:message``), so a pyshacl result maps back to exactly one rule:
``sourceShape`` → rule id, ``focusNode`` → the top-level node and embedded path.

How the checks map (see the module's tests for each):

* required → ``sh:minCount 1``; single value / max items → ``sh:maxCount``; min items
  ("when given, at least n") → ``sh:or ([sh:maxCount 0] [sh:minCount n])`` on a node shape;
* value kinds → ``sh:nodeKind``/``sh:datatype`` (text = a literal that is not a number or
  boolean: ``sh:not`` of those datatypes; ``sh:or`` only where kinds must be combined);
* link targets → ``sh:not`` of "an IRI, not a library instance, with a type, not ``sh:class``
  of the allowed types" (literals, library instances and untyped targets are left to their
  own rules); several allowed types are one generated class ``ecv:AnyOf-…`` that each of
  them is ``rdfs:subClassOf``; library instances get their kind from ``ecv:termType``
  triples the engine adds for the instances a graph links to;
* patterns, formats, lengths, allowed values → ``sh:pattern``/``sh:minLength``/``sh:maxLength``
  (in an ``sh:or`` with "a blank node or a number/boolean literal": only text and IRIs are checked);
  the ORCID check digit → a SHACL-SPARQL constraint;
* unknown properties → ``sh:closed``; unknown types → ``sh:class ecv:OpenMINDSType``
  (every type IRI is declared ``rdfs:subClassOf ecv:OpenMINDSType``); nodes without a type
  → a SPARQL target;
* profile rules → node shapes with ``sh:or``/``sh:not`` and qualified value shapes
  (conditional rules; links from other nodes through ``sh:inversePath``).

Property shapes carry their own ``sh:targetClass`` (not ``sh:property`` of a node shape), and
checks are written as flat as their meaning allows: pyshacl's cost is per nested shape
evaluation and per (even nested, discarded) failing result; see ``_Shapes._common``.

Duplicates inside a list cannot be seen in RDF (they merge into one triple), and nodes
that are not JSON objects cannot be converted: the engine checks those two things on
the JSON with the native code and reports them under its own name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from ..schemas import get_registry, get_version, term_by_iri
from ..schemas.versions import VersionLike
from .conditions import Req, RPath, Test, one_of_pattern
from .native import NativeEngine, split_key
from .plan import Meta, NodeRule, Plan, PropPlan, StrCheck, TypePlan, build_plan
from .profiles import Profile, get_profile
from .report import Issue
from .rules import format_message

__all__ = ["BLANK_NS", "ECV", "run_shacl", "shacl_shapes", "shapes_graph"]

ECV = "urn:ebrains-curation:shapes:"
BLANK_NS = "urn:ebrains-curation:blank:"
SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


class _Shapes:
    """Builds the shapes graph and remembers which shape stands for which :class:`Meta`."""

    def __init__(self, plan: Plan):
        import rdflib
        from rdflib.collection import Collection

        self.rdflib = rdflib
        self.Collection = Collection
        self.plan = plan
        self.g = rdflib.Graph()
        self.g.bind("sh", SH)
        self.g.bind("xsd", XSD)
        self.g.bind("ecv", ECV)
        v = get_version(plan.version)
        self.g.bind("omv", v.vocab)
        self.g.bind("omt", v.type_ns)
        self.meta: dict[Any, tuple[Meta, str | None]] = {}  # shape -> (meta, check kind)
        self.unknown: dict[Any, Meta] = {}  # closed node shape -> unknown-property meta
        self._names: set[str] = set()
        self._lists: dict[tuple[Any, ...], Any] = {}
        self._shared: dict[tuple[Any, ...], Any] = {}
        self.sh = rdflib.Namespace(SH)
        self.ecv = rdflib.Namespace(ECV)
        # Shapes only used inside other shapes (sh:or members, sh:not, ...) carry this message:
        # pyshacl builds a result for every failing member, and without an sh:message it also
        # composes a generic message for it; nested results never reach the report anyway
        self.NESTED = self.lit("part of another check")
        self._common()

    # -- small helpers ----------------------------------------------------------------------------
    def uri(self, iri: str) -> Any:
        return self.rdflib.URIRef(iri)

    def lit(self, value: Any) -> Any:
        return self.rdflib.Literal(value)

    def bn(self, *pairs: tuple[Any, Any]) -> Any:
        node = self.rdflib.BNode()
        for p, o in pairs:
            self.g.add((node, p, o))
        return node

    def lst(self, items: Iterable[Any]) -> Any:
        items = list(items)
        key = tuple(items)
        head = self._lists.get(key)  # identical lists are shared: far fewer triples
        if head is None:
            head = self._lists[key] = self.rdflib.BNode()
            self.Collection(self.g, head, items)
        return head

    def shared(self, *pairs: tuple[Any, Any]) -> Any:
        """A constraint-only blank shape, shared by every use of the same constraints."""
        node = self._shared.get(pairs)
        if node is None:
            node = self._shared[pairs] = self.bn(*pairs, (self.sh.message, self.NESTED))
        return node

    def name(self, base: str) -> Any:
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-")
        candidate, n = base, 1
        while candidate in self._names:
            n += 1
            candidate = f"{base}-{n}"
        self._names.add(candidate)
        return self.uri(ECV + candidate)

    def annotate(self, shape: Any, meta: Meta, kind: str | None = None) -> None:
        sh = self.sh
        sev = {"error": sh.Violation, "warning": sh.Warning, "info": sh.Info}[meta.severity]
        self.g.add((shape, sh.severity, sev))
        self.g.add((shape, self.ecv.ruleId, self.lit(meta.rule_id)))
        self.g.add(
            (
                shape,
                sh.message,
                self.lit(format_message(meta.template, property=meta.key, expected=meta.expected or "")),
            )
        )
        self.meta[shape] = (meta, kind)

    # -- reusable value shapes --------------------------------------------------------------------
    # Why the shapes look the way they do (speed): pyshacl evaluates every member of an sh:or for
    # every value node (no short-circuit), builds a full validation result for each failing
    # member, and pays a Shape.validate call for each nested shape. So checks are written as flat
    # as their meaning allows: constraints straight on the property shape (a conjunction costs
    # nothing while it holds), single-constraint sh:or members, "fails when all of these hold" as
    # one sh:not of a conjunction rather than an sh:or of the opposites, one sh:class over a
    # generated union class rather than an sh:or of classes.
    def _common(self) -> None:
        sh, ecv, g = self.sh, self.ecv, self.g
        xsd = self.rdflib.Namespace(XSD)
        # the literal kinds that are not "text": a literal is text unless it is a well-formed
        # integer, double or boolean (dates count as text, even ill-typed ones)
        self.NON_TEXT_DATATYPES = {"integer": xsd.integer, "double": xsd.double, "boolean": xsd.boolean}
        # "not text and not an IRI" = a blank node or a number/boolean literal, as sh:or members
        self.NOT_TEXT_OR_IRI = [
            self.shared((sh.nodeKind, sh.BlankNode)),
            *(self.shared((sh.datatype, d)) for d in self.NON_TEXT_DATATYPES.values()),
        ]
        # and "text or an IRI" as constraints for one shape (a conjunction, no sh:or)
        self.TEXT_OR_IRI = [
            (sh.nodeKind, sh.IRIOrLiteral),
            *((sh["not"], self.shared((sh.datatype, d))) for d in self.NON_TEXT_DATATYPES.values()),
        ]
        ns = re.escape(get_version(self.plan.version).instance_ns)
        self.IN_LIBRARY_RE = self.lit("^" + ns)  # a library instance (controlled term, ...)
        self.NOT_IN_LIBRARY_RE = self.lit("^(?!" + ns + ")")  # (on IRIs: blank nodes fail any pattern)
        self.HAS_TYPE = ecv.HasType
        g.add((self.HAS_TYPE, sh.path, self.uri(RDF_TYPE)))
        g.add((self.HAS_TYPE, sh.minCount, self.lit(1)))
        self.NO_TYPE = ecv.HasNoType
        g.add((self.NO_TYPE, sh.path, self.uri(RDF_TYPE)))
        g.add((self.NO_TYPE, sh.maxCount, self.lit(0)))
        # the kind of a node: its type, or for a library instance the ecv:termType the engine adds
        self.KIND_PATH = self.bn((sh.alternativePath, self.lst([self.uri(RDF_TYPE), ecv.termType])))
        self.NO_KIND = ecv.HasNoKind
        g.add((self.NO_KIND, sh.path, self.KIND_PATH))
        g.add((self.NO_KIND, sh.maxCount, self.lit(0)))
        self.ANYTHING = ecv.Anything  # an empty shape: every node conforms
        g.add((self.ANYTHING, self.rdflib.RDF.type, sh.NodeShape))
        self.NEVER = ecv.Nothing
        g.add((self.NEVER, sh["not"], self.ANYTHING))
        for helper in (self.HAS_TYPE, self.NO_TYPE, self.NO_KIND, self.ANYTHING, self.NEVER):
            g.add((helper, sh.message, self.NESTED))
        self.OPENMINDS = ecv.OpenMINDSType
        for t in get_registry(self.plan.version):
            g.add((self.uri(t.iri), self.uri(RDFS_SUBCLASS), self.OPENMINDS))
        self._unions: dict[tuple[str, ...], Any] = {}

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
        if "embedded" in pp.kinds:
            nodes.add("blank")
        numbers = (
            ["integer", "double"] if "number" in pp.kinds else ["integer"] if "integer" in pp.kinds else []
        )
        if text:
            # a conjunction on the property shape itself, no sh:or: the allowed node kinds, and
            # not one of the number/boolean datatypes that are not allowed
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
        if len(alts) == 1:  # one alternative: its constraint goes on the property shape itself
            return alts
        return [(sh["or"], self.lst(self.shared(a) for a in alts))]

    def class_of(self, types: Iterable[str]) -> Any:
        """A shape "an instance of one of ``types``": one sh:class, over a generated union class.

        Each type is declared ``rdfs:subClassOf`` the union class (the engine copies these triples
        into the data graph, like the ``ecv:OpenMINDSType`` ones), so one sh:class check replaces
        an sh:or with a member per type.
        """
        key = tuple(sorted(set(types)))
        if len(key) == 1:
            return self.shared((self.sh["class"], self.uri(key[0])))
        cls = self._unions.get(key)
        if cls is None:
            import hashlib

            digest = hashlib.sha1("\n".join(key).encode()).hexdigest()[:12]
            cls = self._unions[key] = self.uri(f"{ECV}AnyOf-{digest}")
            for t in key:
                self.g.add((self.uri(t), self.uri(RDFS_SUBCLASS), cls))
        return self.shared((self.sh["class"], cls))

    def pattern_of(self, values: Iterable[str]) -> str:
        return "^(?:" + "|".join(re.escape(v) for v in sorted(values)) + ")$"

    # -- one type ---------------------------------------------------------------------------------
    def add_type(self, tp: TypePlan) -> None:
        sh, g = self.sh, self.g
        spec = tp.spec
        local = (
            spec.iri[len(get_version(self.plan.version).type_ns) :]
            if spec.iri.startswith(get_version(self.plan.version).type_ns)
            else spec.name
        )
        tclass = self.uri(spec.iri)
        if tp.unknown_property is not None:
            node_shape = self.name(local)
            g.add((node_shape, self.rdflib.RDF.type, sh.NodeShape))
            g.add((node_shape, sh.targetClass, tclass))
            # the known properties are listed as ignored rather than declared through (constraint-free)
            # property shapes, which pyshacl would evaluate on every node for nothing
            g.add((node_shape, sh.closed, self.lit(True)))
            g.add(
                (
                    node_shape,
                    sh.ignoredProperties,
                    self.lst([self.uri(RDF_TYPE), *(self.uri(pp.iri) for pp in tp.props.values())]),
                )
            )
            self.annotate(node_shape, tp.unknown_property, "closed")
            self.unknown[node_shape] = tp.unknown_property
        declared = set()

        def prop_shape(key: str, iri: str, meta: Meta, kind: str | None, *pairs: tuple[Any, Any]) -> Any:
            # each property shape has its own sh:targetClass rather than hanging off the node
            # shape through sh:property: pyshacl then validates it once over all focus nodes,
            # instead of once per focus node (a fixed cost per node, even without values)
            ps = self.name(f"{local}-{key}-{meta.rule_id}")
            g.add((ps, self.rdflib.RDF.type, sh.PropertyShape))
            g.add((ps, sh.targetClass, tclass))
            g.add((ps, sh.path, self.uri(iri)))
            for p, o in pairs:
                g.add((ps, p, o))
            self.annotate(ps, meta, kind)
            declared.add(iri)
            return ps

        def node_check(key: str, meta: Meta, *pairs: tuple[Any, Any]) -> Any:
            ns = self.name(f"{local}-{key}-{meta.rule_id}")
            g.add((ns, self.rdflib.RDF.type, sh.NodeShape))
            g.add((ns, sh.targetClass, tclass))
            for p, o in pairs:
                g.add((ns, p, o))
            self.annotate(ns, meta, "node")
            return ns

        for key, meta in tp.required:
            prop_shape(key, meta.iri, meta, None, (sh.minCount, self.lit(1)))
        for pp in tp.props.values():
            iri, key = pp.iri, pp.key
            if pp.single is not None:
                prop_shape(key, iri, pp.single, None, (sh.maxCount, self.lit(1)))
            if pp.max_items is not None:
                prop_shape(key, iri, pp.max_items[1], None, (sh.maxCount, self.lit(pp.max_items[0])))
            if pp.min_items is not None:
                self._min_items(node_check, key, iri, pp.min_items[0], pp.min_items[1])
            for lo, hi, mlo, mhi in pp.count_checks:
                if lo is not None and mlo is not None:
                    self._min_items(node_check, key, iri, lo, mlo)
                if hi is not None and mhi is not None:
                    prop_shape(key, iri, mhi, None, (sh.maxCount, self.lit(hi)))
            if pp.value_kind is not None:
                prop_shape(key, iri, pp.value_kind, None, *self.value_kind_constraints(pp))
            # The link checks fail for an IRI that passes all of a few cheap tests; written as
            # sh:not of that conjunction (instead of an sh:or of the opposites) a typical link
            # needs fewer nested evaluations, and fewer of them fail (each failure costs a result)
            if pp.link_type is not None and pp.link_types:
                # fails for: an IRI, not a library instance, with a type, not of the allowed types
                prop_shape(
                    key,
                    iri,
                    pp.link_type,
                    None,
                    (
                        sh["not"],
                        self.shared(
                            (sh.nodeKind, sh.IRI),
                            (sh.pattern, self.NOT_IN_LIBRARY_RE),
                            (sh.property, self.HAS_TYPE),
                            (sh["not"], self.class_of(pp.link_types)),
                        ),
                    ),
                )
            if pp.term_kind is not None and pp.link_types:
                # fails for: a library IRI with a kind that is not allowed ("every kind is allowed"
                # holds for an instance without a kind: unknown-term reports those)
                kinds_in = self.shared(
                    (sh.path, self.KIND_PATH), (sh["in"], self.lst(self.uri(t) for t in pp.link_types))
                )
                prop_shape(
                    key,
                    iri,
                    pp.term_kind,
                    None,
                    (
                        sh["not"],
                        self.shared(
                            (sh.nodeKind, sh.IRI), (sh.pattern, self.IN_LIBRARY_RE), (sh["not"], kinds_in)
                        ),
                    ),
                )
            if pp.unknown_term is not None and pp.link_types:
                # fails for: a library IRI without a kind (not a known instance)
                prop_shape(
                    key,
                    iri,
                    pp.unknown_term,
                    None,
                    (
                        sh["not"],
                        self.shared(
                            (sh.nodeKind, sh.IRI),
                            (sh.pattern, self.IN_LIBRARY_RE),
                            (sh.property, self.NO_KIND),
                        ),
                    ),
                )
            if pp.missing_link is not None and pp.link_types:
                # fails for: an IRI, not a library instance, without a type
                prop_shape(
                    key,
                    iri,
                    pp.missing_link,
                    None,
                    (
                        sh["not"],
                        self.shared(
                            (sh.nodeKind, sh.IRI),
                            (sh.pattern, self.NOT_IN_LIBRARY_RE),
                            (sh.property, self.NO_TYPE),
                        ),
                    ),
                )
            if pp.embedded_type is not None and pp.embedded_types:
                prop_shape(
                    key,
                    iri,
                    pp.embedded_type,
                    None,
                    (
                        sh["or"],
                        self.lst(
                            [self.shared((sh.nodeKind, sh.IRIOrLiteral)), self.class_of(pp.embedded_types)]
                        ),
                    ),
                )
            for c in pp.str_checks:
                self._str_check(prop_shape, key, iri, c)
        for nr in tp.node_rules:
            self._node_rule(node_check, nr)

    def _min_items(self, node_check: Any, key: str, iri: str, n: int, meta: Meta) -> None:
        sh = self.sh
        node_check(
            key,
            meta,
            (
                sh["or"],
                self.lst(
                    [
                        self.shared((sh.path, self.uri(iri)), (sh.maxCount, self.lit(0))),
                        self.shared((sh.path, self.uri(iri)), (sh.minCount, self.lit(n))),
                    ]
                ),
            ),
        )

    def _str_check(self, prop_shape: Any, key: str, iri: str, c: StrCheck) -> None:
        sh = self.sh
        if c.kind == "orcid":
            prop_shape(
                key,
                iri,
                c.meta,
                "sparql",
                (
                    sh.sparql,
                    self.bn(
                        (
                            sh.select,
                            self.lit(_ORCID_SPARQL.replace("PATTERN", _sparql_string(c.pattern or ""))),
                        ),
                    ),
                ),
            )
            return
        if c.kind in ("pattern", "format"):
            check = self.shared((sh.pattern, self.lit(c.pattern)))
        elif c.kind == "min-length":
            check = self.shared((sh.minLength, self.lit(c.limit)))
        elif c.kind == "max-length":
            check = self.shared((sh.maxLength, self.lit(c.limit)))
        else:
            check = self.shared((sh.pattern, self.lit(self.pattern_of(c.values or ()))))
        prop_shape(key, iri, c.meta, None, (sh["or"], self.lst([*self.NOT_TEXT_OR_IRI, check])))

    # -- profile node rules ---------------------------------------------------------------------
    def path_node(self, path: RPath) -> Any:
        sh = self.sh
        steps = [
            self.bn((sh.inversePath, self.uri(st.iri))) if st.inverse else self.uri(st.iri)
            for st in path.steps
        ]
        return steps[0] if len(steps) == 1 else self.lst(steps)

    def has_values(self, path: Any, n: int = 1) -> Any:
        return self.bn((self.sh.property, self.bn((self.sh.path, path), (self.sh.minCount, self.lit(n)))))

    def some_match(self, path: Any, pattern: str) -> Any:
        """'At least one text/IRI value along ``path`` matches ``pattern``'."""
        sh = self.sh
        return self.bn(
            (
                sh.property,
                self.bn(
                    (sh.path, path),
                    (sh.qualifiedMinCount, self.lit(1)),
                    (sh.qualifiedValueShape, self.bn(*self.TEXT_OR_IRI, (sh.pattern, self.lit(pattern)))),
                ),
            )
        )

    def all_match(self, path: Any, pattern: str, min_count: int = 0) -> Any:
        sh = self.sh
        pairs: list[tuple[Any, Any]] = [
            (sh.path, path),
            (sh["or"], self.lst([*self.NOT_TEXT_OR_IRI, self.bn((sh.pattern, self.lit(pattern)))])),
        ]
        if min_count:
            pairs.append((sh.minCount, self.lit(min_count)))
        return self.bn((sh.property, self.bn(*pairs)))

    def linked(self, from_types: tuple[str, ...], via: tuple[tuple[str, str], ...]) -> Any:
        sh = self.sh
        invs = [self.bn((sh.inversePath, self.uri(iri))) for _, iri in via]
        path = invs[0] if len(invs) == 1 else self.bn((sh.alternativePath, self.lst(invs)))
        source = self.class_of(from_types)
        return self.bn(
            (
                sh.property,
                self.bn(
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
            return self.bn(
                (sh["or"], self.lst([self.bn((sh.nodeKind, sh.BlankNode)), self.linked(r.from_types, r.via)]))
            )
        if r.kind in ("any_of", "all_of"):
            return self.bn(
                (
                    sh["or"] if r.kind == "any_of" else sh["and"],
                    self.lst(self.req_shape(a) for a in r.alternatives),
                )
            )
        assert r.path is not None
        path = self.path_node(r.path)
        if r.kind == "present":
            own = self.has_values(path, r.min_count)
            if r.inherit is None:
                return own
            inv = self.bn((sh.inversePath, self.uri(r.inherit.via_iri)))
            holder = self.bn(
                (
                    sh["and"],
                    self.lst([self.class_of(r.inherit.from_types), self.has_values(path, r.min_count)]),
                )
            )
            inherited = self.bn(
                (
                    sh.property,
                    self.bn(
                        (sh.path, inv), (sh.qualifiedMinCount, self.lit(1)), (sh.qualifiedValueShape, holder)
                    ),
                )
            )
            return self.bn((sh["or"], self.lst([own, inherited])))
        if r.kind == "absent":
            return self.bn((sh.property, self.bn((sh.path, path), (sh.maxCount, self.lit(0)))))
        if r.kind == "has_value":
            return self.some_match(path, r.pattern or "(?!)")
        return self.all_match(path, r.pattern or "(?!)", 1 if r.kind == "equals" else 0)

    def _node_rule(self, node_check: Any, nr: NodeRule) -> None:
        sh = self.sh
        tests = [t for t in nr.tests if not (t.kind == "const" and t.truth)]
        if any(t.kind == "const" and not t.truth for t in tests):
            return  # the condition is false for this context: the rule is off
        if nr.req.kind == "const" and nr.req.truth:
            return
        req = self.req_shape(nr.req)
        if not tests:
            node_check(nr.meta.key or "node", nr.meta, (sh.node, req))
            return
        node_check(
            nr.meta.key or "node",
            nr.meta,
            (sh["or"], self.lst([self.bn((sh["not"], self.test_shape(t))) for t in tests] + [req])),
        )

    def graph_level(self) -> None:
        """Shapes for nodes: unknown types and nodes without a type."""
        sh, g = self.sh, self.g
        metas = self.plan.metas
        if metas.get("unknown-type") is not None:
            s = self.name("NodeTypeKnown")
            g.add((s, self.rdflib.RDF.type, sh.NodeShape))
            g.add((s, sh.targetSubjectsOf, self.uri(RDF_TYPE)))
            g.add(
                (
                    s,
                    sh["or"],
                    self.lst([self.bn((sh.nodeKind, sh.BlankNode)), self.bn((sh["class"], self.OPENMINDS))]),
                )
            )
            self.annotate(s, metas["unknown-type"], "node-type")  # type: ignore[arg-type]  # checked above
        if metas.get("missing-type") is not None:
            s = self.name("NodeTypeGiven")
            g.add((s, self.rdflib.RDF.type, sh.NodeShape))
            g.add(
                (
                    s,
                    sh.target,
                    self.bn((self.rdflib.RDF.type, sh.SPARQLTarget), (sh.select, self.lit(_UNTYPED_SPARQL))),
                )
            )
            ps = self.name("NodeTypeGiven-type")
            g.add((s, sh.property, ps))
            g.add((ps, sh.path, self.uri(RDF_TYPE)))
            g.add((ps, sh.minCount, self.lit(1)))
            self.annotate(ps, metas["missing-type"], "node")  # type: ignore[arg-type]  # checked above


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# IRI subjects without rdf:type that have a triple other than the subClassOf/termType ones the
# engine adds. The predicates are excluded by a negated property set and the subjects made
# distinct in a subquery *before* the filters: rdflib evaluates FILTER expressions slowly, so
# running them once per subject instead of once per triple makes this target about 4x faster.
_UNTYPED_SPARQL = f"""SELECT ?this WHERE {{
  {{ SELECT DISTINCT ?this WHERE {{ ?this !(a|<{RDFS_SUBCLASS}>|<{ECV}termType>) ?o . }} }}
  FILTER (isIRI(?this))
  FILTER NOT EXISTS {{ ?this a ?t }}
}}"""

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


def _shapes_for(plan: Plan, types: frozenset[str] | None) -> _Shapes:
    """The shapes of a plan (all types, or only ``types``), built once per plan and type set."""
    cache: dict[Any, _Shapes] = plan.__dict__.setdefault("_shape_cache", {})
    b = cache.get(types)
    if b is None:
        b = _Shapes(plan)
        plans = (
            plan.all_type_plans()
            if types is None
            else [p for p in (plan.type_plan(t) for t in sorted(types)) if p]
        )
        for tp in plans:
            b.add_type(tp)
        b.graph_level()
        cache[types] = b
    return b


def shapes_graph(
    version: VersionLike = "v4",
    profile: str | Profile = "openminds",
    types: Iterable[str] | None = None,
    context: dict[str, Any] | None = None,
) -> Any:
    """The shapes as an ``rdflib.Graph`` (all types, or only ``types`` given as type IRIs)."""
    from ..schemas import get_version

    plan = build_plan(get_version(version), get_profile(profile), context)
    return _shapes_for(plan, frozenset(types) if types is not None else None).g


def shacl_shapes(
    version: VersionLike = "v4", profile: str | Profile = "openminds", context: dict[str, Any] | None = None
) -> str:
    """SHACL shapes (Turtle) for every type of ``version`` under ``profile``.

    Use them with pyshacl (``advanced=True`` for the nodes-without-type check). The shapes file
    also declares every openMINDS type ``rdfs:subClassOf ecv:OpenMINDSType`` (and of the
    ``ecv:AnyOf-…`` classes that stand for "one of these types"); pass it as ``ont_graph`` too,
    so the unknown-type and link-target checks can see it. Links to library instances
    (controlled terms) are checked through ``ecv:termType`` triples that
    :func:`~ebrains_curation.validate.validate` adds to the data for the instances a graph uses.
    Duplicates inside JSON lists cannot be seen in RDF and are not part of the shapes.
    """
    from ..schemas import get_version

    v = get_version(version)
    prof = get_profile(profile)
    header = (
        f"# SHACL shapes for openMINDS {v}, validation profile {prof.name!r}, generated by ebrains-curation.\n"
        "# Each shape carries ecv:ruleId, the rule id the native engine reports for the same check.\n"
    )
    notes = build_plan(v, prof, context).profile.notes
    if notes:
        header += "# Profile rules not included (they need another version or a validation context):\n"
        header += "".join(f"#   {n}\n" for n in notes)
    return header + shapes_graph(v, prof, context=context).serialize(format="turtle")


# -- running ----------------------------------------------------------------------------------------
def _rewrite(value: Any, depth: int = 0) -> Any:
    """Make a node JSON safe for RDF conversion: blank ids become IRIs we can map back."""
    if depth > 64:
        return None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k:
                continue
            if k == "@id" and isinstance(v, str) and v.startswith("_:"):
                out[k] = BLANK_NS + v[2:]
            elif k == "@type":
                if (isinstance(v, str) and v) or (
                    isinstance(v, list) and all(isinstance(x, str) and x for x in v)
                ):
                    out[k] = v
            else:
                out[k] = _rewrite(v, depth + 1)
        return out
    if isinstance(value, list):
        from .native import flat_values

        return [_rewrite(v, depth + 1) for v in flat_values(value)]
    if isinstance(value, str) and value.startswith("_:"):
        return BLANK_NS + value[2:]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _rdf_ready(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    t = node.get("@type")
    return t is None or isinstance(t, str) or (isinstance(t, list) and all(isinstance(x, str) for x in t))


def run_shacl(graph: Any, plan: Plan) -> list[Issue]:
    """Run the shapes on the graph with pyshacl and map the results to :class:`Issue` values."""
    from ..graph.model import MetadataGraph

    ctx = _RunContext(graph, plan)
    # checks RDF cannot see, on the JSON, by the same code as the native engine
    issues = NativeEngine(plan, engine_name="shacl", only_json_level=True).run(graph.nodes, graph.sources)
    try:
        import pyshacl
        import rdflib

        from ..graph.rdf import to_rdflib_typed as to_rdflib  # the typed reading the shapes check
    except ImportError as exc:
        return [*issues, ctx.not_run(f"the shacl engine needs pyshacl and rdflib ({exc})")]
    safe = MetadataGraph(plan.version)
    for nid, node in graph.nodes.items():
        if _rdf_ready(node):
            new_id = BLANK_NS + nid[2:] if nid.startswith("_:") else nid
            safe.nodes[new_id] = {**_rewrite(node), "@id": new_id}
    # ill-typed literals ("2024-02-30"^^xsd:date) are what we report; keep rdflib from logging tracebacks
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.CRITICAL)
    try:
        return _run(graph, plan, ctx, issues, safe, to_rdflib, pyshacl, rdflib)
    finally:
        term_log.setLevel(level)


def _run(
    graph: Any,
    plan: Plan,
    ctx: _RunContext,
    issues: list[Issue],
    safe: Any,
    to_rdflib: Any,
    pyshacl: Any,
    rdflib: Any,
) -> list[Issue]:
    try:
        data = to_rdflib(safe)
    except Exception as exc:
        return [
            *issues,
            ctx.not_run(f"the graph could not be converted to RDF ({type(exc).__name__}: {exc})"),
        ]
    _add_library_kinds(data, plan, rdflib)
    types = {str(o) for o in data.objects(None, rdflib.RDF.type)}
    types |= {r.type_iri for r in plan.profile.rules}
    builder = _shapes_for(plan, frozenset(types))
    for s, p, o in builder.g.triples((None, rdflib.URIRef(RDFS_SUBCLASS), None)):
        data.add((s, p, o))
    try:
        _conforms, results, _text = pyshacl.validate(
            data,
            shacl_graph=builder.g,
            advanced=True,
            inference="none",
            allow_warnings=True,
            allow_infos=True,
            abort_on_first=False,
            meta_shacl=False,
            inplace=True,  # the data graph is ours and thrown away: no clone (advanced mode would copy it)
        )
    except Exception as exc:
        return [*issues, ctx.not_run(f"pyshacl failed ({type(exc).__name__}: {exc})")]
    issues.extend(ctx.map_results(results, builder, data))
    return issues


def _add_library_kinds(data: Any, plan: Plan, rdflib: Any) -> None:
    ns = plan.instance_ns
    subjects = set(data.subjects())
    kind = rdflib.URIRef(ECV + "termType")
    for o in set(data.objects()):
        if isinstance(o, rdflib.URIRef) and str(o).startswith(ns) and o not in subjects:
            term = term_by_iri(str(o), plan.version)
            t = getattr(term, "type_", None) if term is not None else None
            if isinstance(t, str):
                data.add((o, kind, rdflib.URIRef(t)))


class _RunContext:
    def __init__(self, graph: Any, plan: Plan):
        self.graph = graph
        self.plan = plan
        self.vocab = plan.vocab

    def not_run(self, why: str) -> Issue:
        meta = self.plan.metas["check-not-run"]
        assert meta is not None
        return Issue(
            rule_id=meta.rule_id,
            severity=meta.severity,
            engine="shacl",
            expected=why,
            message=format_message(meta.template, expected=why),
            hint="Use engine='native'.",
        )

    def key(self, iri: str) -> str:
        return iri[len(self.vocab) :] if iri.startswith(self.vocab) else iri

    def node_id(self, term: Any) -> str:
        s = str(term)
        return "_:" + s[len(BLANK_NS) :] if s.startswith(BLANK_NS) else s

    def map_results(self, results: Any, b: _Shapes, data: Any) -> list[Issue]:
        import rdflib

        sh = rdflib.Namespace(SH)
        parents: dict[Any, tuple[Any, Any]] = {}
        for s, p, o in data:
            if isinstance(o, rdflib.BNode) and p != rdflib.RDF.type:
                parents[o] = (s, p)
        out: list[Issue] = []
        seen: set[Any] = set()
        for r in results.subjects(rdflib.RDF.type, sh.ValidationResult):
            shape = results.value(r, sh.sourceShape)
            entry = b.meta.get(shape)
            if entry is None:
                continue
            meta, kind = entry
            focus = results.value(r, sh.focusNode)
            value = results.value(r, sh.value)
            # walk up from an embedded (blank) node to the top-level node
            prefix: list[str] = []
            prefix_iri: list[str] = []
            node = focus
            hops = 0
            while isinstance(node, rdflib.BNode) and node in parents and hops < 100:
                node, p = parents[node]
                prefix.insert(0, self.key(str(p)))
                prefix_iri.insert(0, str(p))
                hops += 1
            top = self.node_id(node)
            focus_type = data.value(focus, rdflib.RDF.type)
            type_name = str(focus_type).rsplit("/", 1)[-1] if focus_type is not None else None
            if kind == "closed":
                rp = results.value(r, sh.resultPath)
                key, iri = self.key(str(rp)), str(rp)
            else:
                key, iri = meta.key, meta.iri
            if kind == "node-type":
                value = next(
                    (
                        o
                        for o in data.objects(focus, rdflib.RDF.type)
                        if (o, rdflib.URIRef(RDFS_SUBCLASS), b.OPENMINDS) not in data
                    ),
                    value,
                )
            shown = _py(value)
            dedupe = (top, tuple(prefix), key, meta.rule_id, str(shown))
            if dedupe in seen:
                continue
            seen.add(dedupe)
            node = self.graph.nodes.get(top)
            top_type = None
            if isinstance(node, dict):
                t = node.get("@type")
                t = t[0] if isinstance(t, list) and t else t
                top_type = str(t).rsplit("/", 1)[-1] if isinstance(t, str) else None
            path = (*prefix, *split_key(key)) if key else tuple(prefix)
            path_iri = (*prefix_iri, iri) if iri else tuple(prefix_iri)
            fields = dict(
                type=type_name or top_type or "This node",
                property=key,
                value=shown,
                expected=meta.expected or "",
            )
            if meta.rule_id == "unknown-type" or kind == "node-type":
                fields["expected"] = self.plan.version
            out.append(
                Issue(
                    rule_id=meta.rule_id,
                    severity=meta.severity,
                    message=format_message(meta.template, **fields),
                    node_id=top,
                    node_type=top_type,
                    path=path,
                    path_iri=path_iri,
                    value=shown,
                    expected=fields["expected"] or None,
                    hint=format_message(meta.hint, **fields) if meta.hint else None,
                    engine="shacl",
                    source=self.graph.sources.get(top),
                )
            )
        return out


def _py(value: Any) -> Any:
    if value is None:
        return None
    import rdflib

    if isinstance(value, rdflib.Literal):
        v = value.toPython()
        return v if isinstance(v, (str, int, float, bool)) else str(value)
    s = str(value)
    return "_:" + s[len(BLANK_NS) :] if s.startswith(BLANK_NS) else s
