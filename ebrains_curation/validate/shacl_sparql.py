"""SPARQL-based constraints (``sh:sparql`` with ``sh:select``) for the ``fast`` SHACL backend.

The query runs in rdflib, as in pySHACL: ``$this`` pre-bound to each focus node, ``$PATH``
replaced by the shape's path. It runs on the triples of the predicates the query names
(a triple pattern can only match those), or on every triple when a predicate is a variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .shacl_store import from_rdflib_term, to_rdflib_term

if TYPE_CHECKING:
    from .shacl_eval import Check, _Run, _Shape, _ShapesIndex

__all__ = ["sparql_check"]

SH = "http://www.w3.org/ns/shacl#"
_THIS = re.compile(r"([\s{}()])[$?]this", flags=re.M)
_PATH = re.compile(r"([\s{}()])[$?]PATH", flags=re.M)
_REFUSED = re.compile(r"[$?](?:shapesGraph|currentShape)\b|\b(?:MINUS|VALUES|SERVICE)\b", re.I)


def sparql_check(sg: _ShapesIndex, shape: _Shape, node: Any) -> Check | None:
    """The check of one ``sh:sparql`` constraint node (None when it is deactivated)."""
    from .shacl_eval import Result, Unsupported, _check

    props = sg.by_s.get(node, {})
    extra = sorted(
        p for p in props if p.startswith(SH) and p not in (SH + "select", SH + "message", SH + "deactivated")
    )
    if extra or len(props.get(SH + "select", [])) != 1:
        raise Unsupported("a SPARQL constraint other than one sh:select (" + ", ".join(extra) + ")")
    deact = props.get(SH + "deactivated")
    if deact and bool(deact[0].toPython()) is True:
        return None
    text = str(props[SH + "select"][0])
    if _REFUSED.search(text):
        raise Unsupported("a SPARQL constraint using $shapesGraph, $currentShape, MINUS, VALUES or SERVICE")
    if shape.path_node is not None:
        text = _PATH.sub(lambda m: m.group(1) + _sparql_path(sg, shape.path_node), text)
    elif _PATH.search(text):
        raise Unsupported("$PATH in a SPARQL constraint of a node shape")
    binds_this = bool(_THIS.search(text))
    from rdflib.plugins.sparql import prepareQuery

    query = prepareQuery(text)
    predicates = _predicates(query.algebra)

    def check(run: _Run, f: Any, values: Any) -> Iterator[Result]:
        graph = run.rdflib_graph(predicates)
        this = to_rdflib_term(f)
        rows = graph.query(query, initBindings={"this": this} if binds_this else {})
        seen: set[Any] = set()
        for row in rows:
            found = row.asdict()
            if found.pop("failure", None) is not None:
                key: Any = True
                t, p, v = None, None, None
            else:
                p, v, t = found.pop("path", None), found.pop("value", None), found.pop("this", None)
                if p is None and v is None and t is None:
                    continue
                key = (t, p, v, tuple(sorted(found.items())))
            if key in seen:
                continue
            seen.add(key)
            if v is None and shape.path_node is None:
                v = this
            focus = from_rdflib_term(t) if t is not None else f
            yield Result(
                focus,
                p if p is not None else shape.path_node,
                from_rdflib_term(v) if v is not None else None,
                shape.node,
            )

    return _check(check)


def _sparql_path(sg: _ShapesIndex, path: Any) -> str:
    from .shacl_eval import Unsupported

    rdflib = sg.rdflib
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>"
    if sg.get(path, "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"):
        return "(" + " / ".join(_sparql_path(sg, x) for x in sg.items(path)) + ")"
    inv = sg.get(path, SH + "inversePath")
    if inv:
        return "^" + _sparql_path(sg, inv[0])
    alt = sg.get(path, SH + "alternativePath")
    if alt:
        return "(" + " | ".join(_sparql_path(sg, x) for x in sg.items(alt[0])) + ")"
    raise Unsupported("a property path in a SPARQL constraint")


def _predicates(algebra: Any) -> frozenset[str] | None:
    """The predicate IRIs of the query's triple patterns; None when one is a variable (any triple)."""
    import rdflib
    from rdflib import paths

    found: set[str] = set()
    anything = False

    def path_iris(p: Any) -> None:
        nonlocal anything
        if isinstance(p, rdflib.URIRef):
            found.add(str(p))
        elif isinstance(p, (paths.SequencePath, paths.AlternativePath)):
            for a in p.args:
                path_iris(a)
        elif isinstance(p, paths.InvPath):
            path_iris(p.arg)
        elif isinstance(p, paths.MulPath):
            path_iris(p.path)
        else:  # a variable, a negated path: any predicate
            anything = True

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 200:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "triples" and isinstance(v, list):
                    for triple in v:
                        path_iris(triple[1])
                else:
                    walk(v, depth + 1)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v, depth + 1)

    walk(algebra)
    return None if anything else frozenset(found)
