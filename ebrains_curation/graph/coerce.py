"""``as_graph()``: the one way to turn "anything the user handed us" into a :class:`MetadataGraph`.

Public functions that take metadata (``validate``, ``readiness_checklist``, ``data_descriptor``,
``submit`` …) accept a graph, a path, a JSON-LD document, node dicts or ``openminds`` objects;
they all go through here, so they all accept the same things.
"""

from __future__ import annotations

from typing import Any

from ..schemas.versions import VersionLike
from .model import MetadataGraph

__all__ = ["as_graph"]


def as_graph(target: Any, version: VersionLike = None) -> MetadataGraph:
    """Turn ``target`` into a :class:`MetadataGraph` without judging its content.

    A :class:`MetadataGraph` is returned as it is; node dicts, a JSON-LD document (``@graph``)
    and ``openminds`` objects are put in a new graph as they are (garbage included: validation
    reports it); anything else (a path, an ``rdflib.Graph``) is read with :func:`ebrains_curation.load`.
    ``version`` defaults to the graph's own, else what the document's namespace says, else v4.
    """
    if isinstance(target, MetadataGraph):
        return target
    if not isinstance(target, (dict, list, tuple)) and not _is_openminds_object(target):
        from .readers import load  # paths, rdflib graphs; anything else is a clear LoadError

        return load(target, version)
    if version is None and isinstance(target, (dict, list)):
        try:  # v3 documents name the ebrains.eu namespace; anything else reads as v4
            from .readers import detect_version

            version = detect_version(target)
        except Exception:
            version = None
    g = MetadataGraph(version)
    items = target if isinstance(target, (list, tuple)) else [target]
    if isinstance(target, dict) and isinstance(target.get("@graph"), list):
        items = target["@graph"]
    objects = []
    for n, item in enumerate(items):
        if isinstance(item, dict):
            node_id = item.get("@id")
            key = node_id if isinstance(node_id, str) and node_id else f"_:item{n}"
            while key in g.nodes and g.nodes[key] is not item and g.nodes[key] != item:
                key = f"{key}#dup{n}"
            g.nodes[key] = item
        elif _is_openminds_object(item):
            objects.append(item)
        else:
            g.nodes[f"_:item{n}"] = item  # reported as invalid-node
    if objects:
        g.add(*objects)
    return g


def _is_openminds_object(value: Any) -> bool:
    return hasattr(value, "type_") and hasattr(value, "properties")
