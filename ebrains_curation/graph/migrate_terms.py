"""v4 → v5 changes of controlled terms and library instances, checked against the official libraries.

The openMINDS v5 instance library renames some instance IRIs and restructures the
identifiers of controlled terms. These rules reproduce what the official v5 library
shows for the v4 library's instances (see ``tests/test_migrate_library.py``):

* **instance IRIs**: ``brainAtlas(Version)/`` → ``anatomicalAtlas(Version)/``,
  ``commonCoordinateSpace(Version)/`` → ``commonCoordinateFramework(Version)/``, and
  ``UBERONParcellation/X`` → the v5 anatomy instance named X (``nervousSystemStructure/X``
  for most, ``vascularStructure/X``, ``tissueStructure/X`` … for the others);
* **identifiers**: ``interlexIdentifier`` and ``knowledgeSpaceLink`` are gone. An
  InterLex id becomes the ``preferredOntologyIdentifier`` when the old preferred id is
  not from an ontology (a NIF, PubChem, Wikidata, DrugBank … cross-reference, or a
  non-"base" InterLex IRI), otherwise an ``otherOntologyIdentifier``; a displaced
  cross-reference becomes the ``preferredCrossReference`` (or an
  ``otherCrossReference`` when the KnowledgeSpace link takes that place);
* ``relatedUBERONTerm`` → ``relatedInterspeciesAnatomy`` (with the renamed IRI);
  ``ContentType.relatedMediaType`` → ``definingSource``.
"""

from __future__ import annotations

import functools
from typing import Any

from ..constants import OMI_NS
from ..schemas import term_by_iri
from ..schemas.versions import OpenMINDSVersion

__all__ = ["identifiers_v4_to_v5", "identifiers_v5_to_v4", "rename_v4_instance", "rename_v5_instance"]

INST = OMI_NS + "instances/"
_SEGMENTS = {
    "brainAtlas": "anatomicalAtlas",
    "brainAtlasVersion": "anatomicalAtlasVersion",
    "commonCoordinateSpace": "commonCoordinateFramework",
    "commonCoordinateSpaceVersion": "commonCoordinateFrameworkVersion",
}
_SEGMENTS_BACK = {v: k for k, v in _SEGMENTS.items()}
#: hosts whose IRIs are cross-references, not ontology terms
_CROSS_REFERENCE_HOSTS = (
    "https://www.wikidata.org/",
    "https://pubchem.ncbi.nlm.nih.gov/",
    "http://uri.neuinfo.org/",
    "https://www.drugbank.ca/",
    "https://go.drugbank.com/",
    "https://ncimeta.nci.nih.gov/",
)
#: InterLex IRIs that are not the canonical ``…/base/ilx_…`` form give way to the InterLex id
_WEAK_INTERLEX = (
    "http://uri.interlex.org/tgbugs/",
    "http://uri.interlex.org/npo/",
    "http://uri.interlex.org/ilx_",
)


@functools.cache
def _v5_anatomy_by_name() -> dict[str, str]:
    """Last IRI segment → v5 instance IRI, for the anatomy terms that replace UBERONParcellation."""
    from ..schemas.terms import iter_terms

    kinds = (
        "nervousSystemStructure",
        "vascularStructure",
        "tissueStructure",
        "anatomicalCavity",
        "organismSystem",
    )
    out: dict[str, str] = {}
    for term in iter_terms(OpenMINDSVersion.V5):
        iri = str(term.id)
        kind, _, name = iri[len(INST) :].partition("/")
        if kind in kinds:
            out.setdefault(name, iri)
    return out


def rename_v4_instance(iri: str) -> str | None:
    """The v5 IRI of a v4 library instance whose IRI changed, or None (unchanged or unknown)."""
    if not iri.startswith(INST):
        return None
    kind, _, name = iri[len(INST) :].partition("/")
    if kind in _SEGMENTS:
        return INST + _SEGMENTS[kind] + "/" + name
    if kind == "UBERONParcellation":
        return _v5_anatomy_by_name().get(name)
    return None


def rename_v5_instance(iri: str) -> str | None:
    """The v4 IRI of a v5 library instance whose IRI changed, or None."""
    if not iri.startswith(INST):
        return None
    kind, _, name = iri[len(INST) :].partition("/")
    if kind in _SEGMENTS_BACK:
        return INST + _SEGMENTS_BACK[kind] + "/" + name
    if _v5_anatomy_by_name().get(name) == iri and term_by_iri(iri, OpenMINDSVersion.V4) is None:
        old = INST + "UBERONParcellation/" + name
        return old if term_by_iri(old, OpenMINDSVersion.V4) is not None else None
    return None


def _is_cross_reference(iri: Any) -> bool:
    return isinstance(iri, str) and iri.startswith(_CROSS_REFERENCE_HOSTS)


def _append(node: dict[str, Any], key: str, value: Any) -> None:
    have = node.get(key)
    items = list(have) if isinstance(have, list) else ([] if have is None else [have])
    if value not in items:
        items.append(value)
    node[key] = items


def identifiers_v4_to_v5(node: dict[str, Any], props: dict[str, Any], mapped: Any) -> None:
    """Restructure a controlled term's identifiers in place (see the module notes)."""
    if not props or "preferredCrossReference" not in props:
        return
    ilx = node.pop("interlexIdentifier", None)
    ks = node.pop("knowledgeSpaceLink", None)
    pref = node.get("preferredOntologyIdentifier")
    if ilx is None and ks is None and not _is_cross_reference(pref):
        return
    displaced = None
    if _is_cross_reference(pref) or (
        ilx is not None and isinstance(pref, str) and pref.startswith(_WEAK_INTERLEX)
    ):
        displaced = node.pop("preferredOntologyIdentifier")
    if ks is not None:
        node["preferredCrossReference"] = ks
    if ilx is not None:
        if "preferredOntologyIdentifier" not in node:
            node["preferredOntologyIdentifier"] = ilx
            if pref is None:
                _append(node, "otherOntologyIdentifier", ilx)  # as the v5 library lists it
        elif ilx != node["preferredOntologyIdentifier"]:
            _append(node, "otherOntologyIdentifier", ilx)
    if displaced is not None:
        if not _is_cross_reference(displaced):
            _append(node, "otherOntologyIdentifier", displaced)
        elif "preferredCrossReference" in node:
            _append(node, "otherCrossReference", displaced)
        else:
            node["preferredCrossReference"] = displaced
    mapped["term identifiers"] += 1


_KNOWLEDGE_SPACE = "https://knowledge-space.org/"
_INTERLEX = "http://uri.interlex.org/"


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else ([] if value is None else [value])


def identifiers_v5_to_v4(node: dict[str, Any], props: dict[str, Any], mapped: Any) -> None:
    """The reverse of :func:`identifiers_v4_to_v5`, for terms whose identifiers follow its pattern.

    Identifiers that fit no v4 slot stay where they are (and the migration reports them).
    """
    if not props or "interlexIdentifier" not in props:
        return
    pcr = node.get("preferredCrossReference")
    if pcr is None and "otherOntologyIdentifier" not in node and "otherCrossReference" not in node:
        return
    pref = node.get("preferredOntologyIdentifier")
    others = _items(node.get("otherOntologyIdentifier"))
    crosses = _items(node.get("otherCrossReference"))
    ks = pcr if isinstance(pcr, str) and pcr.startswith(_KNOWLEDGE_SPACE) else None
    cross = pcr if pcr is not None and ks is None else (crosses[0] if len(crosses) == 1 else None)
    weak = [o for o in others if isinstance(o, str) and o.startswith(_WEAK_INTERLEX)]
    ilx = v4_pref = None
    if isinstance(pref, str) and pref.startswith(_INTERLEX) and (cross or weak or pref in others):
        ilx, v4_pref = pref, cross or (weak[0] if weak else None)
        others = [o for o in others if o != pref and o != v4_pref]
    else:
        found = [o for o in others if isinstance(o, str) and o.startswith(_INTERLEX)]
        ilx = found[0] if len(found) == 1 else None
        others = [o for o in others if o != ilx]
        v4_pref = pref if pref is not None else cross
    for key in ("preferredOntologyIdentifier", "preferredCrossReference", "otherOntologyIdentifier"):
        node.pop(key, None)
    crosses = [c for c in crosses if c != v4_pref]
    if crosses:
        node["otherCrossReference"] = crosses
    else:
        node.pop("otherCrossReference", None)
    if others:
        node["otherOntologyIdentifier"] = others
    if v4_pref is not None:
        node["preferredOntologyIdentifier"] = v4_pref
    if ilx is not None:
        node["interlexIdentifier"] = ilx
    if ks is not None:
        node["knowledgeSpaceLink"] = ks
    mapped["term identifiers"] += 1
