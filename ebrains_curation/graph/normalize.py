"""Normalise parsed JSON-LD (compact, expanded or mixed) into the graph's node format.

The one place that turns JSON-LD nodes into :class:`MetadataGraph` node dicts:
short keys, ``@type`` as a full IRI, links ``{"@id": …}``, embedded nodes inline,
literals as plain JSON values. The readers (:mod:`.readers`) and the RDF reader
(:mod:`.rdf`) both feed it; it imports neither, so there is no import cycle.
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
from collections.abc import Iterable, Iterator
from typing import Any

from ..constants import KG_META_PREFIXES
from ..errors import LoadError
from ..schemas.versions import VERSIONS, OpenMINDSVersion, get_version
from .context import XSD, context_for, key_rules, version_for_context_url
from .model import MetadataGraph
from .schemafacts import iri_keys

__all__ = ["add_document", "describe", "embed_blank_nodes", "gc_paused", "preview"]

SCHEMA_IDENTIFIER = "http://schema.org/identifier"
_ALLOWED_KEYWORDS = {"@id", "@type", "@context"}


@contextlib.contextmanager
def gc_paused(*, long_lived: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many containers.

    Reading a million nodes creates tens of millions of dicts and lists, none of
    them garbage; each GC pass walks them all, which makes loading superlinear.
    ``long_lived``: what was built is kept (a loaded graph), so it goes straight to the
    oldest generation (``gc.freeze()`` then ``gc.unfreeze()``: a list splice) instead of
    being walked by the young collection the next allocation would start (measured: 15%
    of loading 100,000 Files). Nothing stays frozen, every object can still be collected
    by a full collection; a process that froze objects itself keeps them frozen (skipped).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if long_lived and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _add_document(
    graph: MetadataGraph, doc: Any, source: str, *, kg: bool = False, clean_graph: list[Any] | None = None
) -> None:
    """Add a document's nodes; ``clean_graph``: its @graph list when every node in it is in node format
    already (:mod:`.fastread` says so), so its nodes are adopted as they are."""
    reader = _Reader(graph, source, kg=kg)
    reader.clean_graph = clean_graph
    for raw in reader.top_nodes(doc):
        reader.add_top(raw)


class _Reader:
    """Normalises compact or expanded JSON-LD nodes into the graph's node format."""

    def __init__(self, graph: MetadataGraph, source: str, *, kg: bool = False):
        self.graph = graph
        self.source = source
        self.kg = kg
        self.version = graph.version
        self.vocab = get_version(graph.version).vocab
        self.rules = key_rules(graph.version)
        self._multiple: dict[tuple[Any, str], bool | None] = {}
        self._types: dict[str, str] = {}
        self._kinds: dict[tuple[Any, str], frozenset[str]] = {}
        self._registry: Any = None
        self._iri_key_set: frozenset[str] | None = None
        self.clean_graph: list[Any] | None = None  #: a @graph list whose nodes need no normalising

    # -- document structure -----------------------------------------------------------------------
    def top_nodes(self, doc: Any) -> Iterable[Any]:
        if isinstance(doc, list):
            for item in doc:
                yield from self.top_nodes(item)
            return
        if not isinstance(doc, dict):
            raise LoadError(
                f"expected a JSON object or list of objects, got {_describe(doc)}", source=self.source
            )
        if "@context" in doc and not self._simple_context(doc["@context"]):
            yield from self._expand_with_pyld(doc)
            return
        if "@graph" in doc:
            items = doc["@graph"]
            extra = set(doc) - {"@context", "@graph", "@id"}
            if extra:
                raise LoadError(
                    "a document with @graph can only hold @context and @graph next to it, found "
                    + ", ".join(sorted(map(str, extra))),
                    source=self.source,
                )
            if not isinstance(items, list):
                items = [items]
            if items is self.clean_graph:
                self._adopt(items)
                return
            for item in items:
                if (
                    isinstance(item, dict)
                    and "@context" in item
                    and not self._simple_context(item["@context"])
                ):
                    yield from self._expand_with_pyld(item)
                else:
                    yield item
            return
        yield doc

    def _simple_context(self, ctx: Any) -> bool:
        """True for contexts our direct reader understands: our own, or just an openMINDS @vocab."""
        if ctx is None:
            return True
        if isinstance(ctx, list):
            return all(self._simple_context(c) for c in ctx)
        if isinstance(ctx, str):
            return version_for_context_url(ctx) is not None
        if isinstance(ctx, dict):
            vocab = ctx.get("@vocab")
            if set(ctx) <= {"@vocab", "xsd"} and vocab in {v.vocab for v in VERSIONS.values()}:
                return ctx.get("xsd", XSD) == XSD
            return vocab == self.vocab and any(
                ctx == context_for(v)["@context"]
                for v in (OpenMINDSVersion.V3, OpenMINDSVersion.V4, OpenMINDSVersion.V5)
            )
        return False

    def _expand_with_pyld(self, doc: dict[str, Any]) -> list[Any]:
        from pyld import jsonld

        from .documentloader import pyld_options

        try:
            return jsonld.expand(doc, pyld_options())
        except LoadError as exc:
            raise LoadError(exc.message, source=self.source) from None
        except Exception as exc:
            cause = _root_cause(exc)
            if isinstance(cause, LoadError):
                raise LoadError(cause.message, source=self.source) from None
            msg = str(getattr(exc, "message", "") or exc).splitlines()[0][:200]
            raise LoadError(f"the JSON-LD @context cannot be processed: {msg}", source=self.source) from None

    # -- nodes ------------------------------------------------------------------------------------
    def add_top(self, raw: Any) -> None:
        if (
            type(raw) is dict
            and type(raw.get("@id")) is str
            and type(raw.get("@type")) is str
            and ":" in raw["@type"]
            and _clean_node(raw, self._iri_keys())
        ):
            # fast path: already in node format (our own compact output, or openminds')
            raw.pop("@context", None)
            self.graph.add_node(raw, source=self.source)
            return
        if not isinstance(raw, dict):
            raise LoadError(f"expected a node (a JSON object), got {_describe(raw)}", source=self.source)
        if "@id" in raw and set(raw) <= {"@id", "@context"}:
            return  # a bare reference at top level carries nothing (JSON-LD drops it too)
        if (
            "@type" not in raw
            and isinstance(raw.get("@id"), str)
            and all(k in ("@id", "@context") or (isinstance(k, str) and self._is_meta(k)) for k in raw)
        ):
            # only KG bookkeeping (e.g. returnPayload=false): keep it as meta, no node
            self.graph.meta.setdefault(raw["@id"], {}).update(
                {k: v for k, v in raw.items() if not k.startswith("@")}
            )
            return
        node_id = raw.get("@id")
        if node_id is not None and not isinstance(node_id, str):
            raise LoadError(f"@id must be a string, got {_describe(node_id)}", source=self.source)
        if "@type" not in raw:
            raise LoadError(
                "the node has no @type, so it cannot be read as openMINDS metadata",
                source=self.source,
                node=node_id or _preview(raw),
            )
        self._add_node(raw)

    def _adopt(self, items: list[dict[str, Any]]) -> None:
        """Nodes known to be in node format (with a non-empty @id): into the graph as they are."""
        graph, source = self.graph, self.source
        nodes, sources = graph.nodes, graph.sources
        if not nodes:
            # all at once in C when no @id repeats (a file's usual case; 40 ms a node at a time for 100,000)
            ids = list(map(_get_id, items))
            nodes.update(zip(ids, items, strict=True))
            if len(nodes) == len(ids):
                if source:
                    sources.update(dict.fromkeys(ids, source))
                return
            nodes.clear()  # an @id repeats: add_node decides for each (equal, a stub, or a conflict)
        for raw in items:
            nid = raw["@id"]
            if nid in nodes:  # the same @id again: add_node decides (equal, a stub, or a conflict)
                graph.add_node(raw, source=source)
                continue
            nodes[nid] = raw
            if source:
                sources[nid] = source

    def _add_node(self, raw: dict[str, Any]) -> str:
        node_id = raw.get("@id")
        if node_id is not None and (not isinstance(node_id, str) or not node_id):
            raise LoadError(f"@id must be a non-empty string, got {_describe(node_id)}", source=self.source)
        meta: dict[str, Any] = {}
        node = self._node_body(raw, node_id, meta, embedded=False)
        nid = self.graph.add_node(node, source=self.source)
        if meta:
            self.graph.meta.setdefault(nid, {}).update(meta)
        return nid

    def _node_body(
        self, raw: dict[str, Any], node_id: str | None, meta: dict[str, Any], *, embedded: bool
    ) -> dict:
        out: dict[str, Any] = {}
        type_iri: Any = self._type(raw["@type"], node_id) if "@type" in raw else None
        if node_id is not None:
            out["@id"] = node_id
        for key, value in raw.items():
            if not isinstance(key, str) or not key:
                raise LoadError(
                    "a property name must be a non-empty string", source=self.source, node=node_id
                )
            if key[0] == "@":
                if key == "@type":
                    out["@type"] = type_iri
                elif key not in _ALLOWED_KEYWORDS:
                    raise LoadError(
                        f"the JSON-LD keyword {key} is not used by openMINDS metadata",
                        source=self.source,
                        node=node_id,
                        property=key,
                    )
                continue
            if self._is_meta(key):
                if not embedded:
                    meta[key] = value
                continue
            short = key
            full = False
            if key.startswith(self.vocab):
                rest = key[len(self.vocab) :]
                if rest and "/" not in rest and "#" not in rest:
                    short, full = rest, True
            elif ":" in key:
                full = True
            if value is None:
                continue
            converted = self._value(value, type_iri, short, node_id, full)
            if short in out and out[short] != converted:
                # "givenName" and its full IRI side by side: keeping one would be a silent pick
                raise LoadError(
                    f"the property {short} is given twice (by its short name and by its full IRI) with "
                    f"different values: {_preview(out[short])} and {_preview(converted)}; keep one",
                    source=self.source,
                    node=node_id,
                    property=short,
                )
            out[short] = converted
        if "@type" not in out:
            raise LoadError("an embedded node has no @type", source=self.source, node=node_id)
        return out

    def _type(self, value: Any, node_id: str | None) -> Any:
        if type(value) is str and ":" in value:
            return value
        items = value if isinstance(value, list) else [value]
        out = []
        for t in items:
            if not isinstance(t, str) or not t:
                raise LoadError(
                    f"@type must be a type IRI (a string), got {_describe(t)}",
                    source=self.source,
                    node=node_id,
                    property="@type",
                )
            out.append(self._type_iri(t))
        if not out:
            raise LoadError("@type is empty", source=self.source, node=node_id, property="@type")
        return out[0] if len(out) == 1 else out

    def _type_iri(self, t: str) -> str:
        """Full type IRI; a short name ("DatasetVersion") is looked up in the version's registry."""
        if ":" in t:
            return t
        cached = self._types.get(t)
        if cached is None:
            spec = self._reg().find(t)
            cached = self._types[t] = spec.iri if spec is not None else t
        return cached

    def _is_meta(self, key: str) -> bool:
        return key.startswith(KG_META_PREFIXES) or (self.kg and key == SCHEMA_IDENTIFIER)

    def _iri_keys(self) -> frozenset[str]:
        if self._iri_key_set is None:
            self._iri_key_set = _iri_keys(self.version)
        return self._iri_key_set

    def _reg(self) -> Any:
        if self._registry is None:
            from ..schemas.specs import get_registry

            self._registry = get_registry(self.version)
        return self._registry

    def _prop_info(self, type_iri: Any, key: str) -> tuple[bool | None, frozenset[str]]:
        cache_key = (type_iri if not isinstance(type_iri, list) else tuple(type_iri), key)
        if cache_key not in self._multiple:
            multiple: bool | None = None
            kinds: frozenset[str] = frozenset()
            t = type_iri[0] if isinstance(type_iri, list) and type_iri else type_iri
            if isinstance(t, str):
                spec = self._reg().find(t) if ":" in t else None
                prop = spec.properties.get(key) if spec is not None else None
                if prop is not None:
                    multiple, kinds = prop.multiple, prop.kinds
            self._multiple[cache_key] = multiple
            self._kinds[cache_key] = kinds
        return self._multiple[cache_key], self._kinds[cache_key]

    # -- values -----------------------------------------------------------------------------------
    def _value(self, value: Any, type_iri: Any, key: str, node_id: str | None, full: bool) -> Any:
        t = type(value)
        if t is str or t is int or t is bool or t is float:
            return value
        if t is list:
            items = []
            for item in value:
                if isinstance(item, list):
                    raise self._nested_list(node_id, key)
                if item is None:
                    continue
                items.extend(self._item(item, type_iri, key, node_id))
            if full:
                multiple, _ = self._prop_info(type_iri, key)
                if len(items) == 1 and not multiple:
                    return items[0]
            return items
        items = self._item(value, type_iri, key, node_id)
        if len(items) == 1:
            return items[0]
        return items

    def _nested_list(self, node_id: str | None, key: str) -> LoadError:
        return LoadError(
            "a list inside a list is not valid here", source=self.source, node=node_id, property=key
        )

    def _item(self, item: Any, type_iri: Any, key: str, node_id: str | None) -> list[Any]:
        t = type(item)
        if t is str or t is int or t is bool or t is float:
            return [item]
        if t is not dict:
            raise LoadError(
                f"unexpected value {_describe(item)}", source=self.source, node=node_id, property=key
            )
        if "@value" in item:
            return [self._literal(item, key, node_id)]
        if "@list" in item or "@set" in item:
            inner = item.get("@list", item.get("@set"))
            if len(item) != 1 or (isinstance(inner, dict) and "@list" in inner):
                raise LoadError(
                    "unsupported @list/@set value", source=self.source, node=node_id, property=key
                )
            out = []
            for x in inner if isinstance(inner, list) else [inner]:
                if isinstance(x, list):
                    raise self._nested_list(node_id, key)
                if x is not None:
                    out.extend(self._item(x, type_iri, key, node_id))
            return out
        if "@id" in item:
            ref = item["@id"]
            if not isinstance(ref, str) or not ref:
                raise LoadError(
                    f"a link's @id must be a non-empty string, got {_describe(ref)}",
                    source=self.source,
                    node=node_id,
                    property=key,
                )
            if set(item) <= {"@id", "@type"}:
                if "@type" in item:
                    return [{"@id": ref, "@type": self._type(item["@type"], ref)}]
                _, kinds = self._prop_info(type_iri, key)
                if kinds and "iri" in kinds and not kinds & {"link", "embedded"}:
                    return [ref]  # an IRI-valued property: node format holds the plain IRI string
                return [{"@id": ref}]
            # a linked node written inline: it becomes its own node
            if "@type" not in item:
                raise LoadError(
                    "an inline node has properties but no @type", source=self.source, node=ref, property=key
                )
            self._add_node(item)
            return [{"@id": ref}]
        # an embedded node
        if "@type" not in item:
            raise LoadError(
                "an embedded value has no @type (and no @id or @value): " + _preview(item),
                source=self.source,
                node=node_id,
                property=key,
            )
        meta: dict[str, Any] = {}
        return [self._node_body(item, None, meta, embedded=True)]

    def _literal(self, item: dict[str, Any], key: str, node_id: str | None) -> Any:
        extra = set(item) - {"@value", "@type", "@language", "@direction", "@index"}
        if extra:
            raise LoadError(
                f"a @value object cannot also hold {', '.join(sorted(map(str, extra)))}",
                source=self.source,
                node=node_id,
                property=key,
            )
        v = item["@value"]
        if v is None or isinstance(v, (dict, list)):
            raise LoadError(
                f"@value must be a plain value, got {_describe(v)}",
                source=self.source,
                node=node_id,
                property=key,
            )
        dtype = item.get("@type")
        if dtype is not None and not isinstance(dtype, str):
            raise LoadError(
                "the @type of a value must be a datatype IRI", source=self.source, node=node_id, property=key
            )
        if set(item) == {"@value"}:
            return v
        if set(item) == {"@value", "@type"}:
            assert isinstance(dtype, str)  # the key set says so
            full_dtype = XSD + dtype[4:] if dtype.startswith("xsd:") else dtype
            rule = self.rules.get(key)
            if rule is not None and rule.coercion == full_dtype and isinstance(v, str):
                return v
            return {"@value": v, "@type": full_dtype}
        return dict(item)


def _clean_value(value: Any) -> bool:
    t = type(value)
    if t is str or t is int or t is bool:
        return True
    if t is dict:
        if "@id" in value:
            return len(value) == 1 and type(value["@id"]) is str and bool(value["@id"])
        return _clean_embedded(value)
    if t is list:
        for item in value:
            ti = type(item)
            if ti is str or ti is int or ti is bool:
                continue
            if ti is dict:
                if "@id" in item:
                    if len(item) != 1 or type(item["@id"]) is not str or not item["@id"]:
                        return False
                elif not _clean_embedded(item):
                    return False
            elif ti is not float or item != item or item in (_INF, -_INF):
                return False
        return True
    return t is float and value == value and value not in (_INF, -_INF)


def _clean_embedded(value: dict[str, Any]) -> bool:
    t = value.get("@type")
    if type(t) is not str or ":" not in t:
        return False
    for key, v in value.items():
        if ":" in key or not key or (key[0] == "@" and key != "@type"):
            return False
        if key != "@type" and not _clean_value(v):
            return False
    return True


def _clean_node(node: dict[str, Any], iri_keys: frozenset[str]) -> bool:
    """True if a node needs no normalisation: short keys, links, typed embedded nodes, plain literals.

    An object under a key that holds IRIs in some type (``{"@id": …}`` for a
    homepage) goes the slow way, which turns it into the plain IRI string.
    """
    for key, v in node.items():
        if ":" in key or not key:
            return False
        if key[0] == "@":
            if key == "@context" or key == "@id" or key == "@type":
                continue
            return False
        if key in iri_keys and not isinstance(v, str):
            return False
        if not _clean_value(v):
            return False
    return True


def _iri_keys(version: OpenMINDSVersion) -> frozenset[str]:
    """Keys that hold IRI literals (not links) in at least one type of the version."""
    return iri_keys(version)  # shipped data: no schema registry is built to read a file


_INF = float("inf")
_get_id = operator.itemgetter("@id")
_is_blank = operator.methodcaller("startswith", "_:")


def _embed_blank_nodes(graph: MetadataGraph) -> None:
    """Put blank nodes of embedded types that are referenced exactly once back inline.

    Flattened JSON-LD and RDF give embedded nodes (Hash, QuantitativeValue …) their
    own blank @id; openMINDS holds them inline in the node that uses them.
    """
    candidates = list(filter(_is_blank, graph.nodes))  # (in C: this runs on every file read)
    if not candidates:
        return
    from ..schemas.specs import get_registry

    reg = get_registry(graph.version)
    embedded = set()
    for nid in candidates:
        t = graph.nodes[nid].get("@type")
        spec = reg.find(t) if isinstance(t, str) else None
        if spec is not None and spec.embedded:
            embedded.add(nid)
    if not embedded:
        return
    refs: dict[str, list[tuple[Any, Any]]] = {}

    def scan(container: Any, slot: Any, value: Any) -> None:
        if isinstance(value, list):
            for i, v in enumerate(value):
                scan(value, i, v)
        elif isinstance(value, dict):
            if "@id" in value and len(value) <= 2 and set(value) <= {"@id", "@type"}:
                if value["@id"] in embedded:
                    refs.setdefault(value["@id"], []).append((container, slot))
                return
            for k, v in value.items():
                if not k.startswith("@"):
                    scan(value, k, v)

    for node in graph.nodes.values():
        for k, v in node.items():
            if not k.startswith("@"):
                scan(node, k, v)
    # inline in a stable order; an embedded node may itself hold embedded blank nodes
    for nid in sorted(embedded):
        places = refs.get(nid, [])
        if len(places) != 1 or nid not in graph.nodes:
            continue
        container, slot = places[0]
        body = {k: v for k, v in graph.nodes[nid].items() if k != "@id"}
        container[slot] = body
        graph.remove(nid)


def _root_cause(exc: BaseException) -> BaseException:
    seen = 0
    while seen < 10:
        nxt = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
        if nxt is None:
            return exc
        exc = nxt
        seen += 1
    return exc


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value[:60]!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object " + _preview(value)
    return type(value).__name__


def _preview(value: Any) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# public names for the sibling modules
add_document = _add_document
embed_blank_nodes = _embed_blank_nodes
describe = _describe
preview = _preview
