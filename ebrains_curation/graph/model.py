"""The metadata graph: openMINDS nodes by @id, with links and reverse links.

Each node is held as a *compact JSON-LD node dict* of the graph's openMINDS
version, the same shape the ``openminds`` package writes::

    {"@id": "https://kg.example/ds1", "@type": "https://openminds.om-i.org/types/DatasetVersion",
     "shortName": "demo", "license": {"@id": "https://openminds.om-i.org/instances/licenses/CC-BY-4.0"},
     "author": [{"@id": "_:person-1"}],
     "otherContribution": [{"@type": ".../Contribution", "contributor": {"@id": "..."}, ...}]}

* keys are the version's short property keys; a key the version does not know
  is kept as it came (a full IRI, or a short key that the validator will report);
* a link is ``{"@id": ...}``; an embedded node is an inline dict with ``@type`` and no ``@id``;
* literals are JSON values (dates as ISO strings).

KG bookkeeping fields (``https://core.kg.ebrains.eu/vocab/meta/...``) never enter a
node: they are kept apart in :attr:`MetadataGraph.meta`.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import LoadError, SchemaError
from ..schemas import get_registry, get_version, term_by_iri
from ..schemas.versions import OpenMINDSVersion, VersionLike

__all__ = ["MetadataGraph", "Node", "is_embedded", "is_link", "iter_values"]

Node = dict[str, Any]


def is_link(value: Any) -> bool:
    """True for a JSON-LD reference ``{"@id": ...}`` (possibly with a @type hint and nothing else)."""
    return isinstance(value, dict) and "@id" in value and set(value) <= {"@id", "@type"}


def is_embedded(value: Any) -> bool:
    """True for an inline node without its own @id (an openMINDS embedded node)."""
    return isinstance(value, dict) and "@id" not in value and "@value" not in value


def iter_values(value: Any) -> Iterator[Any]:
    """Iterate a property value: the items of a list, or the single value."""
    if isinstance(value, list):
        yield from value
    elif value is not None:
        yield value


def _literal(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if type(value).__name__ == "IRI" and type(value).__module__ == "openminds.base":
        return value.value
    return value


class MetadataGraph:
    """A set of openMINDS nodes keyed by @id, in one openMINDS version.

    Build one from openminds objects (:meth:`add`), node dicts (:meth:`add_node`)
    or any of the readers in :mod:`ebrains_curation.graph` (``load_jsonld`` …).
    Iterating yields node dicts in insertion order.
    """

    def __init__(self, version: VersionLike = None, nodes: Iterable[Node] = ()):
        self._version = get_version(version)
        self.nodes: dict[str, Node] = {}
        #: KG meta fields per @id (revision, space, createdAt…): kept apart from the metadata
        self.meta: dict[str, dict[str, Any]] = {}
        #: where each node came from (file name), for error messages and reports
        self.sources: dict[str, str] = {}
        #: set by the readers when the version was assumed, not recognised (v4 and v5 look alike)
        self.version_note: str | None = None
        self._blank_counter = 0
        self._obj_ids: dict[int, str] = {}
        for n in nodes:
            self.add_node(n)

    # -- container protocol -----------------------------------------------------------------------

    @property
    def version(self) -> OpenMINDSVersion:
        """The graph's openMINDS version (set it with any spelling: "v5", "5", a member)."""
        return self._version

    @version.setter
    def version(self, value: VersionLike) -> None:
        self._version = get_version(value)

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __getitem__(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise KeyError(f"no node {node_id!r} in this graph") from None

    def get(self, node_id: str, default: Node | None = None) -> Node | None:
        """The node with this @id, or ``default``."""
        return self.nodes.get(node_id, default)

    def __repr__(self) -> str:
        return f"<MetadataGraph openMINDS {self.version}: {len(self.nodes)} nodes>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MetadataGraph):
            return NotImplemented
        return self.version == other.version and self.nodes == other.nodes

    def copy(self) -> MetadataGraph:
        """A deep copy (nodes, meta and sources)."""
        g = MetadataGraph(self.version)
        g.nodes = copy.deepcopy(self.nodes)
        g.meta = copy.deepcopy(self.meta)
        g.sources = dict(self.sources)
        g.version_note = self.version_note
        g._blank_counter = self._blank_counter
        return g

    # -- types ------------------------------------------------------------------------------------
    @property
    def vocab(self) -> str:
        """The property namespace of the graph's version."""
        return self.version.vocab

    def type_name(self, node: Node) -> str:
        """Short type name of a node ("DatasetVersion"), from its @type IRI."""
        t = node.get("@type")
        if isinstance(t, list):
            t = t[0] if t else ""
        return str(t or "").rsplit("/", 1)[-1]

    def of_type(self, type_: str) -> list[Node]:
        """All nodes of a type, given by short name or type IRI."""
        spec = get_registry(self.version).find(type_)
        iri = spec.iri if spec else type_
        out = []
        for n in self.nodes.values():
            t = n.get("@type")
            if t == iri or (isinstance(t, list) and iri in t):
                out.append(n)
        return out

    def types(self) -> dict[str, int]:
        """Count of nodes per short type name."""
        counts: dict[str, int] = {}
        for n in self.nodes.values():
            name = self.type_name(n)
            counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))

    # -- adding -----------------------------------------------------------------------------------
    def new_blank_id(self) -> str:
        """A fresh blank-node id ``_:nN`` not used in the graph."""
        while True:
            self._blank_counter += 1
            candidate = f"_:n{self._blank_counter}"
            if candidate not in self.nodes:
                return candidate

    def add_node(self, node: Node, *, source: str | None = None, replace: bool = False) -> str:
        """Add one node dict (compact, short keys). Returns its @id.

        A node without @id gets a blank id. Adding a node whose @id is already
        present is a no-op when the content is equal, and a :class:`LoadError`
        when it conflicts (unless ``replace=True``).
        """
        if not isinstance(node, dict):
            raise LoadError(f"expected a JSON object for a node, got {type(node).__name__}", source=source)
        node_id = node.get("@id")
        if node_id is None:
            node = {"@id": self.new_blank_id(), **node}
            node_id = node["@id"]
        if not isinstance(node_id, str) or not node_id:
            raise LoadError(f"@id must be a non-empty string, got {node_id!r}", source=source)
        existing = self.nodes.get(node_id)
        if existing is not None and not replace and existing != node:
            if _types_differ(existing, node):
                raise LoadError(
                    f"two nodes share this @id with different types: {existing.get('@type')} and "
                    f"{node.get('@type')}; give them different @ids, or one @type",
                    source=source or self.sources.get(node_id),
                    node=node_id,
                )
            if _is_stub(node):
                return node_id
            if not _is_stub(existing):
                raise LoadError(
                    "two different nodes share this @id: " + _first_difference(existing, node),
                    source=source or self.sources.get(node_id),
                    node=node_id,
                )
        self.nodes[node_id] = node
        if source:
            self.sources[node_id] = source
        return node_id

    def add(self, *objects: Any, with_terms: bool = False) -> list[str]:
        """Add openminds objects (whole trees) or node dicts; returns the @ids of the given top-level objects.

        Linked nodes reached from the objects are collected; embedded nodes stay
        inline. Library instances (controlled terms, licences, content types…)
        are referenced by their IRI and only added as nodes with ``with_terms=True``.
        Reference cycles (isNewVersionOf ↔ isAlternativeVersionOf) are fine.
        """
        ids = []
        seen: set[int] = set()  # objects already collected in this call (shared subtrees are walked once)
        for obj in objects:
            if isinstance(obj, dict):
                ids.append(self.add_node(obj))
            elif isinstance(obj, MetadataGraph):
                for n in obj:
                    self.add_node(copy.deepcopy(n))
                self.meta.update(copy.deepcopy(obj.meta))
                ids.extend(obj.nodes)
            elif isinstance(obj, (list, tuple)):
                ids.extend(self.add(*obj, with_terms=with_terms))
            else:
                ids.append(self._add_object(obj, with_terms, seen))
        return ids

    def _object_id(self, obj: Any) -> str:
        node_id = getattr(obj, "id", None)
        if node_id:
            return str(node_id)
        key = id(obj)
        if key not in self._obj_ids:
            self._obj_ids[key] = self.new_blank_id()
        return self._obj_ids[key]

    def _add_object(self, root: Any, with_terms: bool, seen: set[int] | None = None) -> str:
        from openminds.base import EmbeddedMetadata, LinkedMetadata

        if not isinstance(root, LinkedMetadata):
            if isinstance(root, EmbeddedMetadata):
                raise SchemaError(
                    f"{type(root).__name__} is an embedded type: it has no @id and can only be "
                    "added as the value of another node's property"
                )
            raise SchemaError(f"cannot add {type(root).__name__!s} to a metadata graph")
        self._check_version(root)
        root_id = self._object_id(root)
        stack = [root]
        if seen is None:
            seen = set()
        seen.discard(id(root))  # a root is always processed (a library term given as a root is added)
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            node_id = self._object_id(obj)
            node: Node = {"@id": node_id, "@type": obj.type_}
            for prop in obj.properties:
                value = getattr(obj, prop.name, None)
                if value is None:
                    continue
                node[prop.path] = self._convert_value(value, stack, with_terms, prop.multiple)
            is_term = self._is_library(obj)
            if is_term and not with_terms and obj is not root:
                continue
            self.add_node(node, replace=node_id in self.nodes and _is_stub(self.nodes[node_id]))
        return root_id

    def _convert_value(self, value: Any, stack: list[Any], with_terms: bool, multiple: bool) -> Any:
        EmbeddedMetadata, Link, LinkedMetadata = _om_base()  # cached: this runs once per value

        if isinstance(value, (list, tuple)):
            return [self._convert_value(v, stack, with_terms, False) for v in value]
        if isinstance(value, LinkedMetadata):
            stack.append(value)
            return {"@id": self._object_id(value)}
        if isinstance(value, EmbeddedMetadata):
            emb: Node = {"@type": value.type_}
            for prop in value.properties:
                v = getattr(value, prop.name, None)
                if v is not None:
                    emb[prop.path] = self._convert_value(v, stack, with_terms, prop.multiple)
            return emb
        if isinstance(value, Link):
            return {"@id": str(value.identifier)}
        return _literal(value)

    def _is_library(self, obj: Any) -> bool:
        node_id = getattr(obj, "id", None)
        return bool(node_id) and term_by_iri(str(node_id), self.version) is obj

    def _check_version(self, obj: Any) -> None:
        sv = str(getattr(type(obj), "schema_version", "")).split(".")[0]
        expected = self.version.package.split(".")[1]
        if sv and sv != expected:
            raise SchemaError(
                f"{type(obj).__name__} comes from openminds.{sv} but this graph holds openMINDS "
                f"{self.version}; build it from openminds.{expected} or migrate the graph"
            )

    def remove(self, node_id: str) -> Node:
        """Remove and return a node (links to it are left dangling)."""
        self.meta.pop(node_id, None)
        self.sources.pop(node_id, None)
        return self.nodes.pop(node_id)

    # -- links ------------------------------------------------------------------------------------
    def links_from(self, node_id: str) -> list[tuple[str, str]]:
        """(property key, target @id) for every link leaving the node, embedded nodes included."""
        out: list[tuple[str, str]] = []
        node = self[node_id]
        for key, value in node.items():
            if key.startswith("@"):
                continue
            for v in iter_values(value):
                _collect_links(key, v, out)
        return out

    def links_to(self, node_id: str) -> list[tuple[str, str]]:
        """(source @id, property key) for every link that points at ``node_id``."""
        out = []
        for src in self.nodes:
            for key, target in self.links_from(src):
                if target == node_id:
                    out.append((src, key))
        return out

    def reverse_index(self) -> dict[str, list[tuple[str, str]]]:
        """target @id → [(source @id, key)] for the whole graph in one pass."""
        index: dict[str, list[tuple[str, str]]] = {}
        for src in self.nodes:
            for key, target in self.links_from(src):
                index.setdefault(target, []).append((src, key))
        return index

    def follow(self, node_id: str, key: str) -> list[Node]:
        """The nodes that ``node_id`` links to through ``key`` (missing targets are skipped)."""
        out = []
        for v in iter_values(self[node_id].get(key)):
            if isinstance(v, dict) and "@id" in v and v["@id"] in self.nodes:
                out.append(self.nodes[v["@id"]])
        return out

    def dangling(self, *, include_terms: bool = False) -> list[tuple[str, str, str]]:
        """(source @id, key, target @id) for links whose target is not in the graph.

        Links to openMINDS library instances (licences, species, …) are references by
        design, not missing nodes: they are left out unless ``include_terms=True``.
        """
        return [
            (src, key, target)
            for src in self.nodes
            for key, target in self.links_from(src)
            if target not in self.nodes and (include_terms or term_by_iri(target, self.version) is None)
        ]

    # -- openminds objects ------------------------------------------------------------------------
    def to_openminds(self, node_id: str | None = None) -> Any:
        """Convert to openminds objects: the one with ``node_id``, or a dict @id → object of all.

        Links between nodes of the graph become object references (cycles
        included); links to library instances become those instances; other
        links become ``openminds.Link``. Unknown properties cannot be held by
        openminds objects and are left out (the graph keeps them).
        """
        from openminds.base import Link

        reg = get_registry(self.version)
        objects: dict[str, Any] = {}
        for nid, node in self.nodes.items():
            spec = reg.find(self.type_name(node)) if node.get("@type") else None
            if spec is None:
                continue
            term = term_by_iri(nid, self.version)
            objects[nid] = term if term is not None else self._build(spec, node, reg, nid)
        for obj in objects.values():
            self._resolve(obj, objects, Link)
        if node_id is not None:
            if node_id not in objects:
                raise KeyError(f"no openMINDS node {node_id!r} in this graph")
            return objects[node_id]
        return objects

    def _build(self, spec: Any, node: Node, reg: Any, nid: str | None) -> Any:
        from openminds.base import IRI, Link

        cls = reg.openminds_class(spec)
        kwargs: dict[str, Any] = {}
        for key, value in node.items():
            prop = spec.properties.get(key) or spec.properties.get(key.rsplit("/", 1)[-1])
            if key.startswith("@") or prop is None:
                continue
            items = []
            for v in iter_values(value):
                if isinstance(v, dict) and "@id" in v:
                    items.append(
                        Link(v["@id"], allowed_types=[reg.openminds_class(t) for t in prop.target_types])
                    )
                elif isinstance(v, dict):
                    et = v.get("@type")
                    espec = reg.find(et) if isinstance(et, str) else None
                    items.append(self._build(espec, v, reg, None) if espec else v)
                elif "iri" in prop.kinds and isinstance(v, str):
                    items.append(IRI(v))
                elif "date" in prop.kinds and isinstance(v, str):
                    items.append(_parse_date(v))
                elif "datetime" in prop.kinds and isinstance(v, str):
                    items.append(_parse_datetime(v))
                else:
                    items.append(v)
            kwargs[prop.name] = (
                items if prop.multiple or isinstance(value, list) else (items[0] if items else None)
            )
        if nid is not None and not nid.startswith("_:"):
            kwargs["id"] = nid
        try:
            return cls(**kwargs)
        except TypeError as exc:  # pragma: no cover - the specs and classes come from the same package
            raise SchemaError(f"cannot build {spec.name}: {exc}") from None

    def _resolve(self, obj: Any, objects: dict[str, Any], link_cls: type) -> None:
        for prop in getattr(obj, "properties", []):
            value = getattr(obj, prop.name, None)
            if isinstance(value, list):
                setattr(obj, prop.name, [self._swap(v, objects, link_cls) for v in value])
            elif value is not None:
                setattr(obj, prop.name, self._swap(value, objects, link_cls))

    def _swap(self, value: Any, objects: dict[str, Any], link_cls: Any) -> Any:
        from openminds.base import EmbeddedMetadata

        if isinstance(value, link_cls):
            ident = str(value.identifier)
            if ident in objects:
                return objects[ident]
            term = term_by_iri(ident, self.version)
            return term if term is not None else value
        if isinstance(value, EmbeddedMetadata):
            self._resolve(value, objects, link_cls)
        return value

    # -- summaries --------------------------------------------------------------------------------
    def _repr_html_(self, max_rows: int = 200) -> str:
        """Jupyter: a table of the nodes (type, @id, name, links out and in)."""
        import html

        reverse = self.reverse_index()
        rows = []
        for i, (nid, node) in enumerate(self.nodes.items()):
            if i >= max_rows:
                rows.append(
                    f"<tr><td colspan='5'><em>… {len(self.nodes) - max_rows:,} more nodes</em></td></tr>"
                )
                break
            name = _display_name(node)
            rows.append(
                "<tr>"
                f"<td>{html.escape(self.type_name(node))}</td>"
                f"<td><code>{html.escape(nid)}</code></td>"
                f"<td>{html.escape(name[:80])}</td>"
                f"<td style='text-align:right'>{len(self.links_from(nid))}</td>"
                f"<td style='text-align:right'>{len(reverse.get(nid, []))}</td>"
                "</tr>"
            )
        counts = ", ".join(f"{n} {t}" for t, n in self.types().items())
        # long @ids and names wrap inside their cells instead of pushing the table off the page
        style = (
            "<style>.ebrains-curation-graph table{border-collapse:collapse;max-width:100%}"
            ".ebrains-curation-graph td,.ebrains-curation-graph th{overflow-wrap:anywhere;padding:.1em .4em;"
            "text-align:left;vertical-align:top}</style>"
        )
        return (
            f'<div class="ebrains-curation-graph">{style}<strong>MetadataGraph</strong> '
            f"(openMINDS {self.version}, {len(self.nodes):,} nodes"
            f"{': ' + html.escape(counts) if counts else ''})"
            "<table><thead><tr><th>type</th><th>@id</th><th>name</th><th>links out</th><th>links in</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )

    def to_json(self) -> str:
        """A quick debug dump (nodes only); use the writers for real output."""
        return json.dumps(list(self.nodes.values()), indent=2, sort_keys=True)


@functools.cache
def _om_base() -> tuple[Any, Any, Any]:
    from openminds.base import EmbeddedMetadata, Link, LinkedMetadata

    return EmbeddedMetadata, Link, LinkedMetadata


def _collect_links(key: str, value: Any, out: list[tuple[str, str]]) -> None:
    # iterative, so that absurdly deep embedded nesting cannot exhaust the recursion limit
    stack = [(key, value)]
    while stack:
        path, item = stack.pop()
        if not isinstance(item, dict):
            if isinstance(item, list):
                stack.extend((path, v) for v in reversed(item))
            continue
        if "@id" in item:
            if isinstance(item["@id"], str):
                out.append((path, item["@id"]))
            continue
        for k, v in reversed(list(item.items())):
            if not k.startswith("@"):
                stack.append((f"{path}.{k}", v))


def _display_name(node: Node) -> str:
    """A short human name for a node (short/full name, a person's given + family name, label, identifier)."""
    if isinstance(node.get("givenName"), str) or isinstance(node.get("familyName"), str):
        return " ".join(str(node[k]) for k in ("givenName", "familyName") if isinstance(node.get(k), str))
    keys = ("shortName", "fullName", "name", "preferredName", "lookupLabel", "identifier", "email", "IRI")
    return next((str(node[k]) for k in keys if isinstance(node.get(k), (str, int, float))), "")


def _types_differ(a: Node, b: Node) -> bool:
    """Whether two nodes for one @id both name a @type, and not the same one(s)."""
    if "@type" not in a or "@type" not in b:
        return False

    def types(node: Node) -> frozenset[str]:
        t = node["@type"]
        return frozenset(t) if isinstance(t, list) else frozenset([t])

    return types(a) != types(b)


def _is_stub(node: Node) -> bool:
    """A node that only names its @id (and maybe @type): a reference, not content."""
    return set(node) <= {"@id", "@type"}


def _first_difference(a: Node, b: Node) -> str:
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            return f"property {key!r} is {json.dumps(a.get(key))[:80]} in one and {json.dumps(b.get(key))[:80]} in the other"
    return "they differ"


def _parse_date(text: str) -> Any:
    try:
        return _dt.date.fromisoformat(text[:10]) if len(text) >= 10 else text
    except ValueError:
        return text


def _parse_datetime(text: str) -> Any:
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return text
