"""The one label function: a name people recognise for a node or KG document.

Used for report lines, checklists, search results, the sandbox's ``searchByLabel`` and the
curation texts, so the same node reads the same everywhere.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LABEL_KEYS", "node_label"]

#: the properties that name a node, most telling first (local names: full IRIs work too)
LABEL_KEYS = (
    "fullName",
    "name",
    "lookupLabel",
    "shortName",
    "title",
    "alias",
    "internalIdentifier",
    "identifier",
    "IRI",
)
_NOT_METADATA = ("@", "http://schema.org/", "https://core.kg.ebrains.eu/")


def node_label(node: Any) -> str | None:
    """The first name-like value of ``node`` (full name, name, lookup label …, or given + family name).

    ``node`` is a node dict with short keys (``fullName``) or a KG document with full IRIs
    as keys; KG bookkeeping fields are ignored. None when nothing names it.
    """
    if not isinstance(node, dict):
        return None
    by_local: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(key, str) and not key.startswith(_NOT_METADATA):
            by_local.setdefault(key.rsplit("/", 1)[-1], value)
    for key in LABEL_KEYS:
        value = by_local.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    parts = [by_local.get(k) for k in ("givenName", "familyName")]
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if not text and isinstance(by_local.get("preferredName"), str):
        text = by_local["preferredName"].strip()
    return text or None
