"""The validation plan: every check of one type under one profile, as data.

Both engines compile the same plan (the native engine into Python closures, the SHACL
engine into shapes), so they cannot drift apart: a check is switched on or off, given
its rule id, severity, message template and hint, in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..schemas import get_registry, get_version
from ..schemas.specs import PropertySpec, TypeSpec
from ..schemas.versions import OpenMINDSVersion
from .conditions import Req, Test
from .formats import LABELS, PATTERNS, RULE_OF
from .profiles import ResolvedProfile, ResolvedRule
from .report import Severity
from .rules import RULES

__all__ = ["Meta", "Plan", "PropPlan", "StrCheck", "TypePlan", "build_plan"]


@dataclass(frozen=True)
class Meta:
    """What an issue of one check looks like: rule id, severity, wording, where."""

    rule_id: str
    severity: Severity
    template: str
    hint: str | None
    expected: str | None
    key: str = ""  #: property key ("" for node-level checks)
    iri: str = ""  #: property IRI ("^IRI" for inverse paths)


@dataclass(frozen=True)
class StrCheck:
    """A check on the text of a value: ``kind`` is pattern, orcid, format, min-length, max-length or one-of."""

    kind: str
    meta: Meta
    pattern: str | None = None
    limit: int | None = None
    values: frozenset[str] | None = None


@dataclass
class PropPlan:
    """The checks of one property of one type."""

    spec: PropertySpec
    key: str
    iri: str
    kinds: frozenset[str]
    multiple: bool
    link_types: tuple[str, ...]
    embedded_types: tuple[str, ...]
    kind_label: str
    single: Meta | None = None
    min_items: tuple[int, Meta] | None = None
    max_items: tuple[int, Meta] | None = None
    unique: Meta | None = None
    value_kind: Meta | None = None
    link_type: Meta | None = None
    term_kind: Meta | None = None
    unknown_term: Meta | None = None
    missing_link: Meta | None = None
    embedded_type: Meta | None = None
    str_checks: list[StrCheck] = field(default_factory=list)
    count_checks: list[tuple[int | None, int | None, Meta | None, Meta | None]] = field(default_factory=list)


@dataclass
class NodeRule:
    """A check on the whole node: when all ``tests`` hold, ``req`` must hold."""

    rule: ResolvedRule
    meta: Meta
    tests: tuple[Test, ...]
    req: Req


@dataclass
class TypePlan:
    """All checks of one openMINDS type."""

    spec: TypeSpec
    props: dict[str, PropPlan]
    iri_keys: dict[str, str]  #: full property IRI -> key
    required: list[tuple[str, Meta]]
    node_rules: list[NodeRule]
    unknown_property: Meta | None


@dataclass
class Plan:
    """The checks of every type for one version and profile (built lazily per type)."""

    version: OpenMINDSVersion
    profile: ResolvedProfile
    metas: dict[str, Meta | None]  #: graph-level checks by rule id (None = switched off)
    _types: dict[str, TypePlan] = field(default_factory=dict)

    @property
    def vocab(self) -> str:
        return get_version(self.version).vocab

    @property
    def instance_ns(self) -> str:
        return get_version(self.version).instance_ns

    def type_plan(self, type_iri: str) -> TypePlan | None:
        """The plan of a type given its IRI (None if the version has no such type)."""
        tp = self._types.get(type_iri)
        if tp is None:
            spec = get_registry(self.version).find(type_iri)
            if spec is None or spec.iri != type_iri:
                return None
            tp = self._types[type_iri] = _type_plan(self, spec)
        return tp

    def all_type_plans(self) -> list[TypePlan]:
        return [p for p in (self.type_plan(t.iri) for t in get_registry(self.version)) if p is not None]


def _meta(
    rp: ResolvedProfile,
    rule_id: str,
    *,
    key: str = "",
    iri: str = "",
    expected: str | None = None,
    hint: str | None = None,
    base: str | None = None,
    severity: str | None = None,
    message: str | None = None,
) -> Meta | None:
    """A Meta for a built-in rule id (or a custom id based on built-in ``base``); None when switched off."""
    sev = rp.profile.severity.get(rule_id) or severity
    builtin = RULES.get(rule_id) or RULES.get(base or "")
    if sev is None:
        sev = builtin.severity if builtin else "error"
    if sev == "off":
        return None
    template = message or (builtin.message if builtin else "{type}: rule failed for {property!r}")
    return Meta(
        rule_id=rule_id,
        severity=Severity(sev),
        template=template,
        hint=hint if hint is not None else (builtin.hint if builtin and builtin.hint else None),
        expected=expected,
        key=key,
        iri=iri,
    )


def _names(iris: tuple[str, ...] | list[str]) -> str:
    names = sorted({i.rsplit("/", 1)[-1] for i in iris})
    if len(names) > 8:
        return ", ".join(names[:8]) + f" (or {len(names) - 8} more)"
    return " or ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " or " + names[-1]


def _kind_label(p: PropertySpec) -> str:
    words = {
        "string": "text",
        "iri": "a web address (IRI)",
        "date": "a date",
        "datetime": "a date-time",
        "time": "a time",
        "number": "a number",
        "integer": "a whole number",
        "link": f'a link {{"@id": ...}} to a {_names(p.linked_types)}',
        "embedded": f"an embedded {_names(p.embedded_types)}",
    }
    return " or ".join(words[k] for k in sorted(p.kinds) if k in words) or "no value"


def _hint(p: PropertySpec) -> str | None:
    text = (p.instructions or "").strip()
    return text or None


def _type_plan(plan: Plan, spec: TypeSpec) -> TypePlan:
    rp = plan.profile
    profile = rp.profile
    props: dict[str, PropPlan] = {}
    for p in spec.properties.values():
        pp = PropPlan(
            spec=p,
            key=p.key,
            iri=p.iri,
            kinds=p.kinds,
            multiple=p.multiple,
            link_types=p.linked_types,
            embedded_types=p.embedded_types,
            kind_label=_kind_label(p),
        )
        k = dict(key=p.key, iri=p.iri)
        pp.value_kind = _meta(rp, "value-kind", expected=pp.kind_label, **k)
        if not p.multiple:
            pp.single = _meta(rp, "single-value", expected="1", **k)
        else:
            if p.min_items and p.min_items > 1:
                m = _meta(rp, "min-items", expected=str(p.min_items), **k)
                pp.min_items = (p.min_items, m) if m else None
            if p.max_items is not None:
                m = _meta(rp, "max-items", expected=str(p.max_items), **k)
                pp.max_items = (p.max_items, m) if m else None
            if p.unique_items:
                pp.unique = _meta(rp, "unique-items", **k)
        if p.linked_types:
            pp.link_type = _meta(rp, "link-target-type", expected=_names(p.linked_types), **k)
            pp.term_kind = _meta(rp, "term-kind", expected=_names(p.linked_types), **k)
            pp.unknown_term = _meta(rp, "unknown-term", **k)
            pp.missing_link = _meta(rp, "missing-link-target", **k)
        if p.embedded_types:
            pp.embedded_type = _meta(rp, "embedded-type", expected=_names(p.embedded_types), **k)
        stringish = p.kinds & {"string", "iri", "date", "datetime", "time"}
        if stringish:
            if p.pattern:
                label = p.pattern_label or f"text matching {p.pattern}"
                m = _meta(rp, "pattern", expected=label, hint=f"Write it as {label}.", **k)
                if m:
                    pp.str_checks.append(StrCheck("pattern", m, pattern=p.pattern))
                if spec.name == "ORCID" and p.key == "identifier":
                    m = _meta(rp, "orcid-checksum", **k)
                    if m:
                        pp.str_checks.append(StrCheck("orcid", m, pattern=p.pattern))
            fmts = [f for f in p.formats if f != "iri" or "string" not in p.kinds]
            if "date-time" in fmts and "time" in fmts:
                fmts = [f for f in fmts if f not in ("date-time", "time")] + ["date-time|time"]
            for f in fmts:
                if f in PATTERNS:
                    m = _meta(rp, RULE_OF[f], expected=LABELS[f], **k)
                    if m:
                        pp.str_checks.append(StrCheck("format", m, pattern=PATTERNS[f]))
        props[p.key] = pp

    required: list[tuple[str, Meta]] = []
    if profile.schema_required:
        for p in spec.properties.values():
            if p.required and (spec.name, p.key) not in profile.not_required:
                m = _meta(rp, "required", key=p.key, iri=p.iri, hint=_hint(p))
                if m:
                    required.append((p.key, m))
    node_rules: list[NodeRule] = []
    for rr in rp.rules:
        if rr.type_iri != spec.iri:
            continue
        _add_profile_rule(rp, rr, props, required, node_rules, spec)
    unknown = _meta(
        rp, "unknown-property", expected="known properties: " + ", ".join(sorted(spec.properties))
    )
    return TypePlan(
        spec=spec,
        props=props,
        iri_keys={p.iri: p.key for p in spec.properties.values()},
        required=required,
        node_rules=node_rules,
        unknown_property=unknown if profile.unknown_properties else None,
    )


def _custom(rp: ResolvedProfile, r: Any, default_id: str, **kw: Any) -> Meta | None:
    """Meta for a profile rule: its own id (custom) or a built-in id (shorthand)."""
    rid = r.id if r.custom else default_id
    default_hint = kw.pop("hint", None)
    return _meta(
        rp,
        rid,
        base=default_id,
        severity=r.severity if r.custom else None,
        message=r.message,
        hint=r.hint if r.hint is not None else default_hint,
        **kw,
    )


def _add_profile_rule(
    rp: ResolvedProfile,
    rr: ResolvedRule,
    props: dict[str, PropPlan],
    required: list[tuple[str, Meta]],
    node_rules: list[NodeRule],
    spec: TypeSpec,
) -> None:
    r = rr.rule
    if r.check == "required" and not rr.nodes:
        for p in rr.props:
            m = _custom(rp, r, "required", key=p.key, iri=p.iri, hint=_hint(p))
            if m and not any(k == p.key and old.rule_id == m.rule_id for k, old in required):
                required.append((p.key, m))
        return
    if r.check in ("items", "length", "pattern", "one_of"):
        p = rr.props[0]
        pp = props[p.key]
        k = dict(key=p.key, iri=p.iri)
        if r.check == "items":
            lo = (
                _custom(rp, r, "min-items", expected=str(r.min_items), **k)
                if r.min_items is not None
                else None
            )
            hi = (
                _custom(rp, r, "max-items", expected=str(r.max_items), **k)
                if r.max_items is not None
                else None
            )
            pp.count_checks.append((r.min_items, r.max_items, lo, hi))
        elif r.check == "length":
            if r.min_length is not None:
                m = _custom(rp, r, "min-length", expected=str(r.min_length), **k)
                if m:
                    pp.str_checks.append(StrCheck("min-length", m, limit=r.min_length))
            if r.max_length is not None:
                m = _custom(rp, r, "max-length", expected=str(r.max_length), **k)
                if m:
                    pp.str_checks.append(StrCheck("max-length", m, limit=r.max_length))
        elif r.check == "pattern":
            label = r.pattern_label or f"text matching {r.pattern}"
            m = _custom(rp, r, "pattern", expected=label, **k)
            if m:
                pp.str_checks.append(StrCheck("pattern", m, pattern=r.pattern))
        else:
            m = _custom(rp, r, "not-allowed-value", expected=rr.values_label, **k)
            if m:
                pp.str_checks.append(StrCheck("one-of", m, values=rr.values))
        return
    for ns in rr.nodes:
        m = _custom(rp, r, ns.base, key=ns.key, iri=ns.iri, expected=_why(ns, rr))
        if m:
            node_rules.append(NodeRule(rr, m, ns.tests, ns.req))


def _why(ns: Any, rr: ResolvedRule) -> str:
    """Words for "expected": what is required and why (the condition)."""
    label = ns.label
    if ns.tests:
        t = ns.tests[0]
        if t.kind == "values" and t.path is not None:
            vals = " or ".join(sorted(v.rsplit("/", 1)[-1] for v in t.values)) if t.values else "given"
            label = (
                f"{label} because {t.path.label} is {vals}" if label else f"because {t.path.label} is {vals}"
            )
        elif t.kind == "linked":
            names = " or ".join(x.rsplit("/", 1)[-1] for x in t.from_types)
            why = f"because a {names} links it through {'/'.join(k for k, _ in t.via)}"
            label = f"{label} {why}" if label else why
    return label


def build_plan(version: OpenMINDSVersion, profile: Any, context: dict[str, Any] | None = None) -> Plan:
    """The (cached) plan for a version, a :class:`~.profiles.Profile` and a validation context."""
    from .profiles import freeze_context

    return _build_plan(version, profile, freeze_context(context))


@lru_cache(maxsize=64)
def _build_plan(version: OpenMINDSVersion, profile: Any, context_json: str) -> Plan:
    import json

    rp = profile.resolve(version, json.loads(context_json))
    metas = {
        rid: _meta(rp, rid)
        for rid in (
            "missing-type",
            "unknown-type",
            "invalid-node",
            "empty-metadata",
            "invalid-id",
            "check-not-run",
            "profile-version",
            "profile-not-applicable",
        )
    }
    return Plan(version=version, profile=rp, metas=metas)
