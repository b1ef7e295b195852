"""Controlled terms given as KG ids: resolved through a KG client, or reported as uncheckable.

Every record fetched from the KG links to its licences, species, content types …
by KG id (``https://kg.ebrains.eu/api/instances/<uuid>``), not by openMINDS IRI.
Offline such a link cannot be checked, and the finding says exactly that (rule
``term-needs-kg``, a warning naming the KG id) instead of claiming the value "is not
one of the openMINDS licences". With a KG client (anything with
``term_iris(ids, version)``, e.g. :class:`ebrains_curation.kg.KGClient`) the ids are
resolved to openMINDS IRIs first and checked like any other term.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..constants import KG_INSTANCE_NS
from ..graph.model import MetadataGraph, iter_values
from ..schemas import get_registry
from .report import Issue, Severity
from .rules import RULES, format_message

__all__ = ["kg_term_links", "resolve_kg_terms", "term_needs_kg_issues"]

_KG_ID = re.compile(re.escape(KG_INSTANCE_NS) + r"[0-9a-fA-F-]{36}$")
#: findings that are about *which* value a term link holds: meaningless for an unresolved KG id
_VALUE_RULES = frozenset(
    {"missing-link-target", "not-allowed-value", "term-kind", "unknown-term", "link-type"}
)


def kg_term_links(graph: MetadataGraph) -> dict[tuple[str, str], list[str]]:
    """(node @id, property) → KG ids linked where the property takes controlled terms (licences …)."""
    reg = get_registry(graph.version)
    nodes = graph.nodes
    out: dict[tuple[str, str], list[str]] = {}
    # It runs over every node of every validation: the keys to look at are worked out once per
    # @type (most types have one or two term properties, most graphs a handful of types).
    keys_of: dict[str, tuple[str, ...]] = {}
    for nid, node in nodes.items():
        if not isinstance(node, dict):
            continue  # not a node at all: the engines report it
        t = node.get("@type")
        if not isinstance(t, str):
            continue
        keys = keys_of.get(t)
        if keys is None:
            keys = keys_of[t] = _term_keys(reg, t)
        for key in keys:
            value = node.get(key)
            if value is None:
                continue
            if value.__class__ is dict:  # one link (most values): no generator
                ref = value.get("@id")
                if ref.__class__ is not str or not ref.startswith(KG_INSTANCE_NS):
                    continue
            for v in iter_values(value):
                ref = v.get("@id") if isinstance(v, dict) else None
                if (
                    isinstance(ref, str)
                    and ref.startswith(KG_INSTANCE_NS)
                    and _KG_ID.match(ref)
                    and ref not in nodes
                ):
                    out.setdefault((nid, key), []).append(ref)
    return out


def _term_keys(reg: Any, type_ref: str) -> tuple[str, ...]:
    """The keys of a type's properties that take controlled terms (none for an unknown type)."""
    spec = reg.find(type_ref)
    if spec is None:
        return ()
    return tuple(
        key
        for key, prop in spec.properties.items()
        if not key.startswith("@") and prop.target_types and _any_term(reg, prop.target_types)
    )


def _any_term(reg: Any, types: tuple[str, ...]) -> bool:
    return any((s := reg.find(t)) is not None and s.controlled_term for t in types)


def resolve_kg_terms(graph: MetadataGraph, kg: Any) -> MetadataGraph:
    """A copy of ``graph`` with KG-id term links replaced by the openMINDS IRIs the KG client knows."""
    links = kg_term_links(graph)
    ids = sorted({i for refs in links.values() for i in refs})
    if not ids:
        return graph
    iris = kg.term_iris(ids, graph.version)
    if not iris:
        return graph
    out = graph.copy()
    for nid, key in links:
        node = out.nodes[nid]
        node[key] = _swap(copy.deepcopy(node[key]), iris)
    return out


def _swap(value: Any, iris: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_swap(v, iris) for v in value]
    if isinstance(value, dict) and isinstance(value.get("@id"), str) and value["@id"] in iris:
        return {**value, "@id": iris[value["@id"]]}
    return value


def _term_link_paths(graph: MetadataGraph) -> dict[tuple[str, tuple[str, ...]], list[str]]:
    """(node @id, path) → KG ids linked as controlled terms, in top-level and embedded nodes.

    Embedded nodes count too: RDF (and so the shapes) cannot tell where the link sits.
    """
    reg = get_registry(graph.version)
    out: dict[tuple[str, tuple[str, ...]], list[str]] = {}

    def walk(nid: str, node: dict[str, Any], prefix: tuple[str, ...], depth: int) -> None:
        t = node.get("@type")
        spec = reg.find(t) if isinstance(t, str) else None
        if spec is None or depth > 32:
            return
        for key, value in node.items():
            prop = spec.properties.get(key) if not key.startswith("@") else None
            if prop is None:
                continue
            terms = bool(prop.target_types) and _any_term(reg, prop.target_types)
            for v in iter_values(value):
                if not isinstance(v, dict):
                    continue
                ref = v.get("@id")
                if ref is None:
                    walk(nid, v, (*prefix, key), depth + 1)
                elif terms and isinstance(ref, str) and _KG_ID.match(ref) and ref not in graph.nodes:
                    out.setdefault((nid, (*prefix, key)), []).append(ref)

    for nid, node in graph.nodes.items():
        if isinstance(node, dict):  # (not a node at all: the engines report it)
            walk(nid, node, (), 0)
    return out


def _link_of(issue: Issue, links: dict[tuple[str, tuple[str, ...]], list[str]]) -> list[str] | None:
    """The KG ids of the term link an issue is about (its path or a leading part of it), if any."""
    if issue.node_id is None:
        return None
    for n in range(1, len(issue.path) + 1):
        refs = links.get((issue.node_id, tuple(issue.path[:n])))
        if refs is not None:
            return refs
    return None


def term_needs_kg_issues(graph: MetadataGraph, issues: list[Issue]) -> list[Issue]:
    """``issues`` without value findings on unresolved KG-id term links, plus one warning for each such link."""
    links = _term_link_paths(graph)
    if not links:
        return issues
    kept = []
    for i in issues:
        refs = _link_of(i, links)
        if refs is not None and (
            i.rule_id in _VALUE_RULES
            or i.rule_id not in RULES
            or any(r in str(i.value) or r in i.message for r in refs)
        ):
            continue
        kept.append(i)
    rule = RULES["term-needs-kg"]
    reg = get_registry(graph.version)
    for (nid, path), refs in sorted(links.items()):
        t = graph.nodes[nid].get("@type")
        spec = reg.find(t) if isinstance(t, str) else None
        for ref in refs:
            kept.append(
                Issue(
                    rule_id=rule.id,
                    severity=Severity(rule.severity),
                    message=format_message(rule.message, property=".".join(path), value=ref),
                    node_id=nid,
                    node_type=spec.name if spec else None,
                    path=path,
                    value=ref,
                    hint=rule.hint,
                    source=graph.sources.get(nid),
                )
            )
    return kept
