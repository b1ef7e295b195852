"""Migrate a metadata graph between openMINDS versions: v3 ↔ v4 ↔ v5.

* **v3 ↔ v4** is a namespace rename (``openminds.ebrains.eu`` ↔ ``openminds.om-i.org``)
  of type IRIs, property IRIs and library-instance IRIs; lossless both ways. The two
  v4-only types (MRIPulseSequence, MRIWeighting) have no v3 IRI and are reported.
* **v4 → v5** applies what the openMINDS v5 release notes document:
  ``author``/``custodian``/``developer`` → ``contribution`` (Contribution with type
  authoring/custodianship/development, contributors in their original order);
  ``otherContribution`` → ``contribution`` (one per contribution type);
  ``license`` → ``usageCondition``; ``fullDocumentation`` → ``documentation``;
  ``versionInnovation`` → ``versionSpecification``; ``isNewVersionOf`` →
  ``isPrecededBy``; ``isAlternativeVersionOf`` → ``isVariantOf``;
  ``preparationDesign`` → ``preparationType``; ``Dataset.hasVersion`` →
  ``DatasetVersion.isVersionOf`` (the link direction flips); ProductAccessibility
  terms → v5 Accessibility instances (retracted / under embargo become a
  ``publicationStatus``); Person gets ``preferredName`` from given + family name;
  Organization ``fullName``/``shortName`` → ``name``/``acronym``; BrainAtlas,
  CommonCoordinateSpace (+Version) and CustomCoordinateSpace → their v5 renames.
  ``Person.affiliation`` → ``contributorAffiliation`` (v5 Person has no affiliations:
  each product or product version whose contributions name the person gets an
  embedded Affiliation with ``person`` and, as ``organization``, the person's v4
  ``memberOf`` organisations). ``ethicsAssessment`` cannot be mapped (v5 wants the country of
  the ethics jurisdiction) and is reported.
* **v5 → v4** reverses these where it can (``contributorAffiliation`` goes back to
  the Person's ``affiliation``, one per organisation, without duplicates).

Whatever cannot be mapped stays on the node unchanged and is listed in the
:class:`MigrationReport` (node, property, value, reason): nothing is dropped
silently. Links to library instances that the target version does not have are
reported too.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import MigrationError
from ..schemas import get_registry, get_version, term_by_iri
from ..schemas.versions import OMI_NS, V3_NS, OpenMINDSVersion
from .migrate_terms import identifiers_v4_to_v5, identifiers_v5_to_v4, rename_v4_instance, rename_v5_instance
from .model import MetadataGraph, iter_values

__all__ = ["MigrationIssue", "MigrationReport", "migrate"]

OMI_INST = OMI_NS + "instances/"
V3_INST = V3_NS + "instances/"

# v4 -> v5 renames of properties that keep their value shape
_V4_TO_V5_KEYS = {
    "license": "usageCondition",
    "fullDocumentation": "documentation",
    "versionInnovation": "versionSpecification",
    "isNewVersionOf": "isPrecededBy",
    "isAlternativeVersionOf": "isVariantOf",
    "preparationDesign": "preparationType",
    "relatedUBERONTerm": "relatedInterspeciesAnatomy",
    "relatedMediaType": "definingSource",
    "coordinateSpace": "coordinateFramework",
    "usedSpecies": "usedTaxon",
}
_V5_TO_V4_KEYS = {v: k for k, v in _V4_TO_V5_KEYS.items()}
_V4_TO_V5_TYPES = {
    "BrainAtlas": "AnatomicalAtlas",
    "BrainAtlasVersion": "AnatomicalAtlasVersion",
    "CommonCoordinateSpace": "CommonCoordinateFramework",
    "CommonCoordinateSpaceVersion": "CommonCoordinateFrameworkVersion",
    "CustomCoordinateSpace": "CustomCoordinateFramework",
}
_V5_TO_V4_TYPES = {v: k for k, v in _V4_TO_V5_TYPES.items()}
_ROLE_KEYS = {"author": "authoring", "custodian": "custodianship", "developer": "development"}
_ROLE_OF_TYPE = {v: k for k, v in _ROLE_KEYS.items()}
_CT = OMI_INST + "contributionType/"
_PA = OMI_INST + "productAccessibility/"
_ACC = OMI_INST + "accessibilities/"
_PS = OMI_INST + "publicationStatus/"
#: ProductAccessibility (v4) → (v5 Accessibility instance, v5 PublicationStatus); see term_aliases.json
_ACCESS = {
    "freeAccess": ("directVirtualOpenAccess", None),
    "controlledAccess": ("directVirtualAuthorizedControlledAccess", None),
    "restrictedAccess": ("mediatedVirtualAuthorizedRestrictedAccess", None),
    "paidAccess": ("directPhysicalSingle-paymentModelControlledAccess", None),
    "retracted": (None, "retracted"),
    "underEmbargo": (None, "embargoed"),
}
_ACCESS_BACK = {acc: pa for pa, (acc, _) in _ACCESS.items() if acc}
_STATUS_BACK = {st: pa for pa, (_, st) in _ACCESS.items() if st}


@dataclass(frozen=True)
class MigrationIssue:
    """Something the migration could not map: where it is, what it is and why."""

    node: str
    property: str | None
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"{self.node}" + (f" {self.property}" if self.property else "")
        return f"{where}: {self.reason}"


@dataclass
class MigrationReport:
    """What a :func:`migrate` call did: counts of mapped things and every issue it could not map."""

    source: str
    target: str
    mapped: Counter = field(default_factory=Counter)
    issues: list[MigrationIssue] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        """True when everything was mapped."""
        return not self.issues

    def has(self, node: str, prop: str | None) -> bool:
        """Whether an issue about this node and property is already recorded."""
        return any(i.node == node and i.property == prop for i in self.issues)

    def add(self, node: str, prop: str | None, value: Any, reason: str) -> None:
        """Record something that could not be mapped."""
        self.issues.append(MigrationIssue(node, prop, copy.deepcopy(value), reason))

    def extend(self, other: MigrationReport) -> None:
        """Merge a report from an intermediate step."""
        self.mapped.update(other.mapped)
        self.issues.extend(other.issues)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "source": self.source,
            "target": self.target,
            "mapped": dict(sorted(self.mapped.items())),
            "issues": [
                {"node": i.node, "property": i.property, "value": i.value, "reason": i.reason}
                for i in self.issues
            ],
        }

    def __str__(self) -> str:
        lines = [
            f"openMINDS {self.source} → {self.target}: {sum(self.mapped.values())} changes, "
            f"{len(self.issues)} not mapped"
        ]
        lines += [f"  - {i}" for i in self.issues]
        return "\n".join(lines)


def _key(version: OpenMINDSVersion) -> OpenMINDSVersion:
    v = get_version(version)
    return OpenMINDSVersion.V5 if v is OpenMINDSVersion.LATEST else v


def migrate(graph: MetadataGraph, to: str) -> tuple[MetadataGraph, MigrationReport]:
    """Return ``(new graph, report)`` with ``graph`` migrated to openMINDS version ``to``.

    The input graph is not modified. Chains steps as needed (v3 → v5 goes
    through v4). See the module notes for what is mapped.
    """
    if not isinstance(graph, MetadataGraph):
        raise MigrationError(f"migrate() takes a MetadataGraph, not {type(graph).__name__}")
    target = get_version(to)
    src, dst = _key(graph.version), _key(target)
    report = MigrationReport(graph.version, target)
    order = [OpenMINDSVersion.V3, OpenMINDSVersion.V4, OpenMINDSVersion.V5]
    g = graph.copy()
    i, j = order.index(src), order.index(dst)
    step = 1 if j >= i else -1
    while i != j:
        a, b = order[i], order[i + step]
        if {a, b} == {OpenMINDSVersion.V3, OpenMINDSVersion.V4}:
            g = _rename_namespace(g, a, b, report)
        elif (a, b) == (OpenMINDSVersion.V4, OpenMINDSVersion.V5):
            g = _v4_to_v5(g, report)
        else:
            g = _v5_to_v4(g, report)
        i += step
    if g.version != target:
        g.version = target
    _check_terms(g, report)
    return g, report


# ------------------------------------------------------------------------------------------------
# v3 <-> v4: namespace rename
# ------------------------------------------------------------------------------------------------
def _rename_namespace(
    graph: MetadataGraph, src: OpenMINDSVersion, dst: OpenMINDSVersion, report: MigrationReport
) -> MetadataGraph:
    s_inst, d_inst = (V3_INST, OMI_INST) if src == OpenMINDSVersion.V3 else (OMI_INST, V3_INST)
    s_vocab, d_vocab = get_version(src).vocab, get_version(dst).vocab
    d_reg = get_registry(dst)
    s_reg = get_registry(src)
    type_map: dict[str, str] = {}

    def new_type(t: str, node_id: str) -> str:
        if t in type_map:
            return type_map[t]
        spec = s_reg.find(t)
        out = t
        if spec is not None:
            target = d_reg.find(spec.name)
            if target is not None:
                out = target.iri
            else:
                report.add(
                    node_id, "@type", t, f"openMINDS {dst} has no type {spec.name}; the type IRI is kept"
                )
        type_map[t] = out
        return out

    def rid(value: str) -> str:
        if value.startswith(s_inst):
            report.mapped["instance IRI"] += 1
            return d_inst + value[len(s_inst) :]
        return value

    def convert(value: Any, node_id: str) -> Any:
        if isinstance(value, list):
            return [convert(v, node_id) for v in value]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                if k == "@id" and isinstance(v, str):
                    out[k] = rid(v)
                elif k == "@type":
                    out[k] = (
                        [new_type(t, node_id) for t in v] if isinstance(v, list) else new_type(v, node_id)
                    )
                elif k.startswith(s_vocab):
                    out[d_vocab + k[len(s_vocab) :]] = convert(v, node_id)
                else:
                    out[k] = convert(v, node_id)
            return out
        return value

    g = MetadataGraph(dst)
    for nid, node in graph.nodes.items():
        new = convert(node, nid)
        new_id = new["@id"]
        g.nodes[new_id] = new
        if nid in graph.meta:
            g.meta[new_id] = graph.meta[nid]
        if nid in graph.sources:
            g.sources[new_id] = graph.sources[nid]
    report.mapped["namespace"] += len(graph.nodes)
    _report_unknown_keys(g, report)
    return g


def _report_unknown_keys(graph: MetadataGraph, report: MigrationReport, only: set[str] | None = None) -> None:
    reg = get_registry(graph.version)
    for nid, node in graph.nodes.items():
        _unknown_in(reg, nid, node, report, graph.version, only)


def _unknown_in(
    reg: Any, nid: str, node: dict, report: MigrationReport, version: OpenMINDSVersion, only: set[str] | None
) -> None:
    t = node.get("@type")
    spec = reg.find(t) if isinstance(t, str) else None
    if spec is None:
        return
    for k, v in node.items():
        if k.startswith("@"):
            continue
        if k not in spec.properties:
            if (only is None or k in only) and not report.has(nid, k):
                report.add(
                    nid, k, v, f"openMINDS {version} {spec.name} has no property {k!r}; kept unchanged"
                )
            continue  # the whole value is reported (or was, by the step that kept it): not its parts again
        for item in iter_values(v):
            if isinstance(item, dict) and "@id" not in item and "@value" not in item:
                _unknown_in(reg, nid, item, report, version, only)


# ------------------------------------------------------------------------------------------------
# v4 -> v5
# ------------------------------------------------------------------------------------------------
def _type_name(node: dict) -> str:
    t = node.get("@type")
    if isinstance(t, list):
        t = t[0] if t else ""
    return str(t or "").rsplit("/", 1)[-1]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _v4_to_v5(graph: MetadataGraph, report: MigrationReport) -> MetadataGraph:
    v5 = get_registry(OpenMINDSVersion.V5)
    g = graph.copy()
    g.version = OpenMINDSVersion.V5
    v4_keys: set[str] = set()
    # Dataset.hasVersion -> DatasetVersion.isVersionOf (the direction flips)
    for nid, node in list(g.nodes.items()):
        if "hasVersion" not in node:
            continue
        kept: list[Any] = []  # links that cannot become an isVersionOf stay on the node (reported)
        for link in _as_list(node["hasVersion"]):
            target = link.get("@id") if isinstance(link, dict) else None
            version_node = g.nodes.get(target) if target else None
            if version_node is None:
                report.add(
                    nid,
                    "hasVersion",
                    link,
                    "the version is not in the graph, so its isVersionOf cannot be set; the link is kept",
                )
                kept.append(link)
                continue
            existing = version_node.get("isVersionOf")
            if existing and existing != {"@id": nid}:
                report.add(
                    str(target),
                    "isVersionOf",
                    existing,
                    f"already set; {nid} also lists it in hasVersion (kept)",
                )
                kept.append(link)
                continue
            version_node["isVersionOf"] = {"@id": nid}
            report.mapped["hasVersion→isVersionOf"] += 1
        if kept:
            node["hasVersion"] = kept
        else:
            del node["hasVersion"]
    for nid, node in g.nodes.items():
        _node_v4_to_v5(nid, node, v5, report, v4_keys)
    _affiliations_v4_to_v5(g, v5, report)
    g = _rename_instances(g, rename_v4_instance, report)
    _report_unknown_keys(g, report)
    return g


def _rename_instances(graph: MetadataGraph, rename: Any, report: MigrationReport) -> MetadataGraph:
    """Library-instance IRIs the target version renamed, as node @ids and in every link."""
    cache: dict[str, str | None] = {}

    def new(iri: str) -> str | None:
        if iri not in cache:
            cache[iri] = rename(iri)
        return cache[iri]

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            ref = value.get("@id")
            if isinstance(ref, str) and set(value) <= {"@id", "@type"}:
                target = new(ref)
                if target:
                    report.mapped["instance IRI renamed"] += 1
                    return {**value, "@id": target}
                return value
            return {k: (v if k.startswith("@") else walk(v)) for k, v in value.items()}
        return value

    out = MetadataGraph(graph.version)
    out.version_note = graph.version_note
    for nid, node in graph.nodes.items():
        target = new(nid) or nid
        body = {k: (v if k.startswith("@") else walk(v)) for k, v in node.items()}
        body["@id"] = target
        out.nodes[target] = body
        if nid in graph.meta:
            out.meta[target] = graph.meta[nid]
        if nid in graph.sources:
            out.sources[target] = graph.sources[nid]
    return out


def _contribution(contributors: list[Any], role: str) -> dict[str, Any]:
    return {
        "@type": OMI_NS + "types/Contribution",
        "contributor": [c for c in contributors],
        "type": {"@id": _CT + role},
    }


def _node_v4_to_v5(nid: str, node: dict[str, Any], v5: Any, report: MigrationReport, seen: set[str]) -> None:
    """Migrate one node v4 → v5 in place.

    Long because it lists the openMINDS v4 → v5 changes one after the other (types, contributions,
    renamed keys, Person and Organization names, embedded nodes), as the module notes do.
    """
    name = _type_name(node)
    renamed = rename_v4_instance(nid) if name == "UBERONParcellation" else None
    if renamed:  # the v5 anatomy term of the same name (its type is named by the IRI's folder)
        kind = renamed.rsplit("/", 2)[-2]
        node["@type"] = OMI_NS + "types/" + kind[0].upper() + kind[1:]
        report.mapped[f"UBERONParcellation→{kind}"] += 1
        name = _type_name(node)
    elif name in _V4_TO_V5_TYPES:
        node["@type"] = OMI_NS + "types/" + _V4_TO_V5_TYPES[name]
        report.mapped[f"{name}→{_V4_TO_V5_TYPES[name]}"] += 1
        name = _V4_TO_V5_TYPES[name]
    elif name and v5.find(name) is None:
        report.add(
            nid, "@type", node.get("@type"), f"openMINDS v5 has no type {name}; the node is kept as it is"
        )
    spec = v5.find(name)
    props = spec.properties if spec else {}
    # contributions
    contributions: list[Any] = []
    for key, role in _ROLE_KEYS.items():
        if key in node and "contribution" in props:
            people = [p for p in _as_list(node.pop(key)) if p is not None]
            if people:
                contributions.append(_contribution(people, role))
                report.mapped[f"{key}→contribution"] += 1
    if "otherContribution" in node and "contribution" in props:
        for c in _as_list(node.pop("otherContribution")):
            if not isinstance(c, dict) or "contributor" not in c:
                report.add(
                    nid,
                    "otherContribution",
                    c,
                    "not a Contribution with a contributor; dropped from contributions",
                )
                continue
            types = [t for t in _as_list(c.get("type")) if t is not None] or [None]
            for t in types:
                made: dict[str, Any] = {
                    "@type": OMI_NS + "types/Contribution",
                    "contributor": _as_list(c["contributor"]),
                }
                if t is not None:
                    made["type"] = t
                extra = {k: v for k, v in c.items() if k not in ("@type", "contributor", "type")}
                made.update(extra)
                contributions.append(made)
            report.mapped["otherContribution→contribution"] += 1
    if contributions:
        node["contribution"] = _as_list(node.get("contribution", [])) + contributions
    # plain renames
    for old, new in _V4_TO_V5_KEYS.items():
        if old in node and new in props:
            value = node.pop(old)
            if props[new].multiple and not isinstance(value, list):
                value = [value]
            node[new] = value
            report.mapped[f"{old}→{new}"] += 1
    identifiers_v4_to_v5(node, props, report.mapped)
    _age_v4_to_v5(nid, node, props, report)
    # accessibility terms
    if name and "accessibility" in node and "accessibility" in props:
        acc = node["accessibility"]
        ref = acc.get("@id") if isinstance(acc, dict) else None
        seg = ref[len(_PA) :] if isinstance(ref, str) and ref.startswith(_PA) else None
        if seg in _ACCESS:
            new_acc, status = _ACCESS[seg]
            if status and "publicationStatus" in props:
                node["publicationStatus"] = {"@id": _PS + status}
                report.mapped["accessibility→publicationStatus"] += 1
            if new_acc:
                node["accessibility"] = {"@id": _ACC + new_acc}
                report.mapped["accessibility term"] += 1
            else:
                report.add(
                    nid,
                    "accessibility",
                    acc,
                    f"{seg} has no v5 Accessibility (publicationStatus set to {status}); choose an accessibility",
                )
    if "ethicsAssessment" in node and "ethicsJurisdiction" in props:
        report.add(
            nid,
            "ethicsAssessment",
            node["ethicsAssessment"],
            "v5 records the ethics jurisdiction (a country or supranational body) instead of an "
            "assessment; set ethicsJurisdiction by hand (the old value is kept)",
        )
    # people and organisations
    if name == "Person" and "preferredName" not in node:
        full = " ".join(str(node[k]) for k in ("givenName", "familyName") if isinstance(node.get(k), str))
        if full:
            node["preferredName"] = full
            report.mapped["Person preferredName"] += 1
    if name == "Organization":
        for old, new in (("fullName", "name"), ("shortName", "acronym")):
            if old in node and new not in node:
                node[new] = node.pop(old)
                report.mapped[f"Organization {old}→{new}"] += 1
    # embedded nodes
    for key, value in list(node.items()):
        if key.startswith("@"):
            continue
        for item in iter_values(value):
            if isinstance(item, dict) and "@id" not in item and "@value" not in item:
                _embedded_v4_to_v5(nid, key, item, report)


_SPECIMEN_AGE = OMI_NS + "types/SpecimenAge"


def _age_v4_to_v5(nid: str, node: dict[str, Any], props: dict[str, Any], report: MigrationReport) -> None:
    """SubjectState/TissueSampleState ``age``: a v4 QuantitativeValue(Range) becomes a v5 SpecimenAge."""
    prop = props.get("age")
    age = node.get("age")
    if prop is None or _SPECIMEN_AGE not in prop.target_types or not isinstance(age, dict) or "@id" in age:
        return
    if _type_name(age) == "SpecimenAge":
        return
    node["age"] = {"@type": _SPECIMEN_AGE, "age": age}
    report.mapped["age→SpecimenAge"] += 1
    report.add(
        nid,
        "age.reference",
        None,
        "v5 ages say what they count from (SpecimenAge.reference, e.g. birth or conception); "
        "the v4 age has no such information: set the reference",
    )


def _age_v5_to_v4(nid: str, node: dict[str, Any], props: dict[str, Any], report: MigrationReport) -> None:
    """A v5 SpecimenAge goes back to its inner QuantitativeValue(Range); its reference is reported."""
    age = node.get("age")
    if (
        "age" not in props
        or not isinstance(age, dict)
        or _type_name(age) != "SpecimenAge"
        or "age" not in age
    ):
        return
    node["age"] = age["age"]
    report.mapped["SpecimenAge→age"] += 1
    if age.get("reference") is not None:
        report.add(nid, "age", age, "v4 ages have no reference (what the age counts from); it is not kept")


def _embedded_v4_to_v5(nid: str, key: str, item: dict[str, Any], report: MigrationReport) -> None:
    name = _type_name(item)
    if name == "Contribution":
        if "contributor" in item and not isinstance(item["contributor"], list):
            item["contributor"] = [item["contributor"]]
        t = item.get("type")
        if isinstance(t, list):
            if len(t) == 1:
                item["type"] = t[0]
            elif len(t) > 1:
                report.add(
                    nid, key, item, "a Contribution with several types: v5 allows one per Contribution"
                )


# ------------------------------------------------------------------------------------------------
# affiliations: v4 Person.affiliation <-> v5 contributorAffiliation of the products the person contributes to
# ------------------------------------------------------------------------------------------------
_AFFILIATION = OMI_NS + "types/Affiliation"


def _link_ids(value: Any) -> list[str]:
    return [v["@id"] for v in iter_values(value) if isinstance(v, dict) and isinstance(v.get("@id"), str)]


def _contributors(node: dict[str, Any]) -> list[str]:
    """The @ids of everyone named in the node's (v5) contributions, in order, once each."""
    out: list[str] = []
    for c in iter_values(node.get("contribution")):
        for p in _link_ids(c.get("contributor")) if isinstance(c, dict) else []:
            if p not in out:
                out.append(p)
    return out


def _affiliations_v4_to_v5(g: MetadataGraph, v5: Any, report: MigrationReport) -> None:
    """Move each Person's affiliations onto the ``contributorAffiliation`` of what the person contributes to.

    An affiliation entry that cannot be expressed in v5 (no organisation, a Consortium,
    start/end dates, other fields, or a person who contributes to nothing in the graph)
    stays on the Person and is reported once per person, with every reason.
    """
    products: dict[str, list[str]] = {}  # person -> products/versions whose contributions name them
    for nid, node in g.nodes.items():
        spec = v5.find(_type_name(node))
        if spec is not None and "contributorAffiliation" in spec.properties:
            for pid in _contributors(node):
                products.setdefault(pid, []).append(nid)
    for pid, person in g.nodes.items():
        if _type_name(person) != "Person" or "affiliation" not in person:
            continue
        targets = products.get(pid, [])
        orgs: list[str] = []
        kept: list[Any] = []
        reasons: list[str] = []
        for entry in iter_values(person["affiliation"]):
            members = _link_ids(entry.get("memberOf")) if isinstance(entry, dict) else []
            if not members:
                kept.append(entry)
                reasons.append("an affiliation without an organisation (memberOf)")
                continue
            not_org = [m for m in members if m in g.nodes and _type_name(g.nodes[m]) != "Organization"]
            if not_org:
                kept.append(entry)
                reasons.append(
                    f"v5 affiliations name organisations only, not a {_type_name(g.nodes[not_org[0]])} "
                    f"({not_org[0]})"
                )
                continue
            if not targets:
                kept.append(entry)
                continue
            orgs += [m for m in members if m not in orgs]
            extra = sorted(k for k in entry if k not in ("@type", "memberOf"))
            if extra:  # the organisation is mapped; what v5 cannot hold stays on the Person
                kept.append(entry)
                reasons.append(
                    f"v5 affiliations have no {', '.join(extra)} (the affiliation to {members[0]} is "
                    "in contributorAffiliation; the full entry stays on the Person)"
                )
        if kept and not targets:
            reasons.append(
                "the person contributes to no product or product version in the graph, so no "
                "contributorAffiliation can hold the affiliation"
            )
        for nid in targets if orgs else []:
            node = g.nodes[nid]
            entries = [e for e in iter_values(node.get("contributorAffiliation"))]
            mine = next(
                (e for e in entries if isinstance(e, dict) and _link_ids(e.get("person")) == [pid]), None
            )
            if mine is None:
                entries.append(
                    {
                        "@type": _AFFILIATION,
                        "person": {"@id": pid},
                        "organization": [{"@id": o} for o in orgs],
                    }
                )
            else:
                have = _link_ids(mine.get("organization"))
                mine["organization"] = [{"@id": o} for o in have + [o for o in orgs if o not in have]]
            node["contributorAffiliation"] = entries
            report.mapped["affiliation→contributorAffiliation"] += 1
        if kept:
            person["affiliation"] = kept
            report.add(
                pid,
                "affiliation",
                kept,
                "not mapped to v5 (kept on the Person): " + "; ".join(dict.fromkeys(reasons)),
            )
        else:
            del person["affiliation"]


def _affiliations_v5_to_v4(g: MetadataGraph, v4: Any, report: MigrationReport) -> None:
    """Give each Person back, as ``affiliation``, the organisations of their ``contributorAffiliation`` entries."""
    orgs: dict[str, list[str]] = {}
    variants: dict[str, set[frozenset[str]]] = {}
    for nid, node in g.nodes.items():
        if "contributorAffiliation" not in node:
            continue
        keep: list[Any] = []
        for entry in iter_values(node["contributorAffiliation"]):
            people = _link_ids(entry.get("person")) if isinstance(entry, dict) else []
            members = _link_ids(entry.get("organization")) if isinstance(entry, dict) else []
            pid = people[0] if len(people) == 1 else None
            if pid is None or not members or _type_name(g.nodes.get(pid, {})) != "Person":
                keep.append(entry)
                continue
            orgs.setdefault(pid, [])
            orgs[pid] += [m for m in members if m not in orgs[pid]]
            variants.setdefault(pid, set()).add(frozenset(members))
            report.mapped["contributorAffiliation→affiliation"] += 1
        if keep:
            node["contributorAffiliation"] = keep
            report.add(
                nid,
                "contributorAffiliation",
                keep,
                "v4 keeps affiliations on the Person: these name no person in the graph or no organisation; "
                "kept unchanged",
            )
        else:
            del node["contributorAffiliation"]
    for pid, members in orgs.items():
        person = g.nodes[pid]
        existing = [e for e in iter_values(person.get("affiliation"))]
        by_org: dict[str, Any] = {}
        for e in existing:
            for m in _link_ids(e.get("memberOf")) if isinstance(e, dict) else []:
                by_org.setdefault(m, e)
        merged: list[Any] = []
        for m in members:  # in the order of the v5 entries; an existing (dated) entry is re-used
            e = by_org.get(m) or {"@type": _AFFILIATION, "memberOf": {"@id": m}}
            if not any(e is x for x in merged):
                merged.append(e)
        person["affiliation"] = merged + [e for e in existing if not any(e is x for x in merged)]
        if len(variants[pid]) > 1:  # v4 cannot say which product each affiliation belongs to
            report.add(
                pid,
                "affiliation",
                person["affiliation"],
                "the person had different affiliations on different products; the v4 Person now lists all "
                "of them, without saying which product each belongs to",
            )


# ------------------------------------------------------------------------------------------------
# v5 -> v4
# ------------------------------------------------------------------------------------------------
def _v5_to_v4(graph: MetadataGraph, report: MigrationReport) -> MetadataGraph:
    v4 = get_registry(OpenMINDSVersion.V4)
    g = graph.copy()
    g.version = OpenMINDSVersion.V4
    # DatasetVersion.isVersionOf -> Dataset.hasVersion
    for nid, node in list(g.nodes.items()):
        if "isVersionOf" not in node:
            continue
        link = node["isVersionOf"]
        target = link.get("@id") if isinstance(link, dict) else None
        parent = g.nodes.get(target) if target else None
        parent_spec = v4.find(_type_name(parent)) if parent else None
        if parent is None or parent_spec is None or "hasVersion" not in parent_spec.properties:
            report.add(
                nid, "isVersionOf", link, "the parent is not in the graph, so its hasVersion cannot be set"
            )
            continue
        versions = _as_list(parent.get("hasVersion", []))
        if {"@id": nid} not in versions:
            versions.append({"@id": nid})
        parent["hasVersion"] = sorted(
            versions, key=lambda x: str(x.get("@id")) if isinstance(x, dict) else str(x)
        )
        del node["isVersionOf"]
        report.mapped["isVersionOf→hasVersion"] += 1
    _affiliations_v5_to_v4(g, v4, report)
    for nid, node in g.nodes.items():
        _node_v5_to_v4(nid, node, v4, report)
    g = _rename_instances(g, rename_v5_instance, report)
    _report_unknown_keys(g, report)
    return g


def _node_v5_to_v4(nid: str, node: dict[str, Any], v4: Any, report: MigrationReport) -> None:
    """Migrate one node v5 → v4 in place.

    Long because it undoes the v4 → v5 changes one after the other, mirroring :func:`_node_v4_to_v5`.
    """
    name = _type_name(node)
    if rename_v5_instance(nid) and "/UBERONParcellation/" in str(rename_v5_instance(nid)):
        node["@type"] = OMI_NS + "types/UBERONParcellation"
        report.mapped[f"{name}→UBERONParcellation"] += 1
        name = "UBERONParcellation"
    elif name in _V5_TO_V4_TYPES:
        node["@type"] = OMI_NS + "types/" + _V5_TO_V4_TYPES[name]
        report.mapped[f"{name}→{_V5_TO_V4_TYPES[name]}"] += 1
        name = _V5_TO_V4_TYPES[name]
    elif name and v4.find(name) is None:
        report.add(
            nid, "@type", node.get("@type"), f"openMINDS v4 has no type {name}; the node is kept as it is"
        )
    spec = v4.find(name)
    props = spec.properties if spec else {}
    if "contribution" in node and spec is not None:
        keep: list[Any] = []
        for c in _as_list(node.pop("contribution")):
            t = c.get("type") if isinstance(c, dict) else None
            ref = t.get("@id") if isinstance(t, dict) else None
            role = (
                _ROLE_OF_TYPE.get(ref[len(_CT) :]) if isinstance(ref, str) and ref.startswith(_CT) else None
            )
            people = _as_list(c.get("contributor", [])) if isinstance(c, dict) else []
            if role and role in props:
                node[role] = _as_list(node.get(role, [])) + people
                report.mapped[f"contribution→{role}"] += 1
            elif "otherContribution" in props and isinstance(c, dict):
                for person in people:
                    made: dict[str, Any] = {"@type": OMI_NS + "types/Contribution", "contributor": person}
                    if t is not None:
                        made["type"] = [t]
                    node.setdefault("otherContribution", []).append(made)
                report.mapped["contribution→otherContribution"] += 1
            else:
                keep.append(c)
        if keep:
            node["contribution"] = keep
            report.add(
                nid, "contribution", keep, f"openMINDS v4 {name} cannot hold these contributions; kept"
            )
    for new, old in _V5_TO_V4_KEYS.items():
        if new in node and old in props:
            value = node.pop(new)
            if not props[old].multiple and isinstance(value, list):
                if len(value) == 1:
                    value = value[0]
                else:
                    node[new] = value
                    report.add(nid, new, value, f"v4 {old} takes one value; kept as {new}")
                    continue
            node[old] = value
            report.mapped[f"{new}→{old}"] += 1
    identifiers_v5_to_v4(node, props, report.mapped)
    _age_v5_to_v4(nid, node, props, report)
    if "accessibility" in node and "accessibility" in props:
        acc = node["accessibility"]
        ref = acc.get("@id") if isinstance(acc, dict) else None
        seg = ref[len(_ACC) :] if isinstance(ref, str) and ref.startswith(_ACC) else None
        if seg in _ACCESS_BACK:
            node["accessibility"] = {"@id": _PA + _ACCESS_BACK[seg]}
            report.mapped["accessibility term"] += 1
        elif ref is not None:
            report.add(nid, "accessibility", acc, "no v4 ProductAccessibility for this accessibility; kept")
    status = node.get("publicationStatus")
    ref = status.get("@id") if isinstance(status, dict) else None
    seg = ref[len(_PS) :] if isinstance(ref, str) and ref.startswith(_PS) else None
    if seg in _STATUS_BACK and "accessibility" in props:
        node["accessibility"] = {"@id": _PA + _STATUS_BACK[seg]}
        del node["publicationStatus"]
        report.mapped["publicationStatus→accessibility"] += 1
    if name == "Person" and "preferredName" in node:
        full = " ".join(str(node[k]) for k in ("givenName", "familyName") if isinstance(node.get(k), str))
        if full == node["preferredName"]:
            del node["preferredName"]  # derived from the names: nothing is lost
            report.mapped["Person preferredName"] += 1
    if name == "Organization":
        for new, old in (("name", "fullName"), ("acronym", "shortName")):
            if new in node and old not in node:
                node[old] = node.pop(new)
                report.mapped[f"Organization {new}→{old}"] += 1
    for key, value in list(node.items()):
        if key.startswith("@"):
            continue
        for item in iter_values(value):
            if isinstance(item, dict) and _type_name(item) == "Contribution":
                c = item.get("contributor")
                if isinstance(c, list) and len(c) == 1:
                    item["contributor"] = c[0]
                t = item.get("type")
                if isinstance(t, dict):
                    item["type"] = [t]


# ------------------------------------------------------------------------------------------------
# library instances
# ------------------------------------------------------------------------------------------------
def _check_terms(graph: MetadataGraph, report: MigrationReport) -> None:
    """Report links to openMINDS library instances the target version does not have."""
    ns = get_version(graph.version).instance_ns
    missing: dict[str, list[tuple[str, str]]] = {}
    for nid in graph.nodes:
        for key, target in graph.links_from(nid):
            if target.startswith(ns) and target not in graph.nodes:
                missing.setdefault(target, []).append((nid, key))
    for iri in sorted(missing):
        if term_by_iri(iri, graph.version) is None:
            for nid, key in missing[iri]:
                if report.has(nid, key.split(".", 1)[0]):
                    continue
                report.add(nid, key, {"@id": iri}, f"openMINDS {graph.version} has no library instance {iri}")
