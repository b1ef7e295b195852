"""Light RDF terms and an indexed triple store for the ``fast`` SHACL backend.

Terms are plain Python values, cheap to build and hash: an IRI is a ``str``, a blank node is
a ``str`` starting with ``_:`` (no IRI does: a scheme starts with a letter), a literal is a
:class:`Lit` tuple holding rdflib's *normalised* lexical form (``"9.6E1"^^xsd:double`` reads
``96.0``, as in rdflib), so patterns, lengths and ``sh:in`` see what pyshacl sees.
The store is built straight from the node dicts (:func:`~ebrains_curation.graph.rdf.build_triples`,
the same triples as the rdflib view) without building rdflib terms or a Graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = ["RDF_TYPE", "Lit", "Store", "from_rdflib_term", "literal_facts", "to_rdflib_term"]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD + "string"
_CANONICAL = {
    XSD + "integer": re.compile(r"-?(?:0|[1-9][0-9]*)\Z"),
    XSD + "boolean": re.compile(r"(?:true|false)\Z"),
}


class Lit(NamedTuple):
    """A literal: rdflib's normalised lexical form, datatype IRI (None if plain), language tag."""

    lex: str
    dt: str | None
    lang: str | None


# (ill_typed, python value) of typed literals, as rdflib reads them (what pyshacl's sh:datatype uses)
_FACTS: dict[Lit, tuple[bool, Any]] = {}


def _make_literal(value: Any, lang: str | None = None, datatype: Any = None) -> Lit:
    """A :class:`Lit` as ``rdflib.Literal(value, lang=, datatype=)`` would read (same signature)."""
    lex = str(value)
    dt = str(datatype) if datatype is not None else None
    if lang is None and (dt is None or dt == _XSD_STRING):
        return Lit(lex, dt, None)
    canonical = _CANONICAL.get(dt) if dt else None
    if canonical is not None and canonical.match(lex):
        lit = Lit(lex, dt, None)
        if lit not in _FACTS:
            _FACTS[lit] = (False, int(lex) if dt == XSD + "integer" else lex == "true")
        return lit
    import rdflib

    r = rdflib.Literal(lex, lang=lang, datatype=dt)
    lit = Lit(str(r), str(r.datatype) if r.datatype is not None else None, r.language)
    if lit not in _FACTS:
        if len(_FACTS) > 200_000:  # a cache, not a leak
            _FACTS.clear()
        _FACTS[lit] = (bool(getattr(r, "ill_typed", False)), r.value)
    return lit


def literal_facts(lit: Lit) -> tuple[bool, Any]:
    """(ill-typed?, Python value) of a literal, as rdflib reads it."""
    facts = _FACTS.get(lit)
    if facts is None:
        if lit.dt is None or lit.dt == _XSD_STRING:
            return False, lit.lex
        import rdflib

        r = rdflib.Literal(lit.lex, lang=lit.lang, datatype=lit.dt)
        facts = (bool(getattr(r, "ill_typed", False)), r.value)
    return facts


class _RDF:
    type = RDF_TYPE


class LightTerms:
    """The term maker :func:`~ebrains_curation.graph.rdf.build_triples` takes (rdflib's names)."""

    RDF = _RDF
    URIRef = str

    @staticmethod
    def BNode(label: str) -> str:
        return "_:" + label.removeprefix("_:")

    Literal = staticmethod(_make_literal)


def from_rdflib_term(term: Any) -> Any:
    """The light term of an rdflib term."""
    import rdflib

    if isinstance(term, rdflib.Literal):
        return Lit(str(term), str(term.datatype) if term.datatype is not None else None, term.language)
    if isinstance(term, rdflib.BNode):
        return "_:" + str(term)
    return str(term)


def to_rdflib_term(term: Any) -> Any:
    """The rdflib term of a light term."""
    import rdflib

    if isinstance(term, Lit):
        return rdflib.Literal(term.lex, lang=term.lang, datatype=term.dt)
    if term.startswith("_:"):
        return rdflib.BNode(term[2:])
    return rdflib.URIRef(term)


class Store:
    """Triples indexed by subject and predicate (objects as duplicate-free lists, in insertion order)."""

    def __init__(self, triples: Iterable[tuple[Any, Any, Any]]):
        # lists, not sets: most properties have one value, and a list of one is the smallest thing
        # to build and to walk; the few with several are made duplicate-free afterwards (RDF is a set)
        spo: dict[Any, dict[str, list[Any]]] = {}
        several: list[list[Any]] = []
        for s, p, o in triples:
            props = spo.get(s)
            if props is None:
                spo[s] = {p: [o]}
                continue
            objs = props.get(p)
            if objs is None:
                props[p] = [o]
            else:
                if len(objs) == 1:
                    several.append(objs)
                objs.append(o)
        for objs in several:
            objs[:] = dict.fromkeys(objs)
        self.spo = spo
        self._pos: dict[str, dict[Any, list[Any]]] | None = None
        self._subjects_of: dict[str, list[Any]] | None = None
        self._instances: dict[str, list[Any]] | None = None
        self._supers: dict[str, set[str]] | None = None

    def objects(self, s: Any, p: str) -> Any:
        """The objects of (s, p): a list (an empty tuple when none)."""
        props = self.spo.get(s)
        return props.get(p, ()) if props is not None else ()

    def triples(self) -> Iterable[tuple[Any, str, Any]]:
        for s, props in self.spo.items():
            for p, objs in props.items():
                for o in objs:
                    yield s, p, o

    def subjects_with(self, p: str) -> list[Any]:
        """Every subject having a value for ``p``."""
        if self._subjects_of is None:
            index: dict[str, list[Any]] = {}
            for s, props in self.spo.items():
                for q in props:
                    index.setdefault(q, []).append(s)
            self._subjects_of = index
        return self._subjects_of.get(p, [])

    def subjects(self, p: str, o: Any) -> list[Any]:
        """The subjects of (?, p, o) (an inverse path step)."""
        if self._pos is None:
            pos: dict[str, dict[Any, list[Any]]] = {}
            for s, q, obj in self.triples():
                pos.setdefault(q, {}).setdefault(obj, []).append(s)
            self._pos = pos
        return self._pos.get(p, {}).get(o, [])

    def superclasses(self, cls: str) -> set[str]:
        """``cls`` and every class it is an ``rdfs:subClassOf*`` of, in the data graph."""
        if self._supers is None:
            self._supers = {}
        out = self._supers.get(cls)
        if out is None:
            out, todo = {cls}, [cls]
            while todo:
                for sup in self.objects(todo.pop(), RDFS_SUBCLASS):
                    if isinstance(sup, str) and sup not in out:
                        out.add(sup)
                        todo.append(sup)
            self._supers[cls] = out
        return out

    def instances(self, cls: str) -> list[Any]:
        """The nodes of type ``cls`` or of a subclass of it (SHACL instances in the data graph)."""
        if self._instances is None:
            index: dict[str, list[Any]] = {}
            for s in self.subjects_with(RDF_TYPE):
                for t in self.objects(s, RDF_TYPE):
                    if isinstance(t, str):
                        for c in self.superclasses(t):
                            index.setdefault(c, []).append(s)
            self._instances = index
        return self._instances.get(cls, [])
