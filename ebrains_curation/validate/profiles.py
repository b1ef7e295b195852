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
_SEVERITIES = ("error", "warning", "info")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # profile names
_RULE_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]|\.(?=[a-z0-9]))*$")  # rule ids: dots allowed
_TOP_FIELDS = {
    "name",
    "title",
    "description",
    "extends",
    "versions",
    "schema_required",
    "unknown_properties",
    "severity",
    "types",
    "rules",
    "$schema",
    "_comment",
}
_SHORTHAND = {"min_items", "max_items", "min_length", "max_length", "pattern", "pattern_label", "one_of"}


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


def list_profiles() -> list[Profile]:
    """The built-in profiles, sorted by name."""
    names = sorted(p.name[:-5] for p in _builtin_dir().iterdir() if p.name.endswith(".json"))
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
        known = ", ".join(sorted(p.name[:-5] for p in _builtin_dir().iterdir() if p.name.endswith(".json")))
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
    def bad(msg: str) -> ConfigurationError:
        return ConfigurationError(f"Profile {source}: {msg}")

    if not isinstance(data, dict):
        raise bad("the file must hold a JSON object")
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        raise bad(f"unknown field(s) {', '.join(sorted(unknown))}; see schemas/profiles/FORMAT.md")
    name = data.get("name")
    if not isinstance(name, str) or not _ID_RE.match(name):
        raise bad("'name' must be a lower-case name such as \"my-lab\"")

    parent: Profile | None = None
    ext = data.get("extends")
    if ext is not None:
        if not isinstance(ext, str):
            raise bad("'extends' must be a profile name")
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
            parent = _parse(pdata, source=str(p), seen=(*seen, key), base=p.parent)
        else:
            res = _builtin_dir().joinpath(f"{ext}.json")
            if not _ID_RE.match(ext) or not res.is_file():
                raise bad(f"'extends' names an unknown profile {ext!r}")
            parent = _parse(json.loads(res.read_text("utf-8")), source=f"<built-in {ext}>", seen=(*seen, ext))

    versions = data.get("versions", list(parent.versions) if parent else [])
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise bad('\'versions\' must be a list such as ["v4", "v5"]')
    try:
        versions = [get_version(v) for v in versions]
    except ConfigurationError as exc:
        raise bad(str(exc)) from None

    severity = dict(parent.severity) if parent else {}
    sev = data.get("severity", {})
    if not isinstance(sev, dict):
        raise bad("'severity' must map rule ids to error/warning/info/off")
    for rid, level in sev.items():
        if level not in (*_SEVERITIES, "off"):
            raise bad(f"severity of {rid!r} must be error, warning, info or off, not {level!r}")
        severity[rid] = level

    rules: list[ProfileRule] = list(parent.rules) if parent else []
    not_required = set(parent.not_required) if parent else set()
    types = data.get("types", {})
    if isinstance(types, dict):
        for tname, entry in types.items():
            if isinstance(entry, dict):
                nr = entry.get("not_required", [])
                if not isinstance(nr, list) or not all(isinstance(k, str) for k in nr):
                    raise bad(f"types.{tname}.not_required must be a list of property keys")
                not_required |= {(tname, k) for k in nr}
                req = entry.get("required", [])
                if isinstance(req, list):
                    not_required -= {(tname, k) for k in req if isinstance(k, str)}
    new_rules = _parse_types(types, bad) + _parse_rules(data.get("rules", []), bad)
    for r in new_rules:
        rules = [
            old for old in rules if not (old.custom and r.custom and old.id == r.id and old.type == r.type)
        ]
        rules.append(r)

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, getattr(parent, key) if parent else default)
        if not isinstance(value, bool):
            raise bad(f"'{key}' must be true or false")
        return value

    return Profile(
        name=name,
        title=str(data.get("title", "")),
        description=str(data.get("description", "")),
        extends=ext,
        versions=tuple(versions),
        schema_required=flag("schema_required", False),
        unknown_properties=flag("unknown_properties", True),
        severity=severity,
        rules=tuple(rules),
        source=source,
        not_required=frozenset(not_required),
    )


def _int(value: Any, what: str, bad: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad(f"{what} must be a non-negative integer, not {value!r}")
    return value


def _pattern(value: Any, what: str, bad: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"{what} must be a regular expression string")
    try:
        re.compile(value)
    except re.error as exc:
        raise bad(f"{what} is not a valid regular expression: {exc}") from None
    return value


def _values(value: Any, what: str, bad: Any) -> tuple[Any, ...]:
    if not isinstance(value, list) or not value:
        raise bad(f"{what} must be a non-empty list of values")
    for v in value:
        _check_value(v, what, bad)
    return tuple(_freeze(v) for v in value)


def _check_value(v: Any, what: str, bad: Any) -> None:
    if isinstance(v, dict):
        if (
            len(v) == 1
            and next(iter(v)) in ("term", "@id", "context", "any_term_of")
            and isinstance(next(iter(v.values())), str)
        ):
            return
        raise bad(
            f'{what}: a value object must be {{"term": NAME}}, {{"@id": IRI}}, '
            f'{{"context": KEY}} or {{"any_term_of": KIND}}, not {v!r}'
        )
    if not isinstance(v, (str, int, float, bool)):
        raise bad(f"{what}: {v!r} is not a JSON literal")


def _freeze(v: Any) -> Any:
    return tuple(sorted(v.items())) if isinstance(v, dict) else v


def _parse_types(types: Any, bad: Any) -> list[ProfileRule]:
    if not isinstance(types, dict):
        raise bad('\'types\' must map type names to {"required": [...], "properties": {...}}')
    out: list[ProfileRule] = []
    for tname, entry in types.items():
        if not isinstance(entry, dict) or set(entry) - {"required", "not_required", "properties"}:
            raise bad(f"types.{tname} may only hold 'required', 'not_required' and 'properties'")
        req = entry.get("required", [])
        if not isinstance(req, list) or not all(isinstance(p, str) for p in req):
            raise bad(f"types.{tname}.required must be a list of property keys")
        if req:
            out.append(
                ProfileRule(id="required", check="required", type=tname, properties=tuple(req), custom=False)
            )
        props = entry.get("properties", {})
        if not isinstance(props, dict):
            raise bad(f"types.{tname}.properties must be an object")
        for pkey, opts in props.items():
            where = f"types.{tname}.properties.{pkey}"
            if not isinstance(opts, dict) or set(opts) - _SHORTHAND:
                raise bad(f"{where} may only hold {', '.join(sorted(_SHORTHAND))}")
            mi, ma = (
                _int(opts.get("min_items"), f"{where}.min_items", bad),
                _int(opts.get("max_items"), f"{where}.max_items", bad),
            )
            if mi is not None or ma is not None:
                out.append(
                    ProfileRule(
                        id="items",
                        check="items",
                        type=tname,
                        property=pkey,
                        min_items=mi,
                        max_items=ma,
                        custom=False,
                    )
                )
            ml, xl = (
                _int(opts.get("min_length"), f"{where}.min_length", bad),
                _int(opts.get("max_length"), f"{where}.max_length", bad),
            )
            if ml is not None or xl is not None:
                out.append(
                    ProfileRule(
                        id="length",
                        check="length",
                        type=tname,
                        property=pkey,
                        min_length=ml,
                        max_length=xl,
                        custom=False,
                    )
                )
            pat = _pattern(opts.get("pattern"), f"{where}.pattern", bad)
            if pat:
                out.append(
                    ProfileRule(
                        id="pattern",
                        check="pattern",
                        type=tname,
                        property=pkey,
                        pattern=pat,
                        pattern_label=opts.get("pattern_label"),
                        custom=False,
                    )
                )
            if "one_of" in opts:
                out.append(
                    ProfileRule(
                        id="not-allowed-value",
                        check="one_of",
                        type=tname,
                        property=pkey,
                        values=_values(opts["one_of"], f"{where}.one_of", bad),
                        custom=False,
                    )
                )
    return out


def _path(value: Any, what: str, bad: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(k, str) and k.lstrip("^") for k in value)
    ):
        raise bad(f'{what} must be a list of property keys ("^key" for a link into this node)')
    return tuple(value)


def _inherit(value: Any, what: str, bad: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"from_types", "via"}:
        raise bad(f'{what} must be {{"from_types": [TYPES], "via": KEY}}')
    ft = value["from_types"]
    ft = [ft] if isinstance(ft, str) else ft
    if (
        not isinstance(ft, list)
        or not ft
        or not all(isinstance(t, str) for t in ft)
        or not isinstance(value["via"], str)
    ):
        raise bad(f'{what} must be {{"from_types": [TYPES], "via": KEY}}')
    return {"from_types": tuple(ft), "via": value["via"]}


_IF_FORMS = '{"property"|"path"|"context": ..., "equals"|"one_of"|"present": ...}'
_THEN_FORMS = (
    '{"required": [KEYS]}, {"property": KEY, "one_of"|"after"|"before": ...}, '
    '{"path": [KEYS], "equals"|"has_value"|"one_of": ...|"present": true}, '
    '{"context_required": [KEYS]} or {"absent": [KEYS]}'
)


def _cond(data: Any, what: str, bad: Any, *, then: bool) -> dict[str, Any]:
    """Validate an ``if`` (then=False) or a ``then``/``any_of`` item and return it normalised."""
    if not isinstance(data, dict):
        raise bad(f"{what} must be an object")
    forms = _THEN_FORMS if then else _IF_FORMS

    def keys(name: str) -> tuple[str, ...]:
        v = data[name]
        if (
            set(data) - {name, "inherit"}
            or not isinstance(v, list)
            or not v
            or not all(isinstance(k, str) for k in v)
        ):
            raise bad(f"{what}: use {forms}")
        return tuple(v)

    if then:
        for name in ("required", "context_required", "absent"):
            if name in data:
                out: dict[str, Any] = {name: keys(name)}
                if "inherit" in data:
                    if name != "required":
                        raise bad(f"{what}: 'inherit' only goes with 'required'")
                    out["inherit"] = _inherit(data["inherit"], f"{what}.inherit", bad)
                return out
    subject = [k for k in ("property", "path", "context") if k in data]
    if len(subject) != 1 or (then and subject == ["context"]):
        raise bad(f"{what}: use {forms}")
    sk = subject[0]
    if sk == "property" and not isinstance(data[sk], str):
        raise bad(f"{what}.property must be a property key")
    if sk == "context" and not isinstance(data[sk], str):
        raise bad(f'{what}.context must be a dotted key such as "record.embargo.requested"')
    out = {sk: _path(data[sk], f"{what}.path", bad) if sk == "path" else data[sk]}
    ops = [k for k in data if k not in (sk, "min_count")]
    allowed = (
        ({"one_of", "after", "before"} if sk == "property" else {"equals", "has_value", "one_of", "present"})
        if then
        else {"equals", "one_of", "present"}
    )
    if len(ops) != 1 or ops[0] not in allowed:
        raise bad(f"{what}: use {forms}")
    op = ops[0]
    if op == "present":
        if data[op] is not True:
            raise bad(f'{what}: "present" must be true')
        out["present"] = True
        if "min_count" in data:
            out["min_count"] = _int(data["min_count"], f"{what}.min_count", bad)
    elif op == "one_of":
        out["one_of"] = _values(data[op], f"{what}.one_of", bad)
    else:
        _check_value(data[op], f"{what}.{op}", bad)
        out[op] = _freeze(data[op])
    return out


def _parse_rules(rules: Any, bad: Any) -> list[ProfileRule]:
    if not isinstance(rules, list):
        raise bad("'rules' must be a list")
    out: list[ProfileRule] = []
    for n, r in enumerate(rules):
        where = f"rules[{n}]"
        if not isinstance(r, dict):
            raise bad(f"{where} must be an object")
        rid, check, tname = r.get("id"), r.get("check"), r.get("type")
        if not isinstance(rid, str) or not _RULE_ID_RE.match(rid):
            raise bad(f'{where}.id must be a lower-case id such as "my-lab.description"')
        where = f"rule {rid!r}"
        if check not in CHECKS:
            raise bad(f"{where}: 'check' must be one of {', '.join(CHECKS)}")
        if not isinstance(tname, str) or not tname:
            raise bad(f"{where}: 'type' must be an openMINDS type name")
        sev = r.get("severity", "error")
        if sev not in _SEVERITIES:
            raise bad(f"{where}: 'severity' must be error, warning or info")
        for k in ("message", "hint"):
            if k in r and not isinstance(r[k], str):
                raise bad(f"{where}: {k!r} must be a string")
        common = {
            "id": rid,
            "check": check,
            "type": tname,
            "severity": sev,
            "message": r.get("message"),
            "hint": r.get("hint"),
        }
        allowed = {"id", "check", "type", "severity", "message", "hint"}
        prop = r.get("property")
        if check == "required":
            allowed |= {"properties", "inherit"}
            props = r.get("properties")
            if not isinstance(props, list) or not props or not all(isinstance(p, str) for p in props):
                raise bad(f"{where}: 'properties' must be a non-empty list of property keys")
            rule = ProfileRule(
                **common, properties=tuple(props), inherit=_inherit(r.get("inherit"), f"{where}.inherit", bad)
            )
        elif check in ("items", "length", "pattern", "one_of"):
            allowed |= {
                "property",
                "min_items",
                "max_items",
                "min_length",
                "max_length",
                "pattern",
                "pattern_label",
                "values",
            }
            if not isinstance(prop, str):
                raise bad(f"{where}: 'property' must be a property key")
            rule = ProfileRule(
                **common,
                property=prop,
                min_items=_int(r.get("min_items"), f"{where}.min_items", bad),
                max_items=_int(r.get("max_items"), f"{where}.max_items", bad),
                min_length=_int(r.get("min_length"), f"{where}.min_length", bad),
                max_length=_int(r.get("max_length"), f"{where}.max_length", bad),
                pattern=_pattern(r.get("pattern"), f"{where}.pattern", bad),
                pattern_label=r.get("pattern_label"),
                values=_values(r.get("values"), f"{where}.values", bad) if check == "one_of" else (),
            )
            missing = {
                "items": rule.min_items is None and rule.max_items is None,
                "length": rule.min_length is None and rule.max_length is None,
                "pattern": rule.pattern is None,
                "one_of": False,
            }[check]
            if missing:
                raise bad(f"{where}: check {check!r} needs its limits (see FORMAT.md)")
        elif check == "conditional":
            allowed |= {"if", "then"}
            rule = ProfileRule(
                **common,
                if_=_cond(r.get("if"), f"{where}.if", bad, then=False),
                then=_cond(r.get("then"), f"{where}.then", bad, then=True),
            )
        elif check == "path":
            allowed |= {"paths", "min_count", "inherit"}
            paths = r.get("paths")
            if not isinstance(paths, list) or not paths:
                raise bad(f"{where}: 'paths' must be a list of paths (each a list of property keys)")
            mc = _int(r.get("min_count", 1), f"{where}.min_count", bad)
            rule = ProfileRule(
                **common,
                paths=tuple(_path(p, f"{where}.paths", bad) for p in paths),
                min_count=mc if mc is not None else 1,
                inherit=_inherit(r.get("inherit"), f"{where}.inherit", bad),
            )
        elif check == "any_of":
            allowed |= {"any_of"}
            items = r.get("any_of")
            if not isinstance(items, list) or not items:
                raise bad(f"{where}: 'any_of' must be a non-empty list of requirements ({_THEN_FORMS})")
            rule = ProfileRule(
                **common,
                any_of=tuple(_cond(i, f"{where}.any_of[{k}]", bad, then=True) for k, i in enumerate(items)),
            )
        else:  # linked_from, when_linked_from
            allowed |= {"from_types", "via"} | ({"then"} if check == "when_linked_from" else set())
            ft, via = r.get("from_types"), r.get("via")
            if isinstance(via, str):
                via = [via]
            if isinstance(ft, str):
                ft = [ft]
            if not isinstance(ft, list) or not ft or not all(isinstance(t, str) for t in ft):
                raise bad(f"{where}: 'from_types' must be a list of type names")
            if not isinstance(via, list) or not via or not all(isinstance(v, str) for v in via):
                raise bad(f"{where}: 'via' must be a property key (or a list of them)")
            then = (
                _cond(r.get("then"), f"{where}.then", bad, then=True) if check == "when_linked_from" else None
            )
            rule = ProfileRule(**common, from_types=tuple(ft), via=tuple(via), then=then)
        extra = set(r) - allowed
        if extra:
            raise bad(f"{where}: unknown field(s) {', '.join(sorted(extra))} for check {check!r}")
        out.append(rule)
    return out


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
        keys = (c["property"],) if "property" in c else c["path"]
        path, last = self.path(spec, keys)
        label, iri = path.label, path.steps[-1].iri
        if "after" in c or "before" in c:
            op = "after" if "after" in c else "before"
            date, shown = self.one(c[op], last)
            pat = after_pattern(date) if op == "after" else before_pattern(date)
            return [
                NodeSpec(label, iri, "date-order", (), Req("all_in", path=path, pattern=pat), f"{op} {date}")
            ]
        if "present" in c:
            return [
                NodeSpec(
                    label,
                    iri,
                    "path-required",
                    (),
                    Req("present", path=path, min_count=c.get("min_count") or 1),
                    "a value",
                )
            ]
        if "one_of" in c:
            vals, shown = self.values(c["one_of"], last)
            return [
                NodeSpec(
                    label,
                    iri,
                    "conditional-value",
                    (),
                    Req("all_in", path=path, pattern=one_of_pattern(vals), values=vals),
                    f"one of {shown}",
                )
            ]
        op = "equals" if "equals" in c else "has_value"
        vals, shown = self.values((c[op],), last)
        return [
            NodeSpec(
                label,
                iri,
                "path-value",
                (),
                Req(op, path=path, pattern=one_of_pattern(vals), values=vals),
                shown,
            )
        ]

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
