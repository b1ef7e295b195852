"""An in-memory view of one stage of the sandbox store, for the query engine and the link endpoints.

The KG answers queries from a graph database (ArangoDB) in which every link is an
edge and every embedded object a document of its own. The sandbox keeps its data in
SQLite as whole documents, so the query engine works on this view instead: the parsed
documents of a stage, the instances of each type, the identifier → instance map that
links resolve through, and (built on demand) reverse-link indexes and per-property
columns for fast filtering.

The view is kept up to date incrementally: the store tells it which instances a write
touched (:meth:`Store.add_listener`) and it re-reads only those, on the next query.
"""

from __future__ import annotations

import bisect
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .documents import IDENTIFIER, META, label_of
from .store import STAGES, Record, Store

__all__ = ["GraphView", "Node", "StageView", "embedded_children", "links_of", "node_types"]


@dataclass(eq=False, slots=True)
class Node:
    """An instance, or an embedded object inside one (``parent`` and ``via`` are then set)."""

    doc: dict[str, Any]
    space: str
    uuid: str | None = None
    label: str = ""
    record: Record | None = None
    parent: Node | None = None
    via: str | None = None  #: the parent's property holding this embedded object
    types: tuple[str, ...] = field(default=())

    def field(self, iri: str) -> Any:
        """The value of a property as a query sees it (meta fields included); None when absent."""
        if iri.startswith(META):
            return self._meta(iri[len(META) :])
        return self.doc.get(iri)

    def _meta(self, name: str) -> Any:
        root = self.root
        rec = root.record
        if name == "space":
            return self.space
        if rec is None:
            return None
        return {
            "revision": rec.revision,
            "firstReleasedAt": rec.first_released_at,
            "lastReleasedAt": rec.last_released_at,
        }.get(name)

    @property
    def root(self) -> Node:
        """The instance this node belongs to (itself unless embedded)."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node


def node_types(doc: dict[str, Any]) -> tuple[str, ...]:
    """The ``@type`` of a document as a tuple of IRIs."""
    value = doc.get("@type")
    if type(value) is list:  # the stored form: fast path
        return tuple(value)
    return (value,) if isinstance(value, str) else ()


def _is_link(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("@id"), str)


def embedded_children(node: Node) -> Iterator[Node]:
    """The embedded objects directly inside ``node`` (any property), as nodes."""
    for key, value in node.doc.items():
        if key.startswith("@"):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@id" not in item and "@value" not in item:
                yield Node(item, node.space, parent=node, via=key, types=node_types(item))


def links_of(node: Node, prop: str | None = None) -> Iterator[tuple[str, Node]]:
    """(target identifier, holder) for the links of ``node`` and of its embedded objects, at any depth."""
    for key, value in node.doc.items():
        if key.startswith("@") or key == IDENTIFIER or (prop is not None and key != prop):
            continue
        for item in value if isinstance(value, list) else [value]:
            if _is_link(item):
                yield item["@id"], node
    for child in embedded_children(node):
        yield from links_of(child, prop)


class StageView:
    """The documents of one stage, indexed for queries (see the module docstring)."""

    def __init__(self, store: Store, stage: str):
        self.store = store
        self.stage = stage
        self.nodes: dict[str, Node] = {}
        self.ident: dict[str, str] = {}
        self._by_type: dict[str, list[Node]] = {}
        self._type_members: dict[str, set[str]] = {}
        self._reverse: dict[str | None, dict[str, list[Node]]] = {}
        self._columns: dict[tuple[str, str, str], Any] = {}
        self._dirty: set[str] | None = None  # None: not loaded yet

    # -- maintenance ---------------------------------------------------------------------------
    def mark(self, uuids: Iterable[str]) -> None:
        if self._dirty is not None:
            self._dirty.update(uuids)

    def refresh(self) -> None:
        """Load the stage (first use) or re-read the instances written since the last refresh."""
        if self._dirty is None:
            self._dirty = set()
            enabled = gc.isenabled()
            gc.disable()  # loading allocates many small objects: cyclic GC passes would dominate
            try:
                for rec, label in self.store.all_records(self.stage):
                    self._add(rec, label)
            finally:
                if enabled:
                    gc.enable()
            self._by_type.clear()
            return
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        touched: set[str] = set()
        for uuid in dirty:
            old = self.nodes.pop(uuid, None)
            if old is not None:
                touched.update(old.types)
                for ident in self._identifiers(old.doc):
                    if self.ident.get(ident) == uuid:
                        del self.ident[ident]
                for t in old.types:
                    self._type_members.get(t, set()).discard(uuid)
        for rec, label in self._read(dirty):
            touched.update(self._add(rec, label).types)
        for t in touched:
            self._by_type.pop(t, None)
        self._columns = {k: v for k, v in self._columns.items() if k[1] not in touched}
        self._reverse.clear()

    def _read(self, uuids: set[str]) -> Iterator[tuple[Record, str]]:
        records = self.store.get_many(self.stage, uuids)
        for rec in records.values():
            yield rec, ""

    @staticmethod
    def _identifiers(doc: dict[str, Any]) -> list[str]:
        value = doc.get(IDENTIFIER)
        items = value if isinstance(value, list) else [value]
        out = [i for i in items if isinstance(i, str)]
        if isinstance(doc.get("@id"), str):
            out.append(doc["@id"])
        return out

    def _add(self, rec: Record, label: str) -> Node:
        node = Node(rec.doc, rec.space, rec.uuid, label or label_of(rec.doc), rec, types=node_types(rec.doc))
        self.nodes[rec.uuid] = node
        for ident in self._identifiers(rec.doc):
            self.ident.setdefault(ident, rec.uuid)
        for t in node.types:
            self._type_members.setdefault(t, set()).add(rec.uuid)
        return node

    # -- look-ups ------------------------------------------------------------------------------
    def of_type(self, type_: str) -> list[Node]:
        """The instances of a type, in a stable order (label, then uuid)."""
        nodes = self._by_type.get(type_)
        if nodes is None:
            members = self._type_members.get(type_, set())
            nodes = sorted((self.nodes[u] for u in members), key=lambda n: (n.label, n.uuid or ""))
            self._by_type[type_] = nodes
        return nodes

    def column(self, type_: str, iri: str) -> list[Any]:
        """The values of one property for :meth:`of_type` (same order), cached until the type changes."""
        return self._cached(("raw", type_, iri), lambda: [n.field(iri) for n in self.of_type(type_)])

    def text_column(self, type_: str, iri: str, text: Callable[[Any], str]) -> list[Any]:
        """:meth:`column` as lower-cased text (a tuple of texts for a list value), for filters."""

        def build() -> list[Any]:
            return [
                tuple(text(x).lower() for x in v) if isinstance(v, list) else text(v).lower()
                for v in self.column(type_, iri)
            ]

        return self._cached(("text", type_, iri), build)

    def order(self, type_: str, iri: str, key: Callable[[Any], Any]) -> list[int]:
        """Positions in :meth:`of_type` sorted by the property (``key`` of each value), cached."""

        def build() -> list[int]:
            col = self.column(type_, iri)
            return sorted(range(len(col)), key=lambda i: key(col[i]))

        return self._cached(("order", type_, iri), build)

    def text_index(self, type_: str, iri: str, text: Callable[[Any], str]) -> TextIndex:
        """A :class:`TextIndex` over :meth:`text_column`, cached."""
        return self._cached(("index", type_, iri), lambda: TextIndex(self.text_column(type_, iri, text)))

    def rank(self, type_: str, iri: str, key: Callable[[Any], Any]) -> list[int]:
        """rank[i]: the position of row i in :meth:`order` (to sort a subset of rows quickly)."""

        def build() -> list[int]:
            ranks = [0] * len(self.of_type(type_))
            for position, row in enumerate(self.order(type_, iri, key)):
                ranks[row] = position
            return ranks

        return self._cached(("rank", type_, iri), build)

    def _cached(self, key: tuple[str, str, str], build: Callable[[], Any]) -> Any:
        value = self._columns.get(key)
        if value is None:
            value = self._columns[key] = build()
        return value

    def resolve(self, identifier: str) -> Node | None:
        """The instance a link's ``@id`` points to (by KG id or any identifier), or None."""
        uuid = self.ident.get(identifier)
        return self.nodes.get(uuid) if uuid else None

    def incoming(self, target: Node, prop: str | None = None) -> list[Node]:
        """The nodes (instances or embedded objects) linking to ``target``, by ``prop`` or any property."""
        index = self._reverse.get(prop)
        if index is None:
            index = {}
            for node in self.nodes.values():
                for ident, holder in links_of(node, prop):
                    uuid = self.ident.get(ident)
                    if uuid is not None:
                        index.setdefault(uuid, []).append(holder)
            self._reverse[prop] = index
        return index.get(target.uuid or "", []) if target.uuid else []


class TextIndex:
    """Lower-cased texts of one column joined into one string, so EQUALS/CONTAINS/STARTS_WITH/ENDS_WITH
    scans run in C (``str.find``) instead of a Python loop over every row."""

    SEP = "\x00"

    def __init__(self, texts: list[Any]):
        parts: list[str] = []
        self.owners: list[int] = []
        self.exact: dict[str, list[int]] = {}
        for row, value in enumerate(texts):
            for text in value if isinstance(value, tuple) else (value,):
                parts.append(text)
                self.owners.append(row)
                self.exact.setdefault(text, []).append(row)
        self.usable = not any(self.SEP in t for t in parts)
        self.starts: list[int] = []
        pos = 1
        for text in parts:
            self.starts.append(pos)
            pos += len(text) + 1
        self.blob = self.SEP + self.SEP.join(parts) + self.SEP

    def find(self, needle: str, op: str) -> set[int]:
        """The rows with a text that EQUALS / CONTAINS / STARTS_WITH / ENDS_WITH ``needle`` (lower-cased)."""
        if op == "EQUALS":
            return set(self.exact.get(needle, ()))
        pattern = {"CONTAINS": needle, "STARTS_WITH": self.SEP + needle, "ENDS_WITH": needle + self.SEP}[op]
        rows: set[int] = set()
        blob, starts, owners = self.blob, self.starts, self.owners
        pos = blob.find(pattern)
        while pos >= 0:
            part = bisect.bisect_right(starts, pos + (op == "STARTS_WITH")) - 1
            rows.add(owners[part])
            nxt = part + 1
            pos = blob.find(pattern, starts[nxt] - (op == "STARTS_WITH") if nxt < len(starts) else len(blob))
        return rows


class GraphView:
    """One :class:`StageView` per stage, kept in step with the store."""

    def __init__(self, store: Store):
        self.store = store
        self.lock = threading.RLock()
        self.stages = {stage: StageView(store, stage) for stage in STAGES}
        store.add_listener(self._on_change)

    def _on_change(self, stage: str, uuids: list[str]) -> None:
        view = self.stages.get(stage)
        if view is not None:
            view.mark(uuids)

    def stage(self, stage: str) -> StageView:
        """The up-to-date view of a stage (call with :attr:`store.lock` held)."""
        view = self.stages[stage]
        view.refresh()
        return view
