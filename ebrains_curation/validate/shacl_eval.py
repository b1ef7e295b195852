"""The ``fast`` SHACL backend: an evaluator of the SHACL Core constructs, reading any shapes graph.

It reads the SHACL shapes graph (not the validation profile), compiles each shape once into
small Python checks, and runs them over a :class:`~.shacl_store.Store` built straight from the
node dicts. It follows pySHACL's reading where SHACL leaves room (``sh:pattern`` is matched at
the start of the text, ``sh:datatype`` on ill-typed literals, which value a node shape's result
carries), and a test checks that it gives pySHACL's results (focus node, path, source shape,
value) on the fixture corpus and on public openMINDS files.

Implemented: targets (class, implicit class, subjectsOf, objectsOf, node); paths (predicate,
inverse, sequence, alternative); ``sh:class, datatype, nodeKind, in, hasValue, pattern/flags,
minLength, maxLength, minCount, maxCount, not, and, or, xone, node, property, qualifiedValueShape``
(min/max, not disjoint), ``closed/ignoredProperties``, ``deactivated``, and SPARQL-based
constraints (``sh:sparql``/``sh:select``, run by rdflib on the triples of the predicates the
query names). Anything else of the SHACL namespace on a shape raises :class:`Unsupported`:
the engine then reports that its check could not run, never a silent pass.
"""

from __future__ import annotations

import datetime as _datetime
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from .shacl_store import RDF_TYPE, Lit, Store, from_rdflib_term, literal_facts, to_rdflib_term

__all__ = ["Evaluator", "Result", "Unsupported"]

SH = "http://www.w3.org/ns/shacl#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: shape parameters read below; any other term of the SHACL namespace is refused
_PARAMS = {
    SH + n
    for n in [
        "targetClass",
        "targetSubjectsOf",
        "targetObjectsOf",
        "targetNode",
        "path",
        "property",
        "node",
        "not",
        "and",
        "or",
        "xone",
        "class",
        "datatype",
        "nodeKind",
        "in",
        "hasValue",
        "pattern",
        "flags",
        "minLength",
        "maxLength",
        "minCount",
        "maxCount",
        "qualifiedValueShape",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "qualifiedValueShapesDisjoint",
        "closed",
        "ignoredProperties",
        "sparql",
        "deactivated",
        "message",
        "severity",
        "name",
        "description",
        "order",
        "group",
        "defaultValue",
    ]
}
_SHAPE_TYPES = {SH + "NodeShape", SH + "PropertyShape"}
_KINDS = {
    "IRI": "I",
    "BlankNode": "B",
    "Literal": "L",
    "BlankNodeOrIRI": "BI",
    "BlankNodeOrLiteral": "BL",
    "IRIOrLiteral": "IL",
}


class Unsupported(Exception):
    """A SHACL construct the evaluator does not implement (the engine then reports check-not-run)."""


class Result(NamedTuple):
    """One validation result: light focus/value terms; path and shape as nodes of the shapes graph."""

    focus: Any
    path: Any
    value: Any
    shape: Any


Results = Callable[["_Run", Any, Any], Iterator[Result]]
Ok = Callable[["_Run", Any, Any], bool]


class Check(NamedTuple):
    """One constraint: its results for (run, focus, value nodes), and the quick yes/no of the same."""

    results: Results
    ok: Ok
    per_value: bool = False  #: passes when there are no value nodes
    fails: Callable[[_Run, Any], bool] | None = None  #: (per-value checks) whether one value fails
    leaf: bool = False  #: (per-value checks) looks at the value only, never at another shape


def _check(results: Results, ok: Ok | None = None) -> Check:
    return Check(results, ok or (lambda run, f, values: next(results(run, f, values), None) is None))


def _kind(v: Any) -> str:
    if type(v) is Lit:
        return "L"
    return "B" if v.startswith("_:") else "I"


def _text(v: Any) -> str:
    return v.lex if type(v) is Lit else v


def _datatype_ok(v: Any, dt: str) -> bool:
    """pySHACL's sh:datatype test (the literal's datatype, not ill-typed, its value of the right kind)."""
    if type(v) is not Lit:
        return False
    if v.dt == dt:
        ill, value = literal_facts(v)
        return not ill and _value_kind_ok(value, dt)
    if dt == _RDFS + "Literal":
        return True
    if dt == _RDFS + "Datatype":
        return v.dt is not None
    if dt == _XSD + "string":
        return v.dt is None and v.lang is None
    return dt == _RDF + "langString" and bool(v.lang)


def _value_kind_ok(value: Any, dt: str) -> bool:
    kind = _VALUE_KINDS.get(dt)
    return kind is None or isinstance(value, kind)


# pySHACL's test that a literal's value is of its datatype's kind (other datatypes pass)
_VALUE_KINDS: dict[str, Any] = {
    _XSD + "string": (str, bytes),
    _RDF + "langString": (str, bytes),
    _XSD + "integer": int,
    _XSD + "float": float,
    _XSD + "decimal": Decimal,
    _XSD + "boolean": bool,
    _XSD + "date": _datetime.date,
    _XSD + "time": _datetime.time,
    _XSD + "dateTime": _datetime.datetime,
}


class _ShapesIndex:
    """The shapes graph as dicts: node -> predicate IRI -> objects (rdflib terms)."""

    def __init__(self, g: Any):
        import rdflib

        self.rdflib = rdflib
        self.by_s: dict[Any, dict[str, list[Any]]] = {}
        for s, p, o in g:
            self.by_s.setdefault(s, {}).setdefault(str(p), []).append(o)

    def get(self, node: Any, p: str) -> list[Any]:
        return self.by_s.get(node, {}).get(p, [])

    def one(self, node: Any, p: str) -> Any:
        vals = self.get(node, p)
        if len(vals) > 1:
            raise Unsupported(f"several values of sh:{p[len(SH) :]} on one shape")
        return vals[0] if vals else None

    def items(self, head: Any) -> list[Any]:
        out: list[Any] = []
        seen: set[Any] = set()
        while head != self.rdflib.RDF.nil:
            if head in seen or not self.get(head, _RDF + "first"):
                raise Unsupported("a malformed RDF list in the shapes")
            seen.add(head)
            out.append(self.get(head, _RDF + "first")[0])
            rest = self.get(head, _RDF + "rest")
            head = rest[0] if rest else self.rdflib.RDF.nil
        return out

    def shape_nodes(self) -> set[Any]:
        """Every node typed as a shape, with a target or with a path (nested shapes are compiled when met)."""
        out = set()
        for s, props in self.by_s.items():
            if _SHAPE_TYPES & {str(t) for t in props.get(_RDF + "type", [])} or any(
                p in props for p in (SH + "targetClass", SH + "targetSubjectsOf", SH + "targetObjectsOf")
            ):
                out.add(s)
            if SH + "targetNode" in props or SH + "path" in props:
                out.add(s)
        return out


class _Shape:
    __slots__ = (
        "checks",
        "deactivated",
        "idx",
        "node",
        "path",
        "path_node",
        "pred",
        "simple",
        "targets",
        "value_only",
    )

    def __init__(self, idx: int, node: Any):
        self.idx = idx
        self.node = node
        self.path_node: Any = None
        self.path: Callable[[Store, Any], Any] | None = None
        self.checks: list[Check] = []
        self.deactivated = False
        self.targets: list[tuple[str, Any]] = []
        self.value_only = False  #: every check passes when there are no value nodes
        self.pred: str | None = None  #: the path, when it is one predicate
        #: a node shape of per-value checks only: its tests, run without the memo (cheaper than it)
        self.simple: list[Callable[[_Run, Any], bool]] | None = None

    def failures(self, run: _Run, f: Any) -> Iterator[Result]:
        values = self.path(run.store, f) if self.path is not None else (f,)
        for check in self.checks:
            yield from check.results(run, f, values)

    def ok(self, run: _Run, f: Any) -> bool:
        """Whether ``f`` conforms (no result objects built: most checks pass)."""
        values = self.path(run.store, f) if self.path is not None else (f,)
        if not values and self.value_only:
            return True
        for check in self.checks:  # noqa: SIM110 (a loop, not all(): the innermost call)
            if not check.ok(run, f, values):
                return False
        return True


class _Run:
    """One validation run: the data, and the memo of nested shape conformance."""

    def __init__(self, store: Store, n_shapes: int):
        self.store = store
        # whether a node conforms to a shape depends on nothing else: one memo per shape
        self.memo: list[dict[Any, bool]] = [{} for _ in range(n_shapes)]
        self.active: set[tuple[int, Any]] = set()
        self.graphs: dict[Any, Any] = {}

    def conforms(self, shape: _Shape, node: Any) -> bool:
        simple = shape.simple
        if simple is not None:
            for fails in simple:  # noqa: SIM110 (a loop: the innermost call)
                if fails(self, node):
                    return False
            return True
        memo = self.memo[shape.idx]
        ok = memo.get(node)
        if ok is None:
            if shape.deactivated:
                return True
            key = (shape.idx, node)
            if key in self.active:
                raise Unsupported("recursive shapes")
            self.active.add(key)
            try:
                ok = shape.ok(self, node)
            finally:
                self.active.discard(key)
            memo[node] = ok
        return ok

    def rdflib_graph(self, predicates: frozenset[str] | None) -> Any:
        """An rdflib Graph of the triples of ``predicates`` (all triples for None), built once per run."""
        g = self.graphs.get(predicates)
        if g is None:
            import rdflib

            g = self.graphs[predicates] = rdflib.Graph()
            g.addN(
                (to_rdflib_term(s), rdflib.URIRef(p), to_rdflib_term(o), g)
                for s, p, o in self.store.triples()
                if predicates is None or p in predicates
            )
        return g


class Evaluator:
    """A shapes graph compiled once; :meth:`run` validates a :class:`Store` against it."""

    def __init__(self, shapes_graph: Any):
        self.sg = _ShapesIndex(shapes_graph)
        self._shapes: dict[Any, _Shape] = {}
        self.top = [s for s in (self.shape(n) for n in sorted(self.sg.shape_nodes(), key=str)) if s.targets]

    def run(self, store: Store) -> list[Result]:
        """Every validation result of the targeted shapes on ``store`` (Unsupported: a construct we lack)."""
        run = _Run(store, len(self._shapes))
        out: list[Result] = []
        foci: dict[Any, list[Any]] = {}
        spo = store.spo
        for shape in self.top:
            if shape.deactivated:
                continue
            key = tuple(shape.targets)
            if key not in foci:  # many shapes share their targets
                foci[key] = list(dict.fromkeys(_focus_nodes(store, shape.targets)))
            # shape.ok, inlined: this loop runs (shapes x their focus nodes) times
            pred, path, checks, value_only = shape.pred, shape.path, shape.checks, shape.value_only
            values: Any
            for f in foci[key]:
                if pred is not None:
                    props = spo.get(f)
                    values = props.get(pred, ()) if props is not None else ()
                else:
                    values = path(store, f) if path is not None else (f,)
                if not values and value_only:
                    continue
                for check in checks:
                    if not check.ok(run, f, values):
                        out.extend(shape.failures(run, f))
                        break
        return out

    # -- compiling ---------------------------------------------------------------------------------
    def shape(self, node: Any) -> _Shape:
        s = self._shapes.get(node)
        if s is None:
            s = self._shapes[node] = _Shape(len(self._shapes), node)
            self._compile(s)
        return s

    def _compile(self, s: _Shape) -> None:
        sg, node = self.sg, s.node
        props = sg.by_s.get(node, {})
        unknown = sorted(p for p in props if p.startswith(SH) and p not in _PARAMS)
        if unknown:
            raise Unsupported(f"the shapes use {', '.join('sh:' + p[len(SH) :] for p in unknown)}")
        deact = sg.one(node, SH + "deactivated")
        s.deactivated = deact is not None and bool(deact.toPython()) is True
        s.targets = [
            (p[len(SH) :], o) for p in sorted(props) if p.startswith(SH + "target") for o in props[p]
        ]
        types = {str(t) for t in props.get(_RDF + "type", [])}
        if _RDFS + "Class" in types and types & _SHAPE_TYPES:
            s.targets.append(("targetClass", node))
        path = sg.one(node, SH + "path")
        if path is not None:
            s.path_node = path
            s.pred = str(path) if isinstance(path, self.sg.rdflib.URIRef) else None
            s.path = self._path(path)
        _Checks(self, s).build(props)
        s.value_only = all(c.per_value for c in s.checks)
        if s.path is None and not s.deactivated and len(s.checks) <= 3:
            tests = [c.fails for c in s.checks if c.fails is not None and c.leaf]
            if len(tests) == len(s.checks):
                s.simple = tests

    def _path(self, p: Any) -> Callable[[Store, Any], Any]:
        rdflib = self.sg.rdflib
        if isinstance(p, rdflib.URIRef):
            iri = str(p)
            return lambda store, n: store.objects(n, iri)
        if isinstance(p, rdflib.Literal):
            raise Unsupported("a literal as sh:path")
        if self.sg.get(p, _RDF + "first"):
            steps = [self._path(x) for x in self.sg.items(p)]
            return lambda store, n: _sequence(store, n, steps)
        kinds = self.sg.by_s.get(p, {})
        if list(kinds) == [SH + "inversePath"] and isinstance(kinds[SH + "inversePath"][0], rdflib.URIRef):
            iri = str(kinds[SH + "inversePath"][0])
            return lambda store, n: dict.fromkeys(store.subjects(iri, n))
        if list(kinds) == [SH + "alternativePath"]:
            alts = [self._path(x) for x in self.sg.items(kinds[SH + "alternativePath"][0])]
            return lambda store, n: {v: None for a in alts for v in a(store, n)}
        raise Unsupported(f"the property path {sorted(kinds)}")


def _sequence(store: Store, node: Any, steps: list[Callable[[Store, Any], Any]]) -> dict[Any, None]:
    current: dict[Any, None] = {node: None}
    for step in steps:
        current = {v: None for n in current for v in step(store, n)}
    return current


def _focus_nodes(store: Store, targets: list[tuple[str, Any]]) -> Iterator[Any]:
    for kind, arg in targets:
        if kind == "targetClass":
            yield from store.instances(str(arg))
        elif kind == "targetSubjectsOf":
            yield from store.subjects_with(str(arg))
        elif kind == "targetObjectsOf":
            p = str(arg)
            for s in store.subjects_with(p):
                yield from store.objects(s, p)
        elif kind == "targetNode":
            yield from_rdflib_term(arg)
        else:
            raise Unsupported(f"the target sh:{kind}")


class _Checks:
    """Builds the checks of one shape from its parameters."""

    def __init__(self, ev: Evaluator, s: _Shape):
        self.ev, self.s, self.sg = ev, s, ev.sg

    def result(self, f: Any, v: Any) -> Result:
        return Result(f, self.s.path_node, v, self.s.node)

    def per_value(self, fails: Callable[[_Run, Any], bool], leaf: bool = True) -> Check:
        """A check that fails for each value node ``fails`` says so, with the value in the result."""
        result = self.result

        def results(run: _Run, f: Any, values: Any) -> Iterator[Result]:
            for v in values:
                if fails(run, v):
                    yield result(f, v)

        def ok(run: _Run, f: Any, values: Any) -> bool:
            for v in values:  # noqa: SIM110 (a loop: the innermost call)
                if fails(run, v):
                    return False
            return True

        return Check(results, ok, True, fails, leaf)

    def build(self, props: dict[str, list[Any]]) -> None:
        add = self.s.checks.append
        for p, objs in sorted(props.items()):
            name = p[len(SH) :] if p.startswith(SH) else None
            maker = getattr(self, f"c_{name}", None) if name else None
            if maker is None:
                continue
            for o in objs:
                check = maker(o, props)
                if check is not None:
                    add(check)

    # -- value type ------------------------------------------------------------------------------
    def c_class(self, o: Any, _props: Any) -> Check:
        cls = str(o)

        def fails(run: _Run, v: Any) -> bool:
            if type(v) is Lit:
                return True
            store = run.store
            return not any(cls in store.superclasses(t) for t in store.objects(v, RDF_TYPE) if type(t) is str)

        return self.per_value(fails)

    def c_datatype(self, o: Any, _props: Any) -> Check:
        dt = str(o)
        return self.per_value(lambda _run, v: not _datatype_ok(v, dt))

    def c_nodeKind(self, o: Any, _props: Any) -> Check:
        allowed = _KINDS.get(str(o)[len(SH) :])
        if allowed is None:
            raise Unsupported(f"sh:nodeKind {o}")
        return self.per_value(lambda _run, v: _kind(v) not in allowed)

    def c_in(self, o: Any, _props: Any) -> Check:
        members = frozenset(from_rdflib_term(x) for x in self.sg.items(o))
        return self.per_value(lambda _run, v: v not in members)

    def c_hasValue(self, o: Any, _props: Any) -> Check:
        wanted, result = from_rdflib_term(o), self.result

        def check(run: _Run, f: Any, values: Any) -> Iterator[Result]:
            if wanted not in values:
                yield result(f, None)

        return _check(check, lambda run, f, values: wanted in values)

    # -- strings ---------------------------------------------------------------------------------
    def c_pattern(self, o: Any, props: dict[str, list[Any]]) -> Check:
        flags = 0
        given = props.get(SH + "flags")
        if given:
            text = str(given[0]).lower()
            flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
        rx = re.compile(str(o), flags)
        # blank nodes never match (pySHACL); pySHACL matches at the start of the text (re.match)
        return self.per_value(lambda _run, v: _kind(v) == "B" or not rx.match(_text(v)))

    def c_minLength(self, o: Any, _props: Any) -> Check | None:
        n = int(o.toPython())
        if n == 0:
            return None
        return self.per_value(lambda _run, v: _kind(v) == "B" or len(_text(v)) < n)

    def c_maxLength(self, o: Any, _props: Any) -> Check:
        n = int(o.toPython())
        return self.per_value(lambda _run, v: _kind(v) == "B" or len(_text(v)) > n)

    # -- cardinality -----------------------------------------------------------------------------
    def c_minCount(self, o: Any, _props: Any) -> Check:
        return self._count(int(o.toPython()), None)

    def c_maxCount(self, o: Any, _props: Any) -> Check:
        return self._count(None, int(o.toPython()))

    def _count(self, lo: int | None, hi: int | None) -> Check:
        if self.s.path is None:
            raise Unsupported("sh:minCount/sh:maxCount on a node shape")
        result = self.result

        def ok(run: _Run, f: Any, values: Any) -> bool:
            n = len(values)
            return not ((lo is not None and n < lo) or (hi is not None and n > hi))

        def check(run: _Run, f: Any, values: Any) -> Iterator[Result]:
            if not ok(run, f, values):
                yield result(f, None)

        return Check(check, ok)

    # -- logic and nesting -----------------------------------------------------------------------
    def c_not(self, o: Any, _props: Any) -> Check:
        inner = self.ev.shape(o)
        return self.per_value(lambda run, v: run.conforms(inner, v), leaf=False)

    def c_and(self, o: Any, _props: Any) -> Check:
        members = [self.ev.shape(x) for x in self.sg.items(o)]
        return self.per_value(lambda run, v: not all(run.conforms(m, v) for m in members), leaf=False)

    def c_or(self, o: Any, _props: Any) -> Check:
        members = [self.ev.shape(x) for x in self.sg.items(o)]
        return self.per_value(lambda run, v: not any(run.conforms(m, v) for m in members), leaf=False)

    def c_xone(self, o: Any, _props: Any) -> Check:
        members = [self.ev.shape(x) for x in self.sg.items(o)]
        return self.per_value(lambda run, v: sum(run.conforms(m, v) for m in members) != 1, leaf=False)

    def c_node(self, o: Any, _props: Any) -> Check:
        inner = self.ev.shape(o)
        return self.per_value(lambda run, v: not run.conforms(inner, v), leaf=False)

    def c_property(self, o: Any, _props: Any) -> Check:
        inner = self.ev.shape(o)
        if inner.path is None:
            raise Unsupported("sh:property pointing to a shape without sh:path")

        def check(run: _Run, f: Any, values: Any) -> Iterator[Result]:
            if inner.deactivated:
                return
            for v in values:
                yield from inner.failures(run, v)

        def ok(run: _Run, f: Any, values: Any) -> bool:
            return inner.deactivated or all(inner.ok(run, v) for v in values)

        return Check(check, ok)

    def c_qualifiedValueShape(self, o: Any, props: dict[str, list[Any]]) -> Check | None:
        disjoint = props.get(SH + "qualifiedValueShapesDisjoint")
        if disjoint and any(bool(d.toPython()) is True for d in disjoint):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        lo = self.sg.one(self.s.node, SH + "qualifiedMinCount")
        hi = self.sg.one(self.s.node, SH + "qualifiedMaxCount")
        if lo is None and hi is None:
            return None
        mn = int(lo.toPython()) if lo is not None else None
        mx = int(hi.toPython()) if hi is not None else None
        inner, result = self.ev.shape(o), self.result

        def check(run: _Run, f: Any, values: Any) -> Iterator[Result]:
            if not values and (mn is None or mn < 1):
                return
            n = sum(1 for v in values if run.conforms(inner, v))
            if mx is not None and n > mx:
                yield result(f, None)
            if mn is not None and n < mn:
                yield result(f, None)

        return _check(check)

    def c_closed(self, o: Any, props: dict[str, list[Any]]) -> Check | None:
        if not bool(o.toPython()):
            return None
        rdflib = self.sg.rdflib
        allowed = {
            str(path)
            for ps in props.get(SH + "property", [])
            for path in self.sg.get(ps, SH + "path")
            if isinstance(path, rdflib.URIRef)
        }
        for head in props.get(SH + "ignoredProperties", []):
            allowed.update(str(x) for x in self.sg.items(head))
        shape = self.s.node

        def check(run: _Run, f: Any, values: Any) -> Iterator[Result]:
            for v in values:
                for p, objs in run.store.spo.get(v, {}).items():
                    if p not in allowed:
                        path = rdflib.URIRef(p)
                        for obj in objs:
                            yield Result(f, path, obj, shape)

        def ok(run: _Run, f: Any, values: Any) -> bool:
            spo = run.store.spo
            for v in values:
                props = spo.get(v)
                if props is not None and not allowed.issuperset(props):
                    return False
            return True

        return Check(check, ok)

    def c_sparql(self, o: Any, _props: Any) -> Check | None:
        from .shacl_sparql import sparql_check

        return sparql_check(self.sg, self.s, o)
