"""DataCite metadata (kernel 4, JSON) for a DatasetVersion, ModelVersion or SoftwareVersion.

EBRAINS registers a DataCite DOI for each released version. :func:`to_datacite`
drafts that record from the openMINDS metadata and checks it against the DataCite
JSON schema shipped with the ``datacite`` package (kernel 4.5; read from the
installed package, no network)::

    doc = to_datacite(graph)            # the only product version in the graph
    doc["creators"][0]["nameIdentifiers"]
    # [{'nameIdentifier': 'https://orcid.org/0000-…', 'nameIdentifierScheme': 'ORCID', …}]
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from ..errors import SerializationError
from ..graph.model import MetadataGraph, Node, iter_values
from ..schemas import term_by_iri
from .products import Product, get_product, label_of

__all__ = ["DATACITE_SCHEMA_VERSION", "datacite_errors", "to_datacite"]

#: the kernel-4 minor version whose JSON schema we validate against
DATACITE_SCHEMA_VERSION = "4.5"

PUBLISHER = {"name": "EBRAINS"}

_DOI = re.compile(r"(10\.[0-9]{4,9}/\S+)$")
_KG_INSTANCE = re.compile(r"^https://kg\.ebrains\.eu/api/instances/([0-9a-f-]{36})$")

#: openMINDS accessibility -> COAR/OpenAIRE access right (a rights entry DataCite recommends)
_ACCESS_RIGHTS = {
    "freeAccess": ("open access", "info:eu-repo/semantics/openAccess"),
    "underEmbargo": ("embargoed access", "info:eu-repo/semantics/embargoedAccess"),
    "controlledAccess": ("restricted access", "info:eu-repo/semantics/restrictedAccess"),
    "restrictedAccess": ("restricted access", "info:eu-repo/semantics/restrictedAccess"),
    "paidAccess": ("restricted access", "info:eu-repo/semantics/restrictedAccess"),
    "retracted": ("closed access", "info:eu-repo/semantics/closedAccess"),
}

#: openMINDS identifier type -> DataCite relatedIdentifierType
_ID_TYPES = {"DOI": "DOI", "HANDLE": "Handle", "ISBN": "ISBN", "ISSN": "ISSN", "SWHID": "URL", "RRID": "URL"}


@cache
def _schema() -> dict[str, Any]:
    path = resources.files("datacite").joinpath(f"schemas/datacite-v{DATACITE_SCHEMA_VERSION}.json")
    return json.loads(path.read_text("utf-8"))


def datacite_errors(doc: dict[str, Any]) -> list[str]:
    """Problems of a DataCite JSON document against the kernel-4 JSON schema (empty when valid)."""
    from jsonschema import Draft201909Validator, FormatChecker

    validator = Draft201909Validator(_schema(), format_checker=FormatChecker())
    out = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        out.append(f"{where}: {err.message}")
    return out


def to_datacite(
    graph: MetadataGraph | Any,
    version_id: str | None = None,
    *,
    validate: bool = True,
    today: _dt.date | None = None,
) -> dict[str, Any]:
    """DataCite kernel-4 JSON for one product version of ``graph`` (a graph, or a path to load).

    ``version_id`` picks the DatasetVersion/ModelVersion/SoftwareVersion (needed
    when the graph holds several). The publication year is taken from the
    release date, else from ``today`` (default: the current date). With
    ``validate=True`` (default) a document that does not meet the DataCite schema
    raises :class:`~ebrains_curation.errors.SerializationError` naming each problem.
    """
    product = get_product(graph, version_id)
    g = product.graph
    doc: dict[str, Any] = {}
    doi = _doi_of(g, product.get("digitalIdentifier"))
    if doi:
        doc["doi"] = doi
        doc["prefix"], doc["suffix"] = doi.split("/", 1)
    match = _KG_INSTANCE.match(product.id)
    if match:
        doc["url"] = f"https://search.kg.ebrains.eu/instances/{match.group(1)}"
    doc["creators"] = [c for c in (_creator(g, n) for n in product.creators) if c]
    doc["titles"] = _titles(product)
    doc["publisher"] = dict(PUBLISHER)
    release = str(product.own("releaseDate") or "")
    year = release[:4] if re.match(r"^[0-9]{4}", release) else str((today or _dt.date.today()).year)
    doc["publicationYear"] = year
    doc["types"] = {"resourceTypeGeneral": product.resource_type, "resourceType": product.type_name}
    subjects = [{"subject": label_of(g, v)} for v in product.values("keyword")]
    subjects += [{"subject": label_of(g, v)} for v in product.values("experimentalApproach")]
    if subjects:
        doc["subjects"] = _unique(subjects)
    contributors = [
        c for c in (_contributor(g, n, "ContactPerson") for n in product.linked("custodian")) if c
    ]
    copyright_ = product.own("copyright")
    for holder in iter_values((copyright_ or {}).get("holder")):
        c = _contributor(g, g.nodes.get(holder.get("@id"), holder.get("@id")), "RightsHolder")
        if c:
            contributors.append(c)
    if contributors:
        doc["contributors"] = _unique(contributors)
    if release:
        date_type = "Available" if _segment(product.own("accessibility")) == "underEmbargo" else "Issued"
        doc["dates"] = [{"date": release[:10], "dateType": date_type}]
    if product.own("versionIdentifier"):
        doc["version"] = str(product.own("versionIdentifier"))
    rights = _rights(g, product)
    if rights:
        doc["rightsList"] = rights
    description = product.get("description")
    if description:
        doc["descriptions"] = [{"description": str(description), "descriptionType": "Abstract"}]
    related = _related(g, product)
    if related:
        doc["relatedIdentifiers"] = related
    funding = [f for f in (_funding(g, n) for n in product.linked("funding")) if f]
    if funding:
        doc["fundingReferences"] = _unique(funding)
    formats = sorted({label_of(g, v) for v in product.values("format")})
    if formats:
        doc["formats"] = formats
    doc["schemaVersion"] = "http://datacite.org/schema/kernel-4"
    if validate:
        errors = datacite_errors(doc)
        if errors:
            raise SerializationError(
                f"the DataCite record for {product.id} does not meet the DataCite {DATACITE_SCHEMA_VERSION} "
                "schema: " + "; ".join(errors)
            )
    return doc


# -- pieces -----------------------------------------------------------------------------------------
def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _segment(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("@id")
    return str(value or "").rsplit("/", 1)[-1]


def _identifier_text(g: MetadataGraph, value: Any) -> tuple[str, str] | None:
    """(openMINDS identifier type, identifier string) of a link to a DOI/HANDLE/… node."""
    if isinstance(value, dict) and "@id" in value:
        node = g.nodes.get(value["@id"])
        if node is None:
            ident = value["@id"]
            kind = "DOI" if "doi.org/" in ident else "URL"
            return kind, ident
        value = node
    if not isinstance(value, dict):
        return None
    kind = g.type_name(value)
    ident = value.get("identifier") or value.get("IRI")
    if not ident:  # publications (ScholarlyArticle, Book, Chapter): use their own identifier
        for v in iter_values(value.get("digitalIdentifier")):
            found = _identifier_text(g, v)
            if found:
                return found
        return None
    return kind, str(ident)


def _doi_of(g: MetadataGraph, value: Any) -> str | None:
    found = _identifier_text(g, value) if value else None
    if not found or found[0] not in ("DOI", "URL"):
        return None
    match = _DOI.search(found[1])
    return match.group(1) if match else None


def _name_identifiers(g: MetadataGraph, node: Node) -> list[dict[str, str]]:
    out = []
    for v in iter_values(node.get("digitalIdentifier")):
        found = _identifier_text(g, v)
        if not found:
            continue
        kind, ident = found
        if kind == "ORCID" or "orcid.org/" in ident:
            out.append(
                {"nameIdentifier": ident, "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}
            )
        elif kind == "RORID" or "ror.org/" in ident:
            out.append(
                {"nameIdentifier": ident, "nameIdentifierScheme": "ROR", "schemeUri": "https://ror.org"}
            )
    return _unique(out)


def _affiliations(g: MetadataGraph, node: Node) -> list[dict[str, str]]:
    out = []
    for aff in iter_values(node.get("affiliation")):
        if not isinstance(aff, dict):
            continue
        for org_ref in iter_values(aff.get("memberOf") or aff.get("organization")):
            org = g.nodes.get(org_ref.get("@id", "")) if isinstance(org_ref, dict) else None
            if org is None:
                continue
            entry = {"name": label_of(g, org)}
            ror = [i for i in _name_identifiers(g, org) if i["nameIdentifierScheme"] == "ROR"]
            if ror:
                entry |= {
                    "affiliationIdentifier": ror[0]["nameIdentifier"],
                    "affiliationIdentifierScheme": "ROR",
                    "schemeUri": "https://ror.org",
                }
            out.append(entry)
    return _unique(out)


def _person_entry(g: MetadataGraph, node: Node | str) -> dict[str, Any] | None:
    if isinstance(node, str):  # target not in the graph: nothing to say about it
        return None
    if g.type_name(node) == "Person":
        given, family = node.get("givenName"), node.get("familyName")
        name = f"{family}, {given}" if family and given else (family or given or node.get("preferredName"))
        if not name:
            return None
        entry: dict[str, Any] = {"name": name, "nameType": "Personal"}
        if given:
            entry["givenName"] = given
        if family:
            entry["familyName"] = family
    else:
        entry = {"name": label_of(g, node), "nameType": "Organizational"}
    ids = _name_identifiers(g, node)
    if ids:
        entry["nameIdentifiers"] = ids
    affs = _affiliations(g, node)
    if affs:
        entry["affiliation"] = affs
    return entry


def _creator(g: MetadataGraph, node: Node | str) -> dict[str, Any] | None:
    return _person_entry(g, node)


def _contributor(g: MetadataGraph, node: Node | str, role: str) -> dict[str, Any] | None:
    entry = _person_entry(g, node)
    return entry | {"contributorType": role} if entry else None


def _titles(product: Product) -> list[dict[str, str]]:
    titles = []
    if product.title:
        titles.append({"title": str(product.title)})
    short = product.own("shortName")
    if short and short != product.title:
        titles.append({"title": str(short), "titleType": "AlternativeTitle"})
    return titles


def _rights(g: MetadataGraph, product: Product) -> list[dict[str, str]]:
    out = []
    for lic in product.values("license"):
        if not isinstance(lic, dict) or "@id" not in lic:
            continue
        term = term_by_iri(lic["@id"], g.version)
        node = g.nodes.get(lic["@id"])
        if term is not None:
            short = str(getattr(term, "short_name", "") or "")
            entry = {"rights": str(getattr(term, "full_name", "") or short)}
            legal = getattr(term, "legal_code", None)
            if legal:
                entry["rightsUri"] = str(getattr(legal, "value", legal))
            if short and not short.startswith(("EBRAINS-", "RU-DI", "youtube")):
                entry |= {
                    "rightsIdentifier": short,
                    "rightsIdentifierScheme": "SPDX",
                    "schemeUri": "https://spdx.org/licenses/",
                }
            out.append(entry)
        elif node is not None:
            entry = {"rights": label_of(g, node)}
            if node.get("legalCode") or node.get("IRI"):
                entry["rightsUri"] = str(node.get("legalCode") or node.get("IRI"))
            out.append(entry)
        else:
            out.append({"rights": lic["@id"].rsplit("/", 1)[-1], "rightsUri": lic["@id"]})
    access = _ACCESS_RIGHTS.get(_segment(product.own("accessibility")))
    if access:
        out.append({"rights": access[0], "rightsUri": access[1]})
    return _unique(out)


def _related_entry(g: MetadataGraph, value: Any, relation: str) -> dict[str, str] | None:
    found = _identifier_text(g, value)
    if not found:
        return None
    kind, ident = found
    doi = _DOI.search(ident) if kind in ("DOI", "URL") and "doi.org/" in ident else None
    if doi:
        return {"relatedIdentifier": doi.group(1), "relatedIdentifierType": "DOI", "relationType": relation}
    id_type = _ID_TYPES.get(kind, "URL")
    if id_type == "URL" and not ident.startswith("http"):
        return None
    return {"relatedIdentifier": ident, "relatedIdentifierType": id_type, "relationType": relation}


def _related(g: MetadataGraph, product: Product) -> list[dict[str, str]]:
    out: list[dict[str, str] | None] = []
    if product.parent is not None:
        out.append(_related_entry(g, product.parent.get("digitalIdentifier"), "IsVersionOf"))
    for v in product.values("isNewVersionOf"):
        node = g.nodes.get(v.get("@id", "")) if isinstance(v, dict) else None
        if node is not None:
            out.append(_related_entry(g, node.get("digitalIdentifier"), "IsNewVersionOf"))
    own_date = str(product.own("releaseDate") or "")
    for other in product.other_versions():
        if other.get("@id") in product.ids("isNewVersionOf"):
            continue
        newer = any(
            v.get("@id") == product.id
            for v in iter_values(other.get("isNewVersionOf"))
            if isinstance(v, dict)
        )
        older = bool(own_date) and str(other.get("releaseDate") or "9999") < own_date
        relation = "IsPreviousVersionOf" if newer or not older else "IsNewVersionOf"
        out.append(_related_entry(g, other.get("digitalIdentifier"), relation))
    for v in product.values("isAlternativeVersionOf"):
        node = g.nodes.get(v.get("@id", "")) if isinstance(v, dict) else None
        if node is not None:
            out.append(_related_entry(g, node.get("digitalIdentifier"), "IsVariantFormOf"))
    for v in product.values("relatedPublication"):
        out.append(_related_entry(g, v, "IsReferencedBy"))
    doc = product.own("fullDocumentation") or product.own("documentation")
    if doc:
        out.append(_related_entry(g, doc, "IsDocumentedBy"))
    return _unique(
        [e for e in out if e and e["relatedIdentifier"] != (_doi_of(g, product.get("digitalIdentifier")))]
    )


def _funding(g: MetadataGraph, node: Node | str) -> dict[str, str] | None:
    if isinstance(node, str):
        return None
    funder = node.get("funder")
    funder_node = g.nodes.get(funder.get("@id", "")) if isinstance(funder, dict) else None
    if funder_node is None:
        return None
    entry = {"funderName": label_of(g, funder_node)}
    ror = [i for i in _name_identifiers(g, funder_node) if i["nameIdentifierScheme"] == "ROR"]
    if ror:
        entry |= {"funderIdentifier": ror[0]["nameIdentifier"], "funderIdentifierType": "ROR"}
    if node.get("awardNumber"):
        entry["awardNumber"] = str(node["awardNumber"])
    if node.get("awardTitle"):
        entry["awardTitle"] = str(node["awardTitle"])
    return entry
