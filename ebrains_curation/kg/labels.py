"""A human-readable label for a KG document, shared by the client (displays) and the sandbox (searchByLabel)."""

from __future__ import annotations

from typing import Any

from ..graph.labels import node_label

__all__ = ["document_label"]


def document_label(doc: dict[str, Any]) -> str:
    """The first name-like value of a KG document ("" when nothing names it); see :func:`node_label`."""
    return node_label(doc) or ""
