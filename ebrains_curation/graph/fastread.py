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

import functools
from collections.abc import Callable
from typing import Any

from .schemafacts import iri_keys_any

__all__ = ["NodeCheck", "graph_is_clean"]

_INF = float("inf")


def graph_is_clean(doc: Any) -> bool:
    """Whether ``doc`` is ``{"@context"?, "@id"?, "@graph": [nodes]}`` with every node in node format."""
    if doc.__class__ is not dict or not set(doc) <= {"@context", "@graph", "@id"}:
        return False
    items = doc.get("@graph")
    if items.__class__ is not list:
        return False
    return NodeCheck()(items)


class NodeCheck:
    """Whether runs of top-level nodes are all in node format (call it on each run as it is parsed).

    The node-format rules as a JSON Schema (:func:`clean_nodes_schema`), run by jsonschema-rs in
    Rust: 0.09-0.13 s for 100,000 Files where the Python walk below takes 0.22 s, as long as
    parsing the file. The schema gives the walk's verdict (a test holds the two together on
    random nodes); a run it refuses or cannot take, or every run where jsonschema-rs is not
    installed, gets the walk's own verdict.
    """

    def __init__(self) -> None:
        self._node_ok = _walker(iri_keys_any())
        self._schema_ok = _schema_validator()
        #: whether every run given to :meth:`run` so far was in node format
        self.clean = True

    def __call__(self, nodes: list[Any]) -> bool:
        """Whether all these nodes are in node format."""
        if self._schema_ok is not None:
            try:
                if self._schema_ok(nodes):
                    return True
            except Exception:
                pass
        return all(map(self._node_ok, nodes))

    def run(self, nodes: list[Any]) -> None:
        """Check one more run of a document's nodes (none after the first that is not clean)."""
        if self.clean:
            self.clean = self(nodes)


#: a top-level or embedded node's property key: not empty, no ":" (a full IRI), no "@" first
_SHORT_KEY = "^[^@:][^:]*$"
#: embedded nodes nested deeper than this are left to the walk, which refuses what it cannot
#: hold on Python's stack as it always did ("nested too deeply"): the schema changes no verdict
SCHEMA_DEPTH = 32


def clean_nodes_schema(iri_keys: frozenset[str], depth: int = SCHEMA_DEPTH) -> dict[str, Any]:
    """The node format as a JSON Schema for a list of top-level nodes (what :func:`_walker` accepts).

    Links are exactly ``{"@id": non-empty text}``; embedded nodes have a type IRI and short keys;
    no null, no list in a list; IRI-valued keys hold text. Floats must be finite (the validator
    refuses infinities itself). Embedded nodes at most ``depth`` levels deep (one definition per
    level: JSON Schema has no depth limit of its own).
    """
    leaf: list[Any] = [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}]
    type_iri = {"type": "string", "pattern": ":"}
    defs: dict[str, Any] = {
        "link": {
            "type": "object",
            "properties": {"@id": {"type": "string", "minLength": 1}},
            "required": ["@id"],
            "additionalProperties": False,
        }
    }
    for level in range(1, depth + 2):  # value{n}: a property value of a node n - 1 levels down
        inner = [{"$ref": f"#/$defs/embedded{level}"}] if level <= depth else []
        defs[f"item{level}"] = {"anyOf": [*leaf, {"$ref": "#/$defs/link"}, *inner]}
        defs[f"value{level}"] = {
            "anyOf": [
                *leaf,
                {"$ref": "#/$defs/link"},
                *inner,
                {"type": "array", "items": {"$ref": f"#/$defs/item{level}"}},
            ]
        }
        defs[f"embedded{level}"] = {
            "type": "object",
            "properties": {"@type": type_iri},
            "required": ["@type"],
            "patternProperties": {_SHORT_KEY: {"$ref": f"#/$defs/value{level + 1}"}},
            "additionalProperties": False,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": defs,
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "@id": {"type": "string", "minLength": 1},
                "@type": type_iri,
                **{key: {"type": "string"} for key in sorted(iri_keys)},
            },
            "required": ["@id", "@type"],
            "patternProperties": {_SHORT_KEY: {"$ref": "#/$defs/value1"}},
            "additionalProperties": False,
        },
    }


@functools.cache
def _schema_validator() -> Callable[[Any], bool] | None:
    try:
        import jsonschema_rs
    except ImportError:  # the walk alone: the same verdicts, slower
        return None
    return jsonschema_rs.Draft202012Validator(clean_nodes_schema(iri_keys_any())).is_valid


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
    refuses goes the general way, which is always right). It judges what the Rust schema refuses (or
    everything, without jsonschema-rs), so it is still dense: keys are judged once per *set* of keys
    (most nodes share a few), and the values most nodes hold (a text, a number, a link) inline.
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
                if not embedded_ok(item):  # an embedded node
                    return False
        return True

    return node_ok
