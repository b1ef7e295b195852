"""Validation profiles: data files that say which checks apply (see ``schemas/profiles/FORMAT.md``).

A :class:`Profile` is loaded from JSON (built-in by name, or a user file by path),
with ``extends`` inheritance. :meth:`Profile.resolve` turns it into a
:class:`ResolvedProfile` for one openMINDS version: every mechanism as a
:class:`ProfileRule` with type and property names checked and term values turned
into IRIs. Both engines compile the same resolved rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.exceptions import best_match, relevance

from .._files import decode_text, read_input
from ..errors import ConfigurationError, LoadError, UnknownTermError
from ..schemas import get_registry, get_term, get_version
from ..schemas.specs import PropertySpec, TypeSpec
from ..schemas.versions import OpenMINDSVersion, VersionLike
from .conditions import (
    Inherit,
    Req,
    RPath,
    Step,
    Test,
    after_pattern,
    before_pattern,
    context_value,
    one_of_pattern,
)
from .rules import RULES

__all__ = [
    "CHECKS",
    "Profile",
    "ProfileRule",
    "ResolvedProfile",
    "get_profile",
    "list_profiles",
    "load_profile",
]

#: the mechanisms a profile rule can use
CHECKS = (
    "required",
    "items",
    "length",
    "pattern",
    "one_of",
    "conditional",
    "linked_from",
    "when_linked_from",
    "path",
    "any_of",
)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # profile names (built-in file names)
#: the JSON Schema every profile file is checked against (in ``schemas/profiles``)
SCHEMA_FILE = "profile.schema.json"


@dataclass(frozen=True)
class ProfileRule:
    """One profile rule, normalised (shorthand entries become rules with built-in ids)."""

    id: str
    check: str
    type: str
    severity: str = "error"
    message: str | None = None
    hint: str | None = None
    properties: tuple[str, ...] = ()
    property: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_label: str | None = None
    values: tuple[Any, ...] = ()
    if_: dict[str, Any] | None = None
    then: dict[str, Any] | None = None
    from_types: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    min_count: int = 1
    inherit: dict[str, Any] | None = None
    any_of: tuple[dict[str, Any], ...] = ()
    custom: bool = True  #: False for shorthand rules that report built-in ids

    def __hash__(self) -> int:
        return hash((self.id, self.check, self.type, self.property, self.properties))


@dataclass(frozen=True)
class ResolvedRule:
    """A profile rule resolved for one version: type IRI, property specs, values as strings, node checks."""

    rule: ProfileRule
    type_iri: str
    spec: TypeSpec
    props: tuple[PropertySpec, ...] = ()
    values: frozenset[str] | None = None  #: lexical forms (IRIs or literal text) for one_of
    values_label: str = ""
    nodes: tuple[Any, ...] = ()  #: NodeSpec: checks on the whole node (conditional, path, links…)
    from_type_iris: tuple[str, ...] = ()
    via_iris: tuple[str, ...] = ()


@dataclass
class ResolvedProfile:
    """A profile for one openMINDS version, ready for the engines."""

    profile: Profile
    version: OpenMINDSVersion
    rules: list[ResolvedRule]
    notes: list[str]  #: rules that do not apply to this version (reported as profile-not-applicable)
    context: dict[str, Any] = field(default_factory=dict)

    def severity(self, rule_id: str, default: str | None = None) -> str:
        """Effective severity of a rule id ("off" when disabled)."""
        sev = self.profile.severity.get(rule_id)
        if sev:
            return sev
        if default:
            return default
        r = RULES.get(rule_id)
        return r.severity if r else "error"

    def enabled(self, rule_id: str) -> bool:
        return self.profile.severity.get(rule_id) != "off"


@dataclass(frozen=True)
class Profile:
    """A validation profile (see ``schemas/profiles/FORMAT.md``)."""

    name: str
    title: str = ""
    description: str = ""
    extends: str | None = None
    versions: tuple[str, ...] = ()
    schema_required: bool = False
    unknown_properties: bool = True
    severity: dict[str, str] = field(default_factory=dict)
    rules: tuple[ProfileRule, ...] = ()
    source: str = "<built-in>"
    #: (type name, property key) whose openMINDS "required" flag the profile relaxes
    not_required: frozenset[tuple[str, str]] = frozenset()

    def __hash__(self) -> int:
        return hash((self.name, self.source, self.rules))

    def resolve(self, version: VersionLike = None, context: dict[str, Any] | None = None) -> ResolvedProfile:
        """Check names against ``version``, resolve term and context values (cached)."""
        return _resolve(self, get_version(version), freeze_context(context))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``ebrains-curation profiles --format json``)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "extends": self.extends,
            "versions": list(self.versions),
            "source": self.source,
            "schema_required": self.schema_required,
            "unknown_properties": self.unknown_properties,
            "severity": dict(self.severity),
            "rules": len(self.rules),
        }


# -- loading --------------------------------------------------------------------------------------
def _builtin_dir() -> Any:
    return resources.files("ebrains_curation.schemas").joinpath("profiles")


def _is_profile(filename: str) -> bool:
    return filename.endswith(".json") and filename != SCHEMA_FILE


def list_profiles() -> list[Profile]:
    """The built-in profiles, sorted by name."""
    names = sorted(p.name[:-5] for p in _builtin_dir().iterdir() if _is_profile(p.name))
    return [get_profile(n) for n in names]


def get_profile(name: str | Path | Profile) -> Profile:
    """A profile by built-in name ("draft", "openminds", …) or by path to a user JSON file."""
    if isinstance(name, Profile):
        return name
    text = str(name)
    if isinstance(name, Path) or text.endswith(".json") or "/" in text or "\\" in text:
        return load_profile(Path(text))
    return _builtin(text)


@cache
def _builtin(name: str) -> Profile:
    res = _builtin_dir().joinpath(f"{name}.json")
    if not _ID_RE.match(name) or not res.is_file():
        known = ", ".join(sorted(p.name[:-5] for p in _builtin_dir().iterdir() if _is_profile(p.name)))
        raise ConfigurationError(
            f"No validation profile called {name!r}. Built-in profiles: {known}; "
            "or give the path of a profile .json file."
        )
    return _parse(json.loads(res.read_text("utf-8")), source=f"<built-in {name}>", seen=(name,))


def load_profile(path: str | Path) -> Profile:
    """Load a user profile file (JSON). Errors name the file and the field."""
    p = Path(path)
    try:
        data = json.loads(decode_text(read_input(p, what="profile file"), str(p), "JSON"))
    except LoadError as exc:
        raise ConfigurationError(f"Cannot read profile file {p}: {exc.message}") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"Profile file {p} is not valid JSON: {exc}") from None
    return _parse(data, source=str(p), seen=(str(p.resolve()),), base=p.parent)


def _parse(data: Any, *, source: str, seen: tuple[str, ...], base: Path | None = None) -> Profile:
    """Check ``data`` against ``profile.schema.json``, load its parent, and merge the two."""
    _check_schema(data, source)

    def bad(msg: str) -> ConfigurationError:
        return ConfigurationError(f"Profile file {source}: {msg}")

    parent = _parent(data.get("extends"), seen, base, bad)
    try:
        versions = tuple(get_version(v) for v in data.get("versions", parent.versions if parent else ()))
    except ConfigurationError as exc:  # a spelling get_version does not know (the schema says "strings")
        raise bad(str(exc)) from None
    severity = {**(parent.severity if parent else {}), **data.get("severity", {})}
    rules: list[ProfileRule] = list(parent.rules) if parent else []
    types = data.get("types", {})
    for r in _type_rules(types) + [_rule(r) for r in data.get("rules", [])]:
        # a child's custom rule replaces the parent's with the same id and type
        rules = [
            old for old in rules if not (old.custom and r.custom and old.id == r.id and old.type == r.type)
        ]
        rules.append(r)
    return Profile(
        name=data["name"],
        title=str(data.get("title", "")),
        description=str(data.get("description", "")),
        extends=data.get("extends"),
        versions=versions,
        schema_required=data.get("schema_required", parent.schema_required if parent else False),
        unknown_properties=data.get("unknown_properties", parent.unknown_properties if parent else True),
        severity=severity,
        rules=tuple(rules),
        source=source,
        not_required=_not_required(types, parent.not_required if parent else frozenset()),
    )


def _parent(ext: str | None, seen: tuple[str, ...], base: Path | None, bad: Any) -> Profile | None:
    """The profile ``extends`` names (a built-in name, or a path relative to the child file)."""
    if ext is None:
        return None
    is_path = ext.endswith(".json") or "/" in ext
    key = str((base / ext).resolve()) if is_path and base else ext
    if key in seen:
        raise bad(f"'extends' makes a cycle: {' -> '.join((*seen, key))}")
    if is_path and base is not None:
        p = base / ext
        try:
            pdata = json.loads(decode_text(read_input(p, what="profile file"), str(p), "JSON"))
        except (LoadError, json.JSONDecodeError) as exc:
            raise bad(f"cannot read the profile it extends ({p}): {exc}") from None
        return _parse(pdata, source=str(p), seen=(*seen, key), base=p.parent)
    res = _builtin_dir().joinpath(f"{ext}.json")
    if not _ID_RE.match(ext) or not res.is_file():
        raise bad(f"'extends' names an unknown profile {ext!r}")
    return _parse(json.loads(res.read_text("utf-8")), source=f"<built-in {ext}>", seen=(*seen, ext))


def _not_required(types: dict[str, Any], inherited: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """(type, key) pairs whose openMINDS "required" flag is relaxed; a child's ``required`` puts one back."""
    out = set(inherited)
    for tname, entry in types.items():
        out |= {(tname, k) for k in entry.get("not_required", [])}
        out -= {(tname, k) for k in entry.get("required", [])}
    return frozenset(out)


# -- checking against the JSON Schema -------------------------------------------------------------
@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(_builtin_dir().joinpath(SCHEMA_FILE).read_text("utf-8"))
    # "regex" is checked with Python's re.compile, the engine the rules run with
    return Draft202012Validator(schema, format_checker=FormatChecker(formats=("regex",)))


def _check_schema(data: Any, source: str) -> None:
    """Raise a ConfigurationError naming the file and the field when ``data`` breaks the profile schema."""
    # deepest first: "rules[0].id" says more than "rules[0]" (jsonschema's default prefers the shallow one);
    # "unevaluated" last: a failing per-check part leaves that check's own fields unevaluated too
    err = best_match(_validator().iter_errors(data), key=_rank)
    if err is not None:
        raise ConfigurationError(f"Profile file {source}: {explain_schema_error(err)}")


def _rank(err: ValidationError) -> tuple[Any, ...]:
    return (len(err.path), err.validator != "unevaluatedProperties", relevance(err))


def _where(path: Any) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def explain_schema_error(err: ValidationError) -> str:
    """One sentence for a profile-schema error: the field (``rules[3].then.required``) and what it expects."""
    where = _where(err.absolute_path)
    if err.validator in ("additionalProperties", "unevaluatedProperties"):
        names = ", ".join(re.findall(r"'([^']*)'", err.message)) or "?"
        check = err.instance.get("check") if isinstance(err.instance, dict) and where else None
        text = f"unknown field(s) {names}" + (f" for check {check!r}" if check else "")
        return f"{where + ': ' if where else ''}{text}; see schemas/profiles/FORMAT.md"
    if err.validator == "format":
        try:
            re.compile(str(err.instance))
        except re.error as exc:
            return f"{where}: {err.instance!r} is not a valid regular expression: {exc}"
    if not where and err.validator == "type":
        return "the file must hold a JSON object"
    # the nearest schema (this one, or a oneOf/anyOf around it) that says in words what it expects
    node: Any = err
    while node is not None and "x-expected" not in node.schema:
        node = node.parent
    if node is None:
        return f"{where or 'the file'}: {err.message}"
    expected = f"{_where(node.absolute_path) or 'the file'}: expected {node.schema['x-expected']}"
    if node is err or err.validator in ("oneOf", "anyOf"):  # jsonschema's words would add nothing
        return expected
    return f"{expected} ({where or 'the file'}: {err.message})"


# -- normalising valid rules ----------------------------------------------------------------------
def _freeze(v: Any) -> Any:
    return tuple(sorted(v.items())) if isinstance(v, dict) else v


def _values(value: list[Any]) -> tuple[Any, ...]:
    return tuple(_freeze(v) for v in value)


def _names(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _inherit(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else {"from_types": _names(value["from_types"]), "via": value["via"]}


def _cond(data: dict[str, Any]) -> dict[str, Any]:
    """An ``if``, ``then`` or ``any_of`` item with lists as tuples and value objects frozen (hashable)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k in ("required", "context_required", "absent", "path"):
            out[k] = _names(v)
        elif k == "inherit":
            out[k] = _inherit(v)
        elif k == "one_of":
            out[k] = _values(v)
        elif k in ("equals", "has_value", "after", "before"):
            out[k] = _freeze(v)
        else:  # property, context, present, min_count
            out[k] = v
    return out


def _type_rules(types: dict[str, Any]) -> list[ProfileRule]:
    """The shorthand of ``types`` as rules reporting the built-in ids."""
    out: list[ProfileRule] = []
    for tname, entry in types.items():
        if entry.get("required"):
            out.append(
                ProfileRule("required", "required", tname, properties=tuple(entry["required"]), custom=False)
            )
        for pkey, o in entry.get("properties", {}).items():
            common: dict[str, Any] = {"type": tname, "property": pkey, "custom": False}
            if "min_items" in o or "max_items" in o:
                out.append(
                    ProfileRule(
                        "items", "items", min_items=o.get("min_items"), max_items=o.get("max_items"), **common
                    )
                )
            if "min_length" in o or "max_length" in o:
                out.append(
                    ProfileRule(
                        "length",
                        "length",
                        min_length=o.get("min_length"),
                        max_length=o.get("max_length"),
                        **common,
                    )
                )
            if o.get("pattern"):
                out.append(
                    ProfileRule(
                        "pattern",
                        "pattern",
                        pattern=o["pattern"],
                        pattern_label=o.get("pattern_label"),
                        **common,
                    )
                )
            if "one_of" in o:
                out.append(ProfileRule("not-allowed-value", "one_of", values=_values(o["one_of"]), **common))
    return out


def _check_fields(r: dict[str, Any]) -> dict[str, Any]:
    """The fields of a (schema-valid) rule that are particular to its ``check``."""
    check = r["check"]
    if check == "required":
        return {"properties": tuple(r["properties"]), "inherit": _inherit(r.get("inherit"))}
    if check in ("items", "length", "pattern", "one_of"):
        keys = ("property", "min_items", "max_items", "min_length", "max_length", "pattern", "pattern_label")
        return {k: r.get(k) for k in keys} | {"values": _values(r.get("values", []))}
    if check == "conditional":
        return {"if_": _cond(r["if"]), "then": _cond(r["then"])}
    if check == "path":
        paths = tuple(_names(p) for p in r["paths"])
        return {"paths": paths, "min_count": r.get("min_count", 1), "inherit": _inherit(r.get("inherit"))}
    if check == "any_of":
        return {"any_of": tuple(_cond(i) for i in r["any_of"])}
    then = _cond(r["then"]) if check == "when_linked_from" else None
    return {"from_types": _names(r["from_types"]), "via": _names(r["via"]), "then": then}


def _rule(r: dict[str, Any]) -> ProfileRule:
    """A schema-valid rule object as a :class:`ProfileRule`."""
    common: dict[str, Any] = {k: r.get(k) for k in ("id", "check", "type", "message", "hint")}
    return ProfileRule(**common, severity=r.get("severity", "error"), **_check_fields(r))


# -- resolving for one version --------------------------------------------------------------------
def freeze_context(context: dict[str, Any] | None) -> str:
    """The validation context as canonical JSON: a hashable cache key for resolved profiles and plans."""
    try:
        return json.dumps(context or {}, sort_keys=True, default=str)
    except (TypeError, ValueError):
        raise ConfigurationError("The validation context must be a JSON-like dict") from None


@lru_cache(maxsize=64)
def _resolve(profile: Profile, version: OpenMINDSVersion, context_json: str = "{}") -> ResolvedProfile:
    reg = get_registry(version)
    context = json.loads(context_json)
    rules: list[ResolvedRule] = []
    notes: list[str] = []
    for r in profile.rules:
        try:
            rules.append(_Resolver(reg, version, context).rule(r))
        except _NotApplicable as exc:
            notes.append(f"{r.id} on {r.type}: {exc}")
    return ResolvedProfile(profile=profile, version=version, rules=rules, notes=notes, context=context)


class _NotApplicable(Exception):
    pass


def _prop(spec: TypeSpec, key: str) -> PropertySpec:
    p = spec.properties.get(key)
    if p is None:
        raise _NotApplicable(f"{spec.name} has no property {key!r}")
    return p


def lexical(value: Any) -> str:
    """The lexical form of a JSON literal as RDF writes it (booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class NodeSpec:
    """One node-level check of a profile rule: report key/IRI, the built-in id it is based on, tests, requirement."""

    key: str
    iri: str
    base: str
    tests: tuple[Test, ...]
    req: Req
    label: str = ""  #: words for "expected"


class _Resolver:
    def __init__(self, reg: Any, version: OpenMINDSVersion, context: dict[str, Any]):
        self.reg = reg
        self.version = version
        self.context = context
        self.vocab = reg.version.vocab

    # -- values -----------------------------------------------------------------------------------
    def values(self, values: tuple[Any, ...], props: list[PropertySpec]) -> tuple[frozenset[str], str]:
        out: set[str] = set()
        labels: list[str] = []
        for v in values:
            if isinstance(v, tuple):  # frozen dict
                ((kind, arg),) = v
                if kind == "@id":
                    out.add(arg)
                    labels.append(arg.rsplit("/", 1)[-1])
                elif kind == "term":
                    out.add(self.term_iri(arg, props))
                    labels.append(arg)
                elif kind == "any_term_of":
                    from ..schemas import get_term_index

                    try:
                        idx = get_term_index(arg, self.version)
                    except Exception as exc:
                        raise _NotApplicable(f"no kind of term {arg!r} ({exc})") from None
                    out |= {str(i.id) for i in idx.instances}
                    labels.append(f"any {idx.spec.name}")
                else:  # context
                    cv = context_value(self.context, arg)
                    if cv is None or isinstance(cv, (dict, list)):
                        raise _NotApplicable(f"the validation context has no value for {arg!r}")
                    out.add(lexical(cv))
                    labels.append(repr(cv))
            else:
                out.add(lexical(v))
                labels.append(repr(v))
        return frozenset(out), ", ".join(labels)

    def one(self, value: Any, props: list[PropertySpec]) -> tuple[str, str]:
        vals, label = self.values((value,), props)
        if len(vals) != 1:
            raise _NotApplicable("a single value is expected here")
        return next(iter(vals)), label

    def term_iri(self, name: str, props: list[PropertySpec]) -> str:
        found: set[str] = set()
        for p in props:
            for t in p.target_types:
                spec = self.reg.find(t)
                if spec is None or not spec.controlled_term:
                    continue
                try:
                    found.add(str(get_term(spec, name, self.version).id))
                except (UnknownTermError, Exception):
                    continue
        if len(found) != 1:
            kinds = ", ".join(sorted({t.rsplit("/", 1)[-1] for p in props for t in p.target_types}))
            why = "ambiguous" if found else "unknown"
            raise _NotApplicable(f"term {name!r} is {why} among {kinds or 'the accepted kinds'}")
        return found.pop()

    # -- paths ------------------------------------------------------------------------------------
    def path(self, spec: TypeSpec, keys: tuple[str, ...]) -> tuple[RPath, list[PropertySpec]]:
        """Resolve a path; returns it and the property specs of its last (forward) step."""
        types = [spec]
        steps = []
        last: list[PropertySpec] = []
        for raw in keys:
            inverse = raw.startswith("^")
            key = raw[1:] if inverse else raw
            if inverse:
                owners = [t for t in self.reg if key in t.properties]
                if not owners:
                    raise _NotApplicable(f"no type has a property {key!r}")
                types, last = owners, []
            else:
                last = [t.properties[key] for t in types if key in t.properties]
                if not last:
                    names = ", ".join(sorted({t.name for t in types})[:5])
                    raise _NotApplicable(f"{names} has no property {key!r}")
                types = [
                    t
                    for iri in {i for p in last for i in p.target_types}
                    if (t := self.reg.find(iri)) is not None
                ]
            steps.append(Step(key=key, iri=self.vocab + key, inverse=inverse))
        return RPath(tuple(steps)), last

    def inherit(self, spec: TypeSpec, data: dict[str, Any] | None) -> Inherit | None:
        if not data:
            return None
        specs = [self.type(t) for t in data["from_types"]]
        if not any(data["via"] in s.properties for s in specs):
            raise _NotApplicable(f"none of {', '.join(data['from_types'])} has a property {data['via']!r}")
        return Inherit(
            from_types=tuple(s.iri for s in specs), via_iri=self.vocab + data["via"], via=data["via"]
        )

    def type(self, name: str) -> TypeSpec:
        spec = self.reg.find(name)
        if spec is None:
            raise _NotApplicable(f"openMINDS {self.version} has no type {name!r}")
        return spec

    # -- tests and requirements -------------------------------------------------------------------
    def test(self, spec: TypeSpec, c: dict[str, Any]) -> Test:
        if "context" in c:
            cv = context_value(self.context, c["context"])
            if "present" in c:
                truth = cv not in (None, "", [], {})
            else:
                wanted, _ = self.values(c["one_of"] if "one_of" in c else (c["equals"],), [])
                truth = cv is not None and not isinstance(cv, (dict, list)) and lexical(cv) in wanted
            return Test("const", truth=truth)
        keys = (c["property"],) if "property" in c else c["path"]
        path, last = self.path(spec, keys)
        if "present" in c:
            return Test("values", path=path)
        vals, _ = self.values(c["one_of"] if "one_of" in c else (c["equals"],), last)
        return Test("values", path=path, values=vals)

    def then(self, spec: TypeSpec, c: dict[str, Any]) -> list[NodeSpec]:
        """The node checks of a ``then`` (or ``any_of`` item): one per reported property."""
        if "required" in c or "absent" in c or "context_required" in c:
            return self.then_keys(spec, c)
        return [self.then_value(spec, c)]

    def then_keys(self, spec: TypeSpec, c: dict[str, Any]) -> list[NodeSpec]:
        """``then`` forms over a list of keys: ``required``, ``absent``, ``context_required``."""
        if "required" in c:
            inh = self.inherit(spec, c.get("inherit"))
            out = []
            for k in c["required"]:
                path, _ = self.path(spec, (k,))
                out.append(
                    NodeSpec(
                        k,
                        self.vocab + k,
                        "conditional-required",
                        (),
                        Req("present", path=path, inherit=inh),
                        "required",
                    )
                )
            return out
        if "absent" in c:
            out = []
            for k in c["absent"]:
                path, _ = self.path(spec, (k,))
                out.append(
                    NodeSpec(k, self.vocab + k, "conditional-absent", (), Req("absent", path=path), "absent")
                )
            return out
        if "context_required" in c:
            return [
                NodeSpec(
                    k,
                    "",
                    "context-required",
                    (),
                    Req("const", truth=context_value(self.context, k) not in (None, "", [], {})),
                    f"{k} in the submission record",
                )
                for k in c["context_required"]
            ]
        raise AssertionError(f"not a keys form: {c}")  # the profile schema allows no other

    def then_value(self, spec: TypeSpec, c: dict[str, Any]) -> NodeSpec:
        """``then`` forms on a property or path: ``after``/``before``, ``present``, ``one_of``, ``equals``/``has_value``."""
        keys = (c["property"],) if "property" in c else c["path"]
        path, last = self.path(spec, keys)
        label, iri = path.label, path.steps[-1].iri
        if "after" in c or "before" in c:
            op = "after" if "after" in c else "before"
            date, shown = self.one(c[op], last)
            pat = after_pattern(date) if op == "after" else before_pattern(date)
            return NodeSpec(
                label, iri, "date-order", (), Req("all_in", path=path, pattern=pat), f"{op} {date}"
            )
        if "present" in c:
            return NodeSpec(
                label,
                iri,
                "path-required",
                (),
                Req("present", path=path, min_count=c.get("min_count") or 1),
                "a value",
            )
        if "one_of" in c:
            vals, shown = self.values(c["one_of"], last)
            return NodeSpec(
                label,
                iri,
                "conditional-value",
                (),
                Req("all_in", path=path, pattern=one_of_pattern(vals), values=vals),
                f"one of {shown}",
            )
        op = "equals" if "equals" in c else "has_value"
        vals, shown = self.values((c[op],), last)
        return NodeSpec(
            label, iri, "path-value", (), Req(op, path=path, pattern=one_of_pattern(vals), values=vals), shown
        )

    def linked(self, r: ProfileRule, spec: TypeSpec) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        if spec.embedded:
            raise _NotApplicable(f"{spec.name} is embedded: it cannot be linked from other nodes")
        from_specs = [self.type(t) for t in r.from_types]
        for v in r.via:
            if not any(v in fs.properties for fs in from_specs):
                raise _NotApplicable(f"none of {', '.join(r.from_types)} has a property {v!r}")
        return tuple(fs.iri for fs in from_specs), tuple((v, self.vocab + v) for v in r.via)

    def rule(self, r: ProfileRule) -> ResolvedRule:
        spec = self.type(r.type)
        base = ResolvedRule(rule=r, type_iri=spec.iri, spec=spec)
        if r.check == "required":
            props = tuple(_prop(spec, k) for k in r.properties)
            if r.inherit is None:
                return replace(base, props=props)
            inh = self.inherit(spec, r.inherit)
            nodes = tuple(
                NodeSpec(
                    p.key,
                    p.iri,
                    "required",
                    (),
                    Req("present", path=RPath((Step(p.key, p.iri),)), inherit=inh),
                    "",
                )
                for p in props
            )
            return replace(base, nodes=nodes)
        if r.check in ("items", "length", "pattern", "one_of"):
            p = _prop(spec, r.property or "")
            vals, label = self.values(r.values, [p]) if r.check == "one_of" else (None, "")
            return replace(base, props=(p,), values=vals, values_label=label)
        if r.check == "conditional":
            assert r.if_ is not None and r.then is not None
            test = self.test(spec, r.if_)
            if test.kind == "const" and not test.truth:
                return base  # decided by the context: the rule is off for this validation
            return replace(base, nodes=tuple(replace(n, tests=(test,)) for n in self.then(spec, r.then)))
        if r.check == "linked_from":
            ft, via = self.linked(r, spec)
            via_label = "/".join(k for k, _ in via)
            names = " or ".join(t.rsplit("/", 1)[-1] for t in ft)
            node = NodeSpec(
                "^" + via_label,
                "^" + via[0][1],
                "must-be-linked",
                (),
                Req("linked", from_types=ft, via=via),
                f"{names} (through {via_label})",
            )
            return replace(base, nodes=(node,), from_type_iris=ft, via_iris=tuple(i for _, i in via))
        if r.check == "when_linked_from":
            assert r.then is not None
            ft, via = self.linked(r, spec)
            test = Test("linked", from_types=ft, via=via)
            return replace(
                base,
                nodes=tuple(replace(n, tests=(test,)) for n in self.then(spec, r.then)),
                from_type_iris=ft,
                via_iris=tuple(i for _, i in via),
            )
        if r.check == "path":
            inh = self.inherit(spec, r.inherit)
            alts = []
            for keys in r.paths:
                path, _ = self.path(spec, keys)
                alts.append(Req("present", path=path, min_count=r.min_count, inherit=inh))
            first = alts[0].path
            assert first is not None
            req = alts[0] if len(alts) == 1 else Req("any_of", alternatives=tuple(alts))
            label = " or ".join(a.path.label for a in alts if a.path)
            return replace(
                base, nodes=(NodeSpec(first.label, first.steps[-1].iri, "path-required", (), req, label),)
            )
        # any_of
        alts = []
        labels = []
        for item in r.any_of:
            parts = self.then(spec, item)
            reqs = tuple(n.req for n in parts)
            alts.append(reqs[0] if len(reqs) == 1 else Req("all_of", alternatives=reqs))
            labels.append(" and ".join(n.key for n in parts))
        return replace(
            base,
            nodes=(
                NodeSpec("", "", "any-of", (), Req("any_of", alternatives=tuple(alts)), " or ".join(labels)),
            ),
        )


def with_overrides(profile: Profile, **changes: Any) -> Profile:
    """A copy of ``profile`` with fields changed (e.g. ``severity``)."""
    return replace(profile, **changes)
