"""Recognise documents the EBRAINS KG returns, and turn them into plain JSON-LD nodes.

Whatever the KG returns loads through :func:`ebrains_curation.load` with nothing
special to know; the readers call :func:`kg_nodes` on every parsed document:

* a response envelope ``{"data": …, "message", "error", "total", "size", "from", …}``
  holding one instance, a page of instances, or a by-id map of nested envelopes
  (``/instancesByIds``); an envelope with an ``error`` is a :class:`LoadError`;
* a bare instance (a KG ``@id``, KG meta fields, ``http://schema.org/identifier``), or
  a list of them;
* Query-API results: items whose keys are the query's ``propertyName``s, either full
  IRIs under the response vocabulary (``https://schema.hbp.eu/myQuery/givenName``) or
  short, with a per-item ``"@context": {"@vocab": <responseVocab>}``. Their local names
  are read as openMINDS property keys; ``space`` becomes the KG meta field; typed link
  stubs ``{"@id", "@type"}`` stay links;
* links given as bare KG UUIDs (the next KG server, MarmotGraph v4, returns them) are
  expanded to ``https://kg.ebrains.eu/api/instances/<uuid>``.

KG meta fields (``https://core.kg.ebrains.eu/vocab/meta/…``, ``http://schema.org/identifier``)
are kept as graph metadata (``graph.meta``) by the node normaliser, never as properties.
Pure data handling: no I/O, no imports of :mod:`ebrains_curation.kg`.
"""

from __future__ import annotations

import re
from typing import Any

from ..constants import KG_INSTANCE_NS, KG_META_PREFIX, KG_META_PREFIXES, V3_NS
from ..errors import LoadError
from ..schemas.versions import VERSIONS, OpenMINDSVersion

__all__ = ["KG_INSTANCE_NS", "QUERY_RESPONSE_VOCAB", "is_kg_document", "kg_nodes"]

#: the response vocabulary of KG queries (``query:`` in the query context)
QUERY_RESPONSE_VOCAB = "https://schema.hbp.eu/myQuery/"
SCHEMA_IDENTIFIER = "http://schema.org/identifier"
META_SPACE = KG_META_PREFIX + "space"
_ENVELOPE_KEYS = frozenset(
    {"data", "message", "error", "startTime", "durationInMs", "transactionId", "total", "size", "from"}
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OPENMINDS_VOCABS = frozenset(v.vocab for v in VERSIONS.values())


def _is_envelope(doc: Any) -> bool:
    return isinstance(doc, dict) and "data" in doc and set(doc) <= _ENVELOPE_KEYS


def _is_kg_instance(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    ident = doc.get("@id")
    if isinstance(ident, str) and (ident.startswith(KG_INSTANCE_NS) or _UUID.match(ident)):
        return True
    return any(isinstance(k, str) and (k.startswith(KG_META_PREFIXES) or k == SCHEMA_IDENTIFIER) for k in doc)


def is_kg_document(doc: Any) -> bool:
    """True for a KG response envelope, a KG instance or a list holding one (see the module notes)."""
    if isinstance(doc, list):
        return any(_is_envelope(d) or _is_kg_instance(d) for d in doc[:50])
    return _is_envelope(doc) or _is_kg_instance(doc)


def kg_nodes(doc: Any, source: str, vocab: str | None = None) -> list[Any] | None:
    """The instances of a KG document as plain JSON-LD nodes, or None when ``doc`` is not one.

    ``vocab`` is the openMINDS property namespace the query-result keys are read in
    (default: the one the instances use, else v4's).
    """
    if not is_kg_document(doc):
        return None
    items = _instances(doc, source)
    target = vocab or _vocab_of(items)
    return [_node(item, target, source) for item in items]


def _instances(payload: Any, source: str) -> list[Any]:
    if isinstance(payload, list):
        out: list[Any] = []
        for item in payload:
            out.extend(_instances(item, source) if _is_envelope(item) else [item])
        return out
    if not _is_envelope(payload):
        return [payload]
    err = payload.get("error")
    if err:
        msg = err.get("message") if isinstance(err, dict) else str(err)
        code = err.get("code") if isinstance(err, dict) else None
        raise LoadError(f"the KG returned an error{f' {code}' if code else ''}: {msg}", source=source)
    data = payload["data"]
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "@id" not in data and data and all(_is_envelope(v) for v in data.values()):
        out = []  # bulk endpoints: {requested id: envelope}; unknown ids are 404 envelopes, skipped
        for env in data.values():
            if not (isinstance(env.get("error"), dict) and env["error"].get("code") == 404):
                out.extend(_instances(env, source))
        return out
    return [data]


def _vocab_of(items: list[Any]) -> str:
    for item in items[:50]:
        if isinstance(item, dict):
            for k in item:
                for v in _OPENMINDS_VOCABS:
                    if isinstance(k, str) and k.startswith(v):
                        return v
            t = item.get("@type")
            for x in t if isinstance(t, list) else [t]:
                if isinstance(x, str) and x.startswith(V3_NS):
                    return OpenMINDSVersion.V3.vocab
    return OpenMINDSVersion.V4.vocab


def _node(item: Any, vocab: str, source: str) -> Any:
    """One instance or query-result item as a plain JSON-LD node (keys in ``vocab``, bare UUIDs expanded)."""
    if not isinstance(item, dict):
        return item  # the normaliser reports it, naming the source
    response_vocab = None
    ctx = item.get("@context")
    if isinstance(ctx, dict) and set(ctx) == {"@vocab"} and ctx["@vocab"] not in _OPENMINDS_VOCABS:
        response_vocab = ctx["@vocab"]
    return _map(item, vocab, response_vocab, top=True)


def _key(key: str, vocab: str, response_vocab: str | None) -> str:
    if key.startswith("@") or key.startswith(KG_META_PREFIXES[0]) or key == SCHEMA_IDENTIFIER:
        return key
    local = None
    if key.startswith(QUERY_RESPONSE_VOCAB):
        local = key[len(QUERY_RESPONSE_VOCAB) :]
    elif response_vocab and key.startswith(response_vocab):
        local = key[len(response_vocab) :]
    elif response_vocab and ":" not in key:
        local = key
    if local is None:
        return key
    if local == "space":
        return META_SPACE
    if local == "id":
        return "@id"  # {"path": "@id", "propertyName": "query:id"}
    return vocab + local


def _map(value: Any, vocab: str, response_vocab: str | None, top: bool = False) -> Any:
    if isinstance(value, list):
        return [_map(v, vocab, response_vocab) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        if not isinstance(k, str):
            out[k] = v
            continue
        if k == "@context" and response_vocab is not None:
            continue  # the response vocabulary is applied here
        if k == "@id" and isinstance(v, str) and _UUID.match(v):
            out[k] = KG_INSTANCE_NS + v.lower()
        elif (
            k.startswith(KG_META_PREFIXES) and not k.startswith(QUERY_RESPONSE_VOCAB)
        ) or k == SCHEMA_IDENTIFIER:
            out[k] = v
        else:
            new = _key(k, vocab, response_vocab)
            if new == "@id" and k != "@id":  # a query's "id" column: the instance's own @id
                if "@id" not in value and isinstance(v, str):
                    out["@id"] = KG_INSTANCE_NS + v.lower() if _UUID.match(v) else v
                continue
            out[new] = _map(v, vocab, response_vocab)
    if not top and "@id" in out and "@type" not in out and len(out) > 1:
        # a traversal in a query result without @type: a link to the instance (its fields are a view)
        return {"@id": out["@id"]}
    return out
