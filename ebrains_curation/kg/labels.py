"""A human-readable label for a KG document, shared by the client (displays) and the sandbox (searchByLabel)."""

from __future__ import annotations

from typing import Any

__all__ = ["document_label"]

_LABEL_KEYS = ("fullName", "name", "lookupLabel", "shortName", "title", "alias", "identifier", "IRI")
_NOT_METADATA = ("@", "http://schema.org/", "https://core.kg.ebrains.eu/")


def document_label(doc: dict[str, Any]) -> str:
    """The first name-like value of a KG document (full name, name, label…, or given + family name)."""
    by_local: dict[str, Any] = {}
    for key, value in doc.items():
        if not key.startswith(_NOT_METADATA):
            by_local.setdefault(key.rsplit("/", 1)[-1], value)
    for key in _LABEL_KEYS:
        value = by_local.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        if isinstance(value, str) and value:
            return value
    parts = [by_local.get("givenName"), by_local.get("familyName")]
    return " ".join(p for p in parts if isinstance(p, str) and p)
