"""KG documents in the sandbox: payload validation and normalisation, labels, revisions.

Validation follows the KG's ``JsonLdDoc.validate`` rules and messages (answered as a
plain-text 400). As in the KG, a payload that fails them is sent through JSON-LD
expansion and compaction with an empty context and validated again, so compact
payloads with an ``@context`` and fully expanded ones are stored in normalised form.
"""

from __future__ import annotations

import base64
import datetime as _dt
import os
import re
from typing import Any

from ...constants import KG_INSTANCE_NS as KG_NAMESPACE
from ...constants import KG_META_PREFIX as META
from ..labels import document_label

__all__ = [
    "IDENTIFIER",
    "KG_NAMESPACE",
    "META",
    "RESET_VALUE",
    "PayloadError",
    "identifiers_of",
    "label_of",
    "new_revision",
    "normalize_doc",
    "now_iso",
    "strip_embedded",
]

IDENTIFIER = "http://schema.org/identifier"
RESET_VALUE = "https://core.kg.ebrains.eu/vocab/resetValue"
_IRI_RE = re.compile(r"^https?://\S+$")


class PayloadError(ValueError):
    """An invalid JSON-LD payload (answered with a plain-text 400)."""


class _NeedsExpansion(PayloadError):
    """A value object (``{"@value": …}``): the payload is fully expanded JSON-LD and must be normalised."""


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_revision() -> str:
    """An opaque revision string, like ArangoDB's ``_rev``."""
    return "_" + base64.urlsafe_b64encode(os.urandom(6)).decode().rstrip("=")


def label_of(doc: dict[str, Any]) -> str:
    """The text ``searchByLabel`` matches and lists are sorted by."""
    return document_label(doc)


def _validate(value: Any, key: str | None, root: bool, values_ok: bool = False) -> None:
    if isinstance(value, list):
        for item in value:
            _validate(item, key, False, values_ok)
        return
    if not isinstance(value, dict):
        return
    if values_ok and "@value" in value:
        return
    if "@id" in value:
        ident = value["@id"]
        if not isinstance(ident, str) or not _IRI_RE.match(ident):
            raise PayloadError(f"Payload contains at least one invalid @id: {ident}")
        if not root and set(value) - {"@id"}:
            raise PayloadError(f"The reference to {ident} contained additional fields -> this is not allowed")
    if "@value" in value or "@list" in value:
        raise _NeedsExpansion(key)
    if not root and "@id" not in value and "@type" not in value:
        raise PayloadError(f"The embedded structure of {key} needs to provide an @type")
    if "@type" in value:
        types = value["@type"]
        if isinstance(types, str):
            types = [types]
            value["@type"] = types
        if (
            not isinstance(types, list)
            or not types
            or not all(isinstance(t, str) and _IRI_RE.match(t) for t in types)
        ):
            raise PayloadError("@type should contain a list of valid urls")
    for k, v in value.items():
        if k.startswith("@") or k.startswith("_"):
            continue
        if k.startswith(META):
            raise PayloadError(
                f"The property {k} is a meta property of the EBRAINS KG. You are not supposed to set this "
                "value yourself - this is handled internally."
            )
        if not _IRI_RE.match(k):
            raise PayloadError(f"The property {k} is not fully qualified")
        _validate(v, k, False, values_ok)


def _expand_context(doc: dict[str, Any]) -> dict[str, Any]:
    """Expand a compact payload with its @context (offline), then compact with no context."""
    from pyld import jsonld

    def no_remote(url: str, options: Any = None) -> Any:
        raise PayloadError(f"The sandbox cannot load the remote JSON-LD context {url}")

    try:
        expanded = jsonld.expand(doc, {"documentLoader": no_remote})
        out = jsonld.compact(expanded, {}, {"documentLoader": no_remote})
    except PayloadError:
        raise
    except Exception as exc:
        raise PayloadError(f"The payload could not be expanded: {exc}") from None
    out.pop("@context", None)
    return out


def normalize_doc(payload: Any, *, require_type: bool) -> dict[str, Any]:
    """Validate and normalise a payload as the KG does (string @type → list); raises PayloadError."""
    if not isinstance(payload, dict):
        raise PayloadError("The payload needs to be a JSON object")
    doc = dict(payload)
    if require_type and not doc.get("@type"):
        raise PayloadError("A payload needs to provide the @type argument")
    try:
        _validate(doc, None, True)
    except PayloadError as exc:
        if "@context" not in doc and not isinstance(exc, _NeedsExpansion):
            raise
        # as the KG does: send it through JSON-LD expansion + compaction with an empty context
        # (accepts compact payloads with an @context and fully expanded ones), then validate again
        doc = _expand_context(doc)
        _validate(doc, None, True, values_ok=True)  # typed literals stay value objects
    doc.pop("@context", None)
    return doc


def identifiers_of(doc: dict[str, Any]) -> list[str]:
    value = doc.get(IDENTIFIER)
    items = value if isinstance(value, list) else ([value] if value is not None else [])
    return [v for v in items if isinstance(v, str)]


def strip_embedded(doc: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in doc.items():
        if isinstance(v, dict) and "@id" not in v and not k.startswith("@"):
            continue
        if isinstance(v, list) and any(isinstance(i, dict) and "@id" not in i for i in v):
            v = [i for i in v if not (isinstance(i, dict) and "@id" not in i)]
        out[k] = v
    return out
