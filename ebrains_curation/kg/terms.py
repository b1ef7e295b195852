"""KG ids of openMINDS library instances (licences, species, content types…) → their openMINDS IRIs.

The KG stores each library instance once, in the ``controlled`` space, under a KG id of
its own, and keeps its openMINDS instance IRI
(``https://openminds.om-i.org/instances/licenses/CC-BY-4.0``) in ``http://schema.org/identifier``.
Documents fetched from the KG therefore link to terms by KG id; our own documents link
to them by openMINDS IRI. :class:`TermIdCache` remembers, per KG id, which openMINDS
IRIs it stands for, and :func:`rewrite_links` puts those IRIs into a graph's links.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..schemas import get_version, term_by_iri
from ..schemas.versions import VERSIONS

if TYPE_CHECKING:
    from ..graph.model import MetadataGraph

__all__ = ["IDENTIFIER", "TermIdCache", "outside_links", "rewrite_links"]

IDENTIFIER = "http://schema.org/identifier"


def _instance_namespaces() -> tuple[str, ...]:
    return tuple(sorted({get_version(v).instance_ns for v in VERSIONS}))


class TermIdCache:
    """A thread-safe map KG IRI → the openMINDS instance IRIs among its identifiers (empty: not a term).

    Library instances do not change, and an instance that is not one never becomes one,
    so answers are kept for the life of the client — including "not a term" and
    "not found", which is what makes a repeated lookup free.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._namespaces = _instance_namespaces()

    def __len__(self) -> int:
        return len(self._known)

    def remember(self, kg_id: str, doc: dict[str, Any] | None) -> None:
        """Record what the KG answered for ``kg_id`` (its document, or None when missing)."""
        value = (doc or {}).get(IDENTIFIER)
        idents = value if isinstance(value, list) else [value]
        iris = tuple(i for i in idents if isinstance(i, str) and i.startswith(self._namespaces))
        with self._lock:
            self._known[kg_id] = iris

    def unknown(self, kg_ids: Iterable[str]) -> list[str]:
        """The ids not looked up yet."""
        with self._lock:
            return [i for i in dict.fromkeys(kg_ids) if i not in self._known]

    def term_iris(
        self,
        kg_ids: Iterable[str],
        version: str,
        fetch: Callable[[list[str]], dict[str, dict[str, Any] | None]],
    ) -> dict[str, str]:
        """KG id → openMINDS IRI of ``version`` for the ids that are library instances.

        ``fetch`` is called once with the ids not seen before (it does the bulk request).
        """
        wanted = list(dict.fromkeys(kg_ids))
        todo = self.unknown(wanted)
        if todo:
            for kg_id, doc in fetch(todo).items():
                self.remember(kg_id, doc)
        out: dict[str, str] = {}
        with self._lock:
            known = {i: self._known.get(i, ()) for i in wanted}
        for kg_id, iris in known.items():
            match = next((iri for iri in iris if term_by_iri(iri, version) is not None), None)
            if match:
                out[kg_id] = match
        return out


def _walk_links(value: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    # iterative: deep embedded nesting must not hit the recursion limit
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@id" in item:
                if isinstance(item["@id"], str):
                    visit(item)
                continue
            stack.extend(v for k, v in item.items() if not k.startswith("@"))


def outside_links(graph: MetadataGraph, prefix: str) -> set[str]:
    """The link targets starting with ``prefix`` that are not nodes of ``graph``."""
    found: set[str] = set()
    for node in graph.nodes.values():
        for key, value in node.items():
            if not key.startswith("@"):
                _walk_links(value, lambda link: found.add(link["@id"]))
    return {t for t in found if t.startswith(prefix) and t not in graph.nodes}


def rewrite_links(graph: MetadataGraph, mapping: dict[str, str]) -> int:
    """Point every link whose target is a key of ``mapping`` at its value (in place); returns how many."""
    if not mapping:
        return 0
    count = 0

    def swap(link: dict[str, Any]) -> None:
        nonlocal count
        new = mapping.get(link["@id"])
        if new is not None:
            link["@id"] = new
            count += 1

    for node in graph.nodes.values():
        for key, value in node.items():
            if not key.startswith("@"):
                _walk_links(value, swap)
    return count
