"""The validation report model shared by every engine: :class:`Issue` and :class:`ValidationReport`.

An :class:`Issue` is a frozen, JSON-serialisable value, deliberately 1:1 with a SHACL
``sh:ValidationResult``:

==================  ==========================  =========================================
field               SHACL                       meaning
==================  ==========================  =========================================
``rule_id``         sourceShape annotation      stable id from :mod:`.rules` or the profile
``severity``        resultSeverity              error / warning / info
``node_id``         focusNode                   @id of the top-level node
``node_type``       (rdf:type of focus)         short openMINDS type name of that node
``path``            resultPath                  property keys from the node, e.g. ("hash", "digest")
``path_iri``        resultPath                  the same as full property IRIs
``value``           value                       the offending value (shortened)
``expected``        (shape parameter)           what was expected, in words
``message``         resultMessage               plain-language message
``hint``            —                           how to fix it (openMINDS instruction text when it helps)
==================  ==========================  =========================================

Invalid metadata is a result, not an exception: :meth:`ValidationReport.raise_for_errors`
raises :class:`~ebrains_curation.errors.ValidationFailed` only when asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import ValidationFailed
from ..graph.labels import node_label as _node_label
from .rules import rank

__all__ = ["Issue", "IssueGroup", "Severity", "ValidationReport", "group_issues", "node_label"]

_MAX_VALUE = 200  # characters of an offending value kept in an issue


class Severity(StrEnum):
    """How bad an issue is: errors make a report non-conforming, warnings and infos do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def order(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]

    def __str__(self) -> str:
        return self.value


def short_value(value: Any) -> Any:
    """A JSON-safe, short form of an offending value (long strings are cut, dicts summarised)."""
    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, float) and value != value:  # NaN is not JSON
            return "NaN"
        return value
    if isinstance(value, str):
        return value if len(value) <= _MAX_VALUE else value[: _MAX_VALUE - 1] + "…"
    if isinstance(value, dict):
        if isinstance(value.get("@id"), str):
            return short_value(value["@id"])
        t = value.get("@type")
        return f"{{{t.rsplit('/', 1)[-1] if isinstance(t, str) else 'object'} …}}"
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} values]"
    return short_value(repr(value))


@dataclass(frozen=True)
class Issue:
    """One finding about one node. Frozen and serialisable (:meth:`to_dict`)."""

    rule_id: str
    severity: Severity
    message: str
    node_id: str | None = None
    node_type: str | None = None
    path: tuple[str, ...] = ()
    path_iri: tuple[str, ...] = ()
    value: Any = None
    expected: str | None = None
    hint: str | None = None
    engine: str = "native"
    source: str | None = None  #: file the node came from, when known

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):
            object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "path", tuple(self.path))
        object.__setattr__(self, "path_iri", tuple(self.path_iri))
        object.__setattr__(self, "value", short_value(self.value))

    @property
    def path_str(self) -> str:
        """The property path for people: ``otherContribution.contributor`` ("" for the node itself)."""
        return ".".join(self.path)

    @property
    def json_path(self) -> str:
        """The path as a JSONPath-like string from the node: ``$.hash.digest``."""
        return "$" + "".join(f".{p}" for p in self.path)

    @property
    def property_iri(self) -> str | None:
        """IRI of the last property of the path (what SHACL calls the result path)."""
        return self.path_iri[-1] if self.path_iri else None

    @property
    def key(self) -> tuple[str | None, tuple[str, ...], str]:
        """(focus node, path, rule id): what the engines must agree on."""
        return (self.node_id, self.path, self.rule_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (severity as its string, paths as lists)."""
        d = asdict(self)
        d["severity"] = self.severity.value
        d["path"] = list(self.path)
        d["path_iri"] = list(self.path_iri)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        """Rebuild an issue from :meth:`to_dict` output."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def __str__(self) -> str:
        where = self.node_id or "<graph>"
        if self.path:
            where += f" › {self.path_str}"
        return f"{self.severity.value}[{self.rule_id}] {where}: {self.message}"


def _sort_key(issue: Issue) -> tuple[Any, ...]:
    return (issue.severity.order, rank(issue.rule_id), issue.node_id or "", issue.path, str(issue.value))


# -- labels and groups ------------------------------------------------------------------------------


#: keys whose value names a node for people, most telling first
def node_label(node: Any) -> str | None:
    """A name people recognise for a node (its fullName, name, lookupLabel …), or None."""
    return _node_label(node)


#: node types of research products: findings on them come before those on their parts
_PRODUCT_TYPES = frozenset(
    {
        "DatasetVersion",
        "Dataset",
        "ModelVersion",
        "Model",
        "SoftwareVersion",
        "Software",
        "MetaDataModelVersion",
    }
)

#: how a group of findings of one rule reads ({n} nodes of {types}); other rules use the message
_GROUP_TITLES = {
    "required": "{n} {types} lack {property!r}",
    "iri-format": "{n} {types} have {a} {property!r} that is not a web address (IRI)",
    "pattern": "{n} {types} have {a} {property!r} that is not {expected}",
    "email-format": "{n} {types} have {a} {property!r} that is not an e-mail address",
    "date-format": "{n} {types} have {a} {property!r} that is not {expected}",
    "missing-link-target": "{n} {types} link through {property!r} to nodes that are not in this graph",
    "unknown-property": "{n} {types} have the property {property!r}, unknown in this openMINDS version",
    "must-be-linked": "{n} {types} are not linked from any {expected}",
    "value-kind": "{n} {types} have {a} {property!r} of the wrong kind (expected {expected})",
    "single-value": "{n} {types} give several values for {property!r}, which takes one",
    "link-target-type": "{n} {types} link through {property!r} to the wrong type (expected {expected})",
    "unknown-term": "{n} {types} point through {property!r} to terms openMINDS does not have",
    "term-kind": "{n} {types} point through {property!r} to the wrong kind of term",
}


def _plural(type_name: str | None, n: int) -> str:
    if not type_name:
        return "nodes" if n != 1 else "node"
    if n == 1 or type_name.endswith(("s", "Species")):
        return type_name
    return type_name + "s"


@dataclass(frozen=True)
class IssueGroup:
    """Findings of one rule on one property of nodes of one type: "16 SubjectStates lack 'ageCategory'"."""

    rule_id: str
    severity: Severity
    node_type: str | None
    path: tuple[str, ...]
    issues: tuple[Issue, ...]

    @property
    def count(self) -> int:
        """How many findings (nodes) the group holds."""
        return len(self.issues)

    @property
    def hint(self) -> str | None:
        """How to fix them (the first hint given)."""
        return next((i.hint for i in self.issues if i.hint), None)

    @property
    def blocking(self) -> bool:
        """True for errors: they stop a submission; warnings and infos are advice."""
        return self.severity is Severity.ERROR

    @property
    def title(self) -> str:
        """One sentence for the whole group (the issue's own message when it holds one)."""
        first = self.issues[0]
        if self.count == 1:
            return first.message
        template = _GROUP_TITLES.get(self.rule_id)
        if template and self.path:
            return template.format(
                n=self.count,
                types=_plural(self.node_type, self.count),
                property=self.path[-1],
                a="an" if self.path[-1][:1].lower() in "aeiou" else "a",
                expected=first.expected or "valid",
            )
        if all(i.message == first.message for i in self.issues):
            return f"{self.count} {_plural(self.node_type, self.count)}: {first.message}"
        return f"{self.count} {_plural(self.node_type, self.count)}: {first.message} (and similar)"

    def to_dict(self, labels: dict[str, str] | None = None) -> dict[str, Any]:
        """A JSON-ready summary: title, rule, severity, count and the nodes (@id and label)."""
        labels = labels or {}
        return {
            "title": self.title,
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "node_type": self.node_type,
            "path": list(self.path),
            "count": self.count,
            "hint": self.hint,
            "nodes": [
                {"@id": i.node_id, "label": labels.get(i.node_id or "") or i.node_id, "value": i.value}
                for i in self.issues
            ],
        }


def _tier(group: IssueGroup) -> int:
    """The product version first, then its parent and the EBRAINS rules, then the parts."""
    if group.node_type in _PRODUCT_TYPES and str(group.node_type).endswith("Version"):
        return 0
    return 1 if group.node_type in _PRODUCT_TYPES or group.rule_id.startswith("ebrains.") else 2


def _group_key(group: IssueGroup) -> tuple[Any, ...]:
    # what blocks submission first; on the product itself before its parts; structural before detail
    return (
        group.severity.order,
        _tier(group),
        rank(group.rule_id),
        -group.count,
        group.node_type or "",
        group.path,
    )


def _natural(text: str) -> tuple[Any, ...]:
    """Sort key putting "sub-2" before "sub-10"."""
    # isdecimal, not isdigit: "¹" is a digit to isdigit() but not to \d or int()
    return tuple(int(t) if t.isdecimal() else t.casefold() for t in re.split(r"(\d+)", text))


def group_issues(issues: Iterable[Issue], labels: dict[str, str] | None = None) -> list[IssueGroup]:
    """Group findings by (severity, rule, node type, property path), most important group first.

    Within a group the nodes are in the natural order of their labels (``labels``: @id -> name).
    """
    labels = labels or {}
    buckets: dict[tuple[Any, ...], list[Issue]] = {}
    for i in issues:
        buckets.setdefault((i.severity, i.rule_id, i.node_type, i.path), []).append(i)
    groups = [
        IssueGroup(
            r,
            s,
            t,
            p,
            tuple(sorted(v, key=lambda i: _natural(labels.get(i.node_id or "") or i.node_id or ""))),
        )
        for (s, r, t, p), v in buckets.items()
    ]
    return sorted(groups, key=_group_key)


@dataclass
class ValidationReport:
    """The outcome of one validation: issues plus what produced them.

    ``issues`` are sorted most useful first (errors before warnings, structural
    problems before details). ``conforms`` is True when there is no error.
    """

    issues: tuple[Issue, ...] = ()
    engine: str = "native"
    profile: str = "openminds"
    version: str = "v4"
    library_version: str = ""
    nodes_checked: int = 0
    sources: tuple[str, ...] = ()
    duration_s: float = 0.0
    #: @id -> a name people recognise (fullName, name, lookupLabel …) for the nodes with issues
    labels: dict[str, str] = field(default_factory=dict)
    _by_node: dict[str | None, list[Issue]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.issues = tuple(sorted(self.issues, key=_sort_key))
        if not self.library_version:
            from .. import __version__

            self.library_version = __version__

    # -- views ------------------------------------------------------------------------------------
    @property
    def conforms(self) -> bool:
        """True when no issue has severity ``error``."""
        return not any(i.severity is Severity.ERROR for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.INFO]

    @property
    def counts(self) -> dict[str, int]:
        """Number of issues per severity: ``{"error": 2, "warning": 1, "info": 0}``."""
        out = {s.value: 0 for s in Severity}
        for i in self.issues:
            out[i.severity.value] += 1
        return out

    def counts_by_rule(self) -> dict[str, int]:
        """Number of issues per rule id, most frequent first."""
        out: dict[str, int] = {}
        for i in self.issues:
            out[i.rule_id] = out.get(i.rule_id, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def by_node(self) -> dict[str | None, list[Issue]]:
        """Issues grouped by focus node, worst node first (most errors, then most issues)."""
        if self._by_node is None:
            groups: dict[str | None, list[Issue]] = {}
            for i in self.issues:
                groups.setdefault(i.node_id, []).append(i)
            ordered = sorted(
                groups.items(),
                key=lambda kv: (
                    kv[1][0].severity.order,
                    -sum(i.severity is Severity.ERROR for i in kv[1]),
                    -len(kv[1]),
                    kv[0] or "",
                ),
            )
            self._by_node = dict(ordered)
        return self._by_node

    def groups(self) -> list[IssueGroup]:
        """Issues of the same rule on the same property of many nodes, as groups, most important first."""
        return group_issues(self.issues, self.labels)

    def label(self, node_id: str | None) -> str:
        """The node's name for people, else its @id ("<graph>" for graph-level issues)."""
        if node_id is None:
            return "<graph>"
        return self.labels.get(node_id) or node_id

    def best_match(self) -> Issue | None:
        """The single most useful issue to show first (None when there are no issues)."""
        return self.issues[0] if self.issues else None

    def filter(
        self,
        *,
        severity: str | Severity | None = None,
        rule_id: str | None = None,
        node_id: str | None = None,
    ) -> list[Issue]:
        """Issues matching all the given criteria."""
        sev = Severity(severity) if severity is not None else None
        return [
            i
            for i in self.issues
            if (sev is None or i.severity is sev)
            and (rule_id is None or i.rule_id == rule_id)
            and (node_id is None or i.node_id == node_id)
        ]

    def keys(self) -> set[tuple[str | None, tuple[str, ...], str]]:
        """The set of (focus node, path, rule id): what two engines must agree on."""
        return {i.key for i in self.issues}

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    # -- outcome ----------------------------------------------------------------------------------
    def summary(self) -> str:
        """One line: verdict, counts, profile, engine and version."""
        c = self.counts
        verdict = "conforms" if self.conforms else "does not conform"
        nodes = len({i.node_id for i in self.errors})
        parts = [f"{c['error']} error{'s' * (c['error'] != 1)}"]
        if nodes:
            parts[0] += f" in {nodes} node{'s' * (nodes != 1)}"
        parts.append(f"{c['warning']} warning{'s' * (c['warning'] != 1)}")
        if c["info"]:
            parts.append(f"{c['info']} info")
        return (
            f"Metadata {verdict} to profile {self.profile!r} (openMINDS {self.version}, {self.engine} "
            f"engine, {self.nodes_checked} nodes): {', '.join(parts)}"
        )

    def raise_for_errors(self) -> ValidationReport:
        """Raise :class:`~ebrains_curation.errors.ValidationFailed` if there are errors; else return self."""
        if not self.conforms:
            raise ValidationFailed(self)
        return self

    # -- serialisation ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole report."""
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "counts": self.counts,
            "engine": self.engine,
            "profile": self.profile,
            "openminds_version": self.version,
            "library_version": self.library_version,
            "nodes_checked": self.nodes_checked,
            "sources": list(self.sources),
            "duration_s": round(self.duration_s, 4),
            "groups": [g.to_dict(self.labels) for g in self.groups()],
            "labels": dict(self.labels),
            "issues": [i.to_dict() for i in self.issues],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        """Rebuild a report from :meth:`to_dict` output."""
        return cls(
            issues=tuple(Issue.from_dict(i) for i in data.get("issues", [])),
            engine=data.get("engine", "native"),
            profile=data.get("profile", ""),
            version=data.get("openminds_version", ""),
            library_version=data.get("library_version", ""),
            nodes_checked=data.get("nodes_checked", 0),
            sources=tuple(data.get("sources", ())),
            duration_s=data.get("duration_s", 0.0),
            labels=dict(data.get("labels") or {}),
        )

    def render(self, format: str = "text") -> str:
        """The report as ``text``, ``json``, ``html``, ``junit`` or ``sarif``."""
        from . import render

        return render.render(self, format)

    def __str__(self) -> str:
        return self.render("text")

    def _repr_html_(self) -> str:
        return self.render("html")

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<ValidationReport {'conforms' if self.conforms else 'does not conform'}: "
            f"{c['error']} errors, {c['warning']} warnings, {c['info']} info; profile={self.profile!r} "
            f"engine={self.engine!r} openMINDS {self.version}>"
        )

    @classmethod
    def merge(cls, reports: Iterable[ValidationReport]) -> ValidationReport:
        """One report holding the issues of several (same engine/profile/version assumed)."""
        reports = list(reports)
        if not reports:
            return cls()
        first = reports[0]
        return cls(
            issues=tuple(i for r in reports for i in r.issues),
            engine=first.engine,
            profile=first.profile,
            version=first.version,
            nodes_checked=sum(r.nodes_checked for r in reports),
            sources=tuple(s for r in reports for s in r.sources),
            duration_s=sum(r.duration_s for r in reports),
            labels={k: v for r in reports for k, v in r.labels.items()},
        )
