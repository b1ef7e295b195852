"""Seed a sandbox with the openMINDS library instances (controlled terms, licences, content types…).

As in the KG, each term lives in the ``controlled`` space, is released, and carries
its openMINDS instance IRI in ``http://schema.org/identifier``, so clients resolve
``https://openminds.om-i.org/instances/licenses/CC-BY-4.0`` to a KG id through
``/instancesByIdentifiers``. The KG UUID of a term is ``uuid5(NAMESPACE_URL, IRI)``
here (the real KG's UUIDs are arbitrary, which is why clients must resolve them).
Atlas instances (SANDS: parcellation entities, brain atlases, ~12,000 large documents)
go to the ``atlas`` space and only with ``with_atlases=True``.
"""

from __future__ import annotations

import uuid as _uuid
from functools import cache
from typing import Any

from ..schemas import get_version, iter_terms
from ..schemas.versions import VersionLike
from .sandbox.documents import IDENTIFIER, KG_NAMESPACE, label_of, new_revision, now_iso
from .sandbox.store import Store

__all__ = ["seed_terms", "term_documents", "term_uuid"]

CONTROLLED_SPACE = "controlled"
ATLAS_SPACE = "atlas"


def term_uuid(iri: str) -> str:
    """The sandbox's KG UUID for an openMINDS library instance IRI."""
    return str(_uuid.uuid5(_uuid.NAMESPACE_URL, iri))


def _expand(value: Any, vocab: str, known: set[str]) -> Any:
    if isinstance(value, list):
        return [_expand(v, vocab, known) for v in value]
    if not isinstance(value, dict):
        return value
    if "@id" in value and not value.keys() - {"@id", "@type"}:
        target = value["@id"]
        return {"@id": KG_NAMESPACE + term_uuid(target) if target in known else target}
    out: dict[str, Any] = {}
    for k, v in value.items():
        if v is None or v == []:
            continue
        if k == "@type":
            out[k] = v if isinstance(v, list) else [v]
        elif k.startswith("@"):
            out[k] = v
        else:
            out[k if "://" in k else vocab + k] = _expand(v, vocab, known)
    return out


@cache
def term_documents(version: VersionLike = "v4", with_atlases: bool = False) -> tuple[tuple[Any, ...], ...]:
    """(uuid, space, KG document, label, types, identifiers) for every library instance (cached)."""
    from openminds.base import LinkedNodeEmbedding

    v = get_version(version)
    vocab = get_version(v).vocab
    terms = [t for t in iter_terms(v) if with_atlases or ".sands." not in type(t).__module__]
    known = {str(t.id) for t in terms}
    rows = []
    for term in terms:
        iri = str(term.id)
        raw = term.to_jsonld(
            include_empty_properties=False, embed_linked_nodes=LinkedNodeEmbedding.NEVER, with_context=False
        )
        raw.pop("@id", None)
        doc = {"@id": KG_NAMESPACE + term_uuid(iri), **_expand(raw, vocab, known)}
        idents = [doc["@id"], iri]
        doc[IDENTIFIER] = idents
        space = ATLAS_SPACE if ".sands." in type(term).__module__ else CONTROLLED_SPACE
        rows.append((term_uuid(iri), space, doc, label_of(doc), tuple(doc["@type"]), tuple(idents)))
    return tuple(rows)


def seed_terms(store: Store, version: VersionLike = "v4", *, with_atlases: bool = False) -> int:
    """Insert (once per database) the released library instances of ``version``; returns how many were added."""
    v = get_version(version)
    key = f"seeded:{v}:{'atlases' if with_atlases else 'terms'}"
    if store.setting(key):
        return 0
    rows = term_documents(v, with_atlases)
    revision = new_revision()
    with store.transaction():
        for stage in ("IN_PROGRESS", "RELEASED"):
            store.bulk_put(stage, ((u, s, d, revision, lab, t, i) for u, s, d, lab, t, i in rows))
        store.mark_released((r[0] for r in rows), now_iso(), revision)
        store.set_setting(key, "1")
        store.set_setting("openminds_version", v)
    return len(rows)
