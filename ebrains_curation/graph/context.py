"""The openMINDS JSON-LD contexts we ship, and the per-key value rules derived from them.

Our files use openMINDS's own context, ``{"@vocab": <property namespace>}``, by
default (see :mod:`ebrains_curation.graph.writers`); the *typed* contexts below are
the explicit alternative (``context="typed"``) and the reading the validators use.

One context per openMINDS version (``ebrains_curation/contexts/openminds-v3.jsonld``,
``-v4``, ``-v5``; ``latest`` uses the v5 one). Each holds ``@vocab`` (the
version's property namespace), the ``xsd`` prefix, and one term per property
key of the version:

* ``{"@id": <iri>, "@type": "@id"}`` for keys whose values are links or IRIs
  (a plain string value then means an IRI, not a text);
* ``{"@id": <iri>, "@type": "xsd:date"}`` / ``"xsd:dateTime"`` / ``"xsd:time"``
  for date, date-time and time keys;
* ``{"@id": <iri>}`` for everything else (text, numbers).

**Keys shared by several types with different kinds of value.** A context
term is global (not per type), so a key gets a coercion only when every type
using it agrees. Links, embedded nodes and IRIs are compatible (``@id``
coercion touches strings only, and links are always ``{"@id": …}`` objects),
so e.g. ``specification`` (IRI in one type, link in another) is ``@id``. Keys
that are text in one type and IRI or date in another (``ontologyIdentifier``,
``configuration``, ``type``, ``value``, ``modificationDate``, ``startTime``…)
get **no** coercion: their values stay plain literals, which loses nothing
(readers and writers agree) but means such an IRI or date is an untyped
literal in RDF. :func:`conflicting_keys` lists them.

The files are generated from the type specs by
``python -m ebrains_curation.graph.gencontexts`` and committed.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Final

from ..schemas.versions import OpenMINDSVersion, VersionLike, get_version

__all__ = [
    "CONTEXT_URLS",
    "XSD",
    "KeyRule",
    "build_context",
    "conflicting_keys",
    "context_for",
    "context_url",
    "key_rules",
    "value_rules",
    "version_for_context_url",
]

XSD: Final = "http://www.w3.org/2001/XMLSchema#"
XSD_DATE: Final = XSD + "date"
XSD_DATETIME: Final = XSD + "dateTime"
XSD_TIME: Final = XSD + "time"

#: Stable URLs under which the shipped contexts are served (offline) by our document loader.
CONTEXT_URLS: Final[dict[str, str]] = {
    "v3": "https://openminds.om-i.org/contexts/v3.jsonld",
    "v4": "https://openminds.om-i.org/contexts/v4.jsonld",
    "v5": "https://openminds.om-i.org/contexts/v5.jsonld",
}
CONTEXT_FILES: Final = {"v3": "openminds-v3.jsonld", "v4": "openminds-v4.jsonld", "v5": "openminds-v5.jsonld"}

_KIND_TO_COERCION: Final = {
    "link": "@id",
    "embedded": "@id",
    "iri": "@id",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
}


def _context_key(version: str | None) -> str:
    v = get_version(version)
    return "v5" if v == "latest" else v


def context_url(version: VersionLike = None) -> str:
    """The URL naming the shipped context of ``version`` (served offline by our loader)."""
    return CONTEXT_URLS[_context_key(version)]


def version_for_context_url(url: str) -> str | None:
    """The version whose shipped context has this URL, or None."""
    for v, u in CONTEXT_URLS.items():
        if u == url:
            return v
    return None


def _coercion_of(kinds: frozenset[str]) -> str | None:
    if not kinds:
        return None
    if kinds <= {"link", "embedded", "iri"}:
        return "@id"
    if len(kinds) == 1:
        return _KIND_TO_COERCION.get(next(iter(kinds)))
    return None


def _key_analysis(
    version: OpenMINDSVersion,
) -> tuple[dict[str, str], dict[str, str | None], dict[str, set[str | None]]]:
    from ..schemas.specs import get_registry

    reg = get_registry(version)
    iris: dict[str, str] = {}
    per_key: dict[str, set[str | None]] = {}
    for spec in reg:
        for p in spec.properties.values():
            iris[p.key] = p.iri
            per_key.setdefault(p.key, set()).add(_coercion_of(p.kinds))
    chosen = {k: (next(iter(s)) if len(s) == 1 else None) for k, s in per_key.items()}
    return iris, chosen, per_key


def build_context(version: OpenMINDSVersion) -> dict[str, Any]:
    """Build the context of a version from the type specs (what the generator writes)."""
    v = get_version(version)
    iris, chosen, _ = _key_analysis(v)
    ctx: dict[str, Any] = {"@vocab": get_version(v).vocab, "xsd": XSD}
    for key in sorted(iris):
        term: dict[str, str] = {"@id": iris[key]}
        if chosen[key]:
            term["@type"] = chosen[key]  # type: ignore[assignment]
        ctx[key] = term
    return {"@context": ctx}


def conflicting_keys(version: VersionLike = None) -> dict[str, list[str]]:
    """Keys whose value kind differs between types (they get no coercion), with the coercions seen."""
    _, _, per_key = _key_analysis(get_version(version))
    return {k: sorted(str(c) for c in s) for k, s in sorted(per_key.items()) if len(s) > 1}


@cache
def _shipped(key: str) -> dict[str, Any]:
    text = resources.files("ebrains_curation.contexts").joinpath(CONTEXT_FILES[key]).read_text("utf-8")
    return json.loads(text)


def context_for(version: VersionLike = None) -> dict[str, Any]:
    """The shipped context document ``{"@context": {...}}`` of a version (a fresh copy)."""
    return json.loads(json.dumps(_shipped(_context_key(version))))


class KeyRule:
    """How values of one property key are written: its full IRI and coercion (``@id``, an xsd IRI or None)."""

    __slots__ = ("coercion", "iri", "key")

    def __init__(self, key: str, iri: str, coercion: str | None):
        self.key = key
        self.iri = iri
        self.coercion = coercion

    def __repr__(self) -> str:
        return f"KeyRule({self.key!r}, {self.iri!r}, {self.coercion!r})"


@cache
def key_rules(version: VersionLike = None) -> dict[str, KeyRule]:
    """Short key → :class:`KeyRule` for the version, read from the shipped context (xsd expanded)."""
    ctx = _shipped(_context_key(version))["@context"]
    rules: dict[str, KeyRule] = {}
    for key, term in ctx.items():
        if key.startswith("@") or not isinstance(term, dict):
            continue
        coercion = term.get("@type")
        if isinstance(coercion, str) and coercion.startswith("xsd:"):
            coercion = XSD + coercion[4:]
        rules[key] = KeyRule(key, term["@id"], coercion)
    return rules


def value_rules(version: str | None = None, *, typed: bool = True) -> dict[str, KeyRule]:
    """The key rules for writing values: the typed context's (``typed=True``) or none at all.

    Without rules every key maps to ``@vocab`` + key and every string stays a plain
    literal: openMINDS's own ``{"@vocab": …}`` convention.
    """
    return key_rules(version) if typed else {}
