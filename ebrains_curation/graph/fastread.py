"""The JSON-LD reader's fast lane: is every node of a parsed ``@graph`` in node format already?

Our own compact files and ``openminds``' ``Collection.save`` output are: short keys,
full type IRIs, ``{"@id"}`` links, typed embedded nodes, plain literals. When
:func:`graph_is_clean` says so for a whole document, the reader adopts its nodes as
they are (:func:`~.normalize._add_document` with ``clean_graph``), in one loop,
instead of checking and adding them one call at a time. Anything else gets ``False``
and the general reader takes over with its own checks and messages: this lane changes
speed, never the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .schemafacts import iri_keys_any

__all__ = ["graph_is_clean"]

_INF = float("inf")


def graph_is_clean(doc: Any) -> bool:
    """Whether ``doc`` is ``{"@context"?, "@id"?, "@graph": [nodes]}`` with every node in node format."""
    if doc.__class__ is not dict or not set(doc) <= {"@context", "@graph", "@id"}:
        return False
    items = doc.get("@graph")
    if items.__class__ is not list:
        return False
    node_ok = _walker(iri_keys_any())
    return all(map(node_ok, items))


def _top_shape(keys: tuple[Any, ...], iri_keys: frozenset[str]) -> tuple[str, ...] | None:
    """For a top-level node's keys: the IRI-valued ones (their values must be text), or None if one is refused."""
    iris = []
    for key in keys:
        if key.__class__ is not str or not key or ":" in key:
            return None
        if key[0] == "@":
            if key not in ("@id", "@type"):
                return None  # (a node's own @context, or any other keyword: the general reader)
        elif key in iri_keys:
            iris.append(key)
    return tuple(iris)


def _embedded_shape(keys: tuple[Any, ...]) -> bool:
    """Whether an embedded node's keys are all short property names (and its @type)."""
    return all(
        key.__class__ is str and key and ":" not in key and (key[0] != "@" or key == "@type") for key in keys
    )


def _walker(iri_keys: frozenset[str]) -> Callable[[Any], bool]:
    """The check of one top-level node: whether it is in node format.

    The same verdict as :func:`~.normalize._clean_node` plus the reader's own fast-path conditions (a
    non-empty @id, a type IRI, no @context), with IRI keys of every version (stricter: a node it
    refuses goes the general way, which is always right). Dense on purpose: it runs once per node
    and value of the file. Keys are judged once per *set* of keys (most nodes share a few), and the
    values most nodes hold (a text, a number, a link, one embedded node) are settled inline.
    """
    shapes: dict[tuple[Any, ...], tuple[str, ...] | None] = {}
    emb_shapes: dict[tuple[Any, ...], bool] = {}

    def embedded_ok(v: dict[str, Any]) -> bool:
        t = v.get("@type")
        if t.__class__ is not str or ":" not in t:
            return False
        sk = tuple(v)
        ok = emb_shapes.get(sk)
        if ok is None:
            ok = emb_shapes[sk] = _embedded_shape(sk)
        if not ok:
            return False
        for x in v.values():
            cls = x.__class__
            if cls is str or cls is int:
                continue
            if cls is dict:
                ref = x.get("@id")
                if ref.__class__ is str and ref and len(x) == 1:
                    continue
            if not value_ok(x, cls):
                return False
        return True

    def value_ok(v: Any, cls: type) -> bool:
        if cls is str or cls is int or cls is bool:
            return True
        if cls is dict:
            ref = v.get("@id")
            if ref is None and "@id" not in v:
                return embedded_ok(v)
            return bool(ref.__class__ is str and ref and len(v) == 1)
        if cls is list:
            for item in v:
                c = item.__class__
                if c is list or not value_ok(item, c):
                    return False  # (a list in a list, or null: the general reader)
            return True
        return cls is float and v == v and v not in (_INF, -_INF)

    def node_ok(node: Any) -> bool:
        if node.__class__ is not dict:
            return False
        nid, t = node.get("@id"), node.get("@type")
        if nid.__class__ is not str or not nid or t.__class__ is not str or ":" not in t:
            return False
        sk = tuple(node)
        iris = shapes.get(sk, ())
        if iris == ():
            iris = shapes[sk] = _top_shape(sk, iri_keys)
        if iris is None:
            return False
        for key in iris:
            if node[key].__class__ is not str:
                return False  # {"@id": …} for an IRI-valued key: the general reader makes it a string
        for v in node.values():
            cls = v.__class__
            if cls is str or cls is int:
                continue
            if cls is list:
                items = v
            elif cls is dict:
                items = (v,)
            else:
                if not value_ok(v, cls):
                    return False
                continue
            for item in items:
                c = item.__class__
                if c is str or c is int:
                    continue
                if c is not dict:
                    if c is list or not value_ok(item, c):
                        return False  # (a list in a list, or null: the general reader)
                    continue
                ref = item.get("@id")
                if ref is not None or "@id" in item:
                    if ref.__class__ is str and ref and len(item) == 1:
                        continue  # a link
                    return False
                # an embedded node, checked here rather than by a call (one or two in most nodes)
                et = item.get("@type")
                if et.__class__ is not str or ":" not in et:
                    return False
                sk = tuple(item)
                ok = emb_shapes.get(sk)
                if ok is None:
                    ok = emb_shapes[sk] = _embedded_shape(sk)
                if not ok:
                    return False
                for x in item.values():
                    cx = x.__class__
                    if cx is str or cx is int:
                        continue
                    if cx is dict:
                        r = x.get("@id")
                        if r.__class__ is str and r and len(x) == 1:
                            continue
                    if not value_ok(x, cx):
                        return False
        return True

    return node_ok
