"""Recognise the openMINDS version of a document by its content.

* the ``https://openminds.ebrains.eu/`` namespace (or the v3 context URL) means v3;
* in the ``https://openminds.om-i.org/`` namespace, which v4 and v5 share, a type
  that only one of them has (``AnatomicalAtlas`` and ``NervousSystemStructure`` are
  v5 only, ``BrainAtlas`` and ``UBERONParcellation`` v4 only), or a property a type
  has in only one of them (``DatasetVersion.usageCondition`` vs ``.license``) decides;
* where nothing decides, v4 is assumed (the version the KG serves) and the
  guess says so (:attr:`VersionGuess.ambiguous`), so a report can tell the user.

The walk is bounded (the first few thousand objects), so detection stays cheap on
large documents. Pure data: no file or network access.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..constants import OMI_NS as _OMI
from ..schemas.versions import V3_NS, get_version
from .context import version_for_context_url
from .schemafacts import version_markers

__all__ = ["VersionGuess", "guess_version"]

_OMI_TYPES = _OMI + "types/"
_OMI_PROPS = _OMI + "props/"


@dataclass(frozen=True)
class VersionGuess:
    """The detected version, and why (``ambiguous`` when v4 was assumed for lack of evidence)."""

    version: str
    reason: str
    ambiguous: bool = False


def _markers() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(type name → only version having it, (type name, key) → only version having that property)."""
    return version_markers()  # shipped data (schemafacts): no schema registry is built for this


def _short(text: str, prefix: str) -> str | None:
    if text.startswith(prefix):
        rest = text[len(prefix) :]
        return rest if rest and "/" not in rest else None
    return None


def guess_version(doc: Any, budget: int = 5000) -> VersionGuess:
    """The openMINDS version of a parsed JSON(-LD) document (dict or list), from its content."""
    types, keys = _markers()
    evidence: Counter[str] = Counter()
    examples: dict[str, str] = {}
    stack = [doc]
    while stack and budget > 0:
        item = stack.pop()
        budget -= 1
        if isinstance(item, list):
            stack.extend(reversed(item[:200]))
            continue
        if not isinstance(item, dict):
            continue
        found = _v3_or_context(item)
        if found:
            return VersionGuess(found, "the document uses the openMINDS v3 namespace (openminds.ebrains.eu)")
        tname = _type_name(item.get("@type"))
        if tname in types:
            v = types[tname]
            evidence[v] += 1
            examples.setdefault(v, f"the type {tname} exists only in openMINDS {v}")
        for k, val in item.items():
            if not isinstance(k, str):
                continue
            if tname and not k.startswith("@"):
                short = _short(k, _OMI_PROPS) or (k if ":" not in k else None)
                only = keys.get((tname, short)) if short else None
                if only:
                    evidence[only] += 1
                    examples.setdefault(only, f"{tname} has the property {short!r} only in openMINDS {only}")
            if isinstance(val, (dict, list)) and k != "@context":
                stack.append(val)
    if evidence["v5"] and evidence["v5"] >= evidence["v4"]:
        return VersionGuess("v5", examples["v5"])
    if evidence["v4"]:
        return VersionGuess("v4", examples["v4"])
    return VersionGuess(
        "v4",
        "nothing in the document exists in only one of openMINDS v4 and v5 (they share the "
        "openminds.om-i.org namespace), so v4 was assumed; pass version='v5' if it is v5",
        ambiguous=True,
    )


def _v3_or_context(item: dict[str, Any]) -> str | None:
    ctx = item.get("@context")
    if isinstance(ctx, str) and version_for_context_url(ctx) == "v3":
        return "v3"
    if isinstance(ctx, dict) and ctx.get("@vocab") == get_version("v3").vocab:
        return "v3"
    t = item.get("@type")
    for x in t if isinstance(t, list) else [t]:
        if isinstance(x, str) and x.startswith(V3_NS):
            return "v3"
    for k in item:
        if isinstance(k, str) and k.startswith(V3_NS):
            return "v3"
    return None


def _type_name(t: Any) -> str | None:
    if isinstance(t, list):
        t = t[0] if t else None
    if not isinstance(t, str):
        return None
    if t.startswith(_OMI_TYPES):
        return t[len(_OMI_TYPES) :]
    return t if ":" not in t else None
