"""Output order of a graph's nodes and deterministic blank-node labels (shared by every writer)."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from .model import MetadataGraph

__all__ = ["export_nodes"]


def _find_blank_refs(value: Any, found: list[str]) -> None:
    if isinstance(value, list):
        for v in value:
            _find_blank_refs(v, found)
    elif isinstance(value, dict):
        ref = value.get("@id")
        if isinstance(ref, str):
            if ref.startswith("_:"):
                found.append(ref)
            return
        for k in sorted(value):
            if k[0] != "@":
                _find_blank_refs(value[k], found)


def _blank_mapping(graph: MetadataGraph) -> dict[str, str]:
    nodes = graph.nodes
    blanks = [nid for nid in nodes if nid.startswith("_:")]
    if not blanks:
        return {}
    mapping: dict[str, str] = {}
    queue: deque[str] = deque(sorted(nid for nid in nodes if not nid.startswith("_:")))

    def walk() -> None:
        while queue:
            nid = queue.popleft()
            node = nodes[nid]
            found: list[str] = []
            for k in sorted(node):
                if k[0] != "@":
                    _find_blank_refs(node[k], found)
            for ref in found:
                if ref not in mapping:
                    mapping[ref] = f"_:b{len(mapping)}"
                    if ref in nodes:
                        queue.append(ref)

    walk()
    rest = [nid for nid in blanks if nid not in mapping]
    if rest:
        keys = _content_keys(nodes, rest)
        for nid in sorted(rest, key=lambda n: (keys[n], n)):
            if nid not in mapping:
                mapping[nid] = f"_:b{len(mapping)}"
                queue.append(nid)
                walk()
    return mapping


def _content_keys(nodes: dict[str, Any], ids: list[str], rounds: int = 4) -> dict[str, str]:
    """Label-independent ordering keys for blank nodes no named node reaches.

    Each round hashes a node's content with its blank references replaced by the
    previous round's key of the node referred to (a few rounds of colour
    refinement), so the order does not depend on the input's blank labels.
    """
    import hashlib

    keys = {nid: "" for nid in ids}

    def sub(value: Any, prev: dict[str, str]) -> Any:
        if isinstance(value, list):
            return [sub(v, prev) for v in value]
        if isinstance(value, dict):
            ref = value.get("@id")
            if isinstance(ref, str) and ref.startswith("_:"):
                return {"@id": "_:" + prev.get(ref, "?")}
            return {k: sub(v, prev) for k, v in value.items()}
        return value

    for _ in range(rounds):
        prev = dict(keys)
        for nid in ids:
            body = {k: sub(v, prev) for k, v in nodes[nid].items() if k != "@id"}
            text = json.dumps(body, sort_keys=True, default=str)
            keys[nid] = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return keys


def _relabel(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_relabel(v, mapping) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "@id" and isinstance(v, str):
                out[k] = mapping.get(v, v)
            elif k[0] == "@":
                out[k] = v
            else:
                out[k] = _relabel(v, mapping)
        return out
    return value


def export_nodes(graph: MetadataGraph, *, relabel: bool = True, copy: bool = False) -> list[dict[str, Any]]:
    """The graph's nodes in output order (named by @id, then blank by label), blank nodes relabelled.

    Nodes without blank-node references are the graph's own dicts unless ``copy=True``.
    """
    mapping = _blank_mapping(graph) if relabel else {}
    nodes = graph.nodes
    if not mapping:
        order = sorted(nodes)
        if copy:
            return [_copy(nodes[nid]) for nid in order]
        return [nodes[nid] for nid in order]
    named = sorted(nid for nid in nodes if not nid.startswith("_:"))
    blank = sorted((nid for nid in nodes if nid.startswith("_:")), key=lambda n: int(mapping[n][3:]))
    return [_relabel(nodes[nid], mapping) for nid in named + blank]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
