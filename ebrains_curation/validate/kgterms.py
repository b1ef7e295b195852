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


def term_needs_kg_issues(graph: MetadataGraph, issues: list[Issue]) -> list[Issue]:
    """``issues`` without value findings on unresolved KG-id term links, plus one warning for each such link."""
    links = kg_term_links(graph)
    if not links:
        return issues
    kept = [
        i
        for i in issues
        if not (
            i.node_id is not None
            and i.path
            and (i.node_id, i.path[0]) in links
            and (i.rule_id in _VALUE_RULES or i.rule_id not in RULES or _names_kg_id(i, links))
        )
    ]
    rule = RULES["term-needs-kg"]
    reg = get_registry(graph.version)
    for (nid, key), refs in sorted(links.items()):
        t = graph.nodes[nid].get("@type")
        spec = reg.find(t) if isinstance(t, str) else None
        for ref in refs:
            kept.append(
                Issue(
                    rule_id=rule.id,
                    severity=Severity(rule.severity),
                    message=format_message(rule.message, property=key, value=ref),
                    node_id=nid,
                    node_type=spec.name if spec else None,
                    path=(key,),
                    value=ref,
                    hint=rule.hint,
                    source=graph.sources.get(nid),
                )
            )
    return kept


def _names_kg_id(issue: Issue, links: dict[tuple[str, str], list[str]]) -> bool:
    refs = links.get((str(issue.node_id), issue.path[0]), [])
    return any(r in str(issue.value) or r in issue.message for r in refs)
