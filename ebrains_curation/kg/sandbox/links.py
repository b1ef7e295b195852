"""Link look-ups of the sandbox on a :class:`StageView`: incoming links, neighbours and the scope tree.

Shapes follow kg-core (field order as its Jackson field visibility writes them):

* incoming links: ``{"@id", …/meta/space, …/vocab/label}`` per linking instance;
* neighbours (``GraphEntity``): ``{"id", "types", "name", "space", "inbound", "outbound"}``,
  inbound one level deep, outbound two levels;
* scope (``ScopeElement``): ``{"id", "label", "space", "types", "children", "permissions"}``.

Simplifications: links held inside embedded objects count as links of the instance
that embeds them (the KG stores embedded objects as documents of their own, so they
appear as extra hops there). The KG computes a scope with the "scope relevant" stored
queries of its curated spaces; the sandbox follows every outgoing link instead,
recursively, and stops at instances sharing a type with the root (as the KG does),
so ``applyRestrictions`` has no effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .graphview import Node, StageView, links_of

__all__ = ["LABEL", "incoming_links", "neighbors", "outgoing", "scope_tree"]

LABEL = "https://core.kg.ebrains.eu/vocab/label"


def outgoing(view: StageView, node: Node) -> list[Node]:
    """The instances ``node`` links to (also through its embedded objects), each once, in document order."""
    out: dict[str, Node] = {}
    for ident, _holder in links_of(node):
        target = view.resolve(ident)
        if target is not None and target.uuid is not None and target.uuid != node.uuid:
            out.setdefault(target.uuid, target)
    return list(out.values())


def incoming_links(
    view: StageView, node: Node, prop: str, type_: str, visible: Callable[[Node], bool]
) -> list[Node]:
    """The instances linking to ``node`` by ``prop`` where the link holder has ``type_``, sorted by @id."""
    roots: dict[str, Node] = {}
    for holder in view.incoming(node, prop):
        root = holder.root
        if type_ in holder.types and root.uuid is not None and visible(root):
            roots.setdefault(root.uuid, root)
    return sorted(roots.values(), key=lambda n: str(n.doc.get("@id")))


def _entity(node: Node, space: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": node.uuid,
        "types": list(node.types),
        "name": node.label,
        "space": space(node.space),
        "inbound": None,
        "outbound": None,
    }


def neighbors(
    view: StageView, node: Node, visible: Callable[[Node], bool], space: Callable[[str], str]
) -> dict[str, Any]:
    """The ``GraphEntity`` of ``node``: who links to it, what it links to, and what those link to."""
    entity = _entity(node, space)
    inbound: dict[str, Node] = {}
    for holder in view.incoming(node, None):
        root = holder.root
        if root.uuid is not None and root.uuid != node.uuid and visible(root):
            inbound.setdefault(root.uuid, root)
    entity["inbound"] = [_entity(n, space) for n in inbound.values()]
    entity["outbound"] = []
    for target in outgoing(view, node):
        if not visible(target):
            continue
        child = _entity(target, space)
        child["outbound"] = [_entity(t, space) for t in outgoing(view, target) if visible(t)]
        entity["outbound"].append(child)
    return entity


def scope_tree(
    view: StageView,
    node: Node,
    space: Callable[[str], str],
    permissions: Callable[[str], list[str]] | None = None,
) -> dict[str, Any]:
    """The ``ScopeElement`` tree of ``node``: what a release of it with its children would cover."""
    root_types = set(node.types)

    def element(current: Node, path: set[str]) -> dict[str, Any]:
        children = []
        for target in outgoing(view, current):
            uuid = target.uuid or ""
            if uuid in path or root_types & set(target.types):
                continue  # no cycles; the KG stops at instances of the root's type
            children.append(element(target, path | {uuid}))
        return {
            "id": current.uuid,
            "label": current.label,
            "space": space(current.space),
            "types": list(current.types),
            "children": children or None,
            "permissions": permissions(current.space) if permissions else None,
        }

    return element(node, {node.uuid or ""})


def scope_ids(tree: dict[str, Any]) -> set[str]:
    """Every instance id in a scope tree."""
    ids = {str(tree["id"])}
    for child in tree.get("children") or []:
        ids |= scope_ids(child)
    return ids
