"""Renderers for a :class:`~.report.ValidationReport`: text, JSON, HTML, JUnit XML and SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from .rules import RULES

if TYPE_CHECKING:
    from .report import ValidationReport

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "html", "junit", "sarif")


def render(report: ValidationReport, format: str = "text") -> str:
    """Render ``report`` in one of :data:`FORMATS`."""
    fn = {
        "text": to_text,
        "json": lambda r: r.to_json(),
        "html": to_html,
        "junit": to_junit,
        "sarif": to_sarif,
    }.get(format)
    if fn is None:
        from ..errors import ConfigurationError

        raise ConfigurationError(f"Unknown report format {format!r}: use one of {', '.join(FORMATS)}")
    return fn(report)


def to_text(report: ValidationReport, max_per_group: int = 5) -> str:
    """Plain text for people (see :mod:`.readable`)."""
    from .readable import to_text as _to_text

    return _to_text(report, max_per_group)


def to_html(report: ValidationReport, max_issues: int = 1000) -> str:
    """A self-contained HTML fragment for people (see :mod:`.readable`)."""
    from .readable import to_html as _to_html

    return _to_html(report, max_issues)


def to_junit(report: ValidationReport) -> str:
    """JUnit XML: one test case per node checked with issues (errors as failures), plus one for the whole."""
    suite = ET.Element(
        "testsuite",
        name=f"openMINDS validation ({report.profile})",
        tests=str(max(1, len(report.by_node()))),
        failures=str(
            sum(1 for v in report.by_node().values() if any(i.severity.value == "error" for i in v))
        ),
        errors="0",
        time=f"{report.duration_s:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("engine", report.engine),
        ("profile", report.profile),
        ("openminds_version", report.version),
        ("library_version", report.library_version),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    if not report.issues:
        ET.SubElement(suite, "testcase", classname="openminds", name="graph")
    for node_id, issues in report.by_node().items():
        case = ET.SubElement(
            suite, "testcase", classname=issues[0].node_type or "graph", name=node_id or "<graph>"
        )
        errors = [i for i in issues if i.severity.value == "error"]
        if errors:
            fail = ET.SubElement(case, "failure", message=errors[0].message, type=errors[0].rule_id)
            fail.text = "\n".join(str(i) for i in errors)
        others = [i for i in issues if i.severity.value != "error"]
        if others:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(str(i) for i in others)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def to_sarif(report: ValidationReport) -> str:
    """SARIF 2.1.0 (GitHub code scanning and other CI tools)."""
    used = sorted({i.rule_id for i in report.issues})
    rules: list[dict[str, Any]] = []
    for rid in used:
        r = RULES.get(rid)
        entry: dict[str, Any] = {"id": rid, "name": rid}
        if r is not None:
            entry["shortDescription"] = {"text": r.message.split(":")[0].replace("{", "").replace("}", "")}
            entry["defaultConfiguration"] = {"level": _level(r.severity)}
            if r.hint:
                entry["help"] = {"text": r.hint}
        rules.append(entry)
    index = {rid: n for n, rid in enumerate(used)}
    results = []
    for i in report.issues:
        res: dict[str, Any] = {
            "ruleId": i.rule_id,
            "ruleIndex": index[i.rule_id],
            "level": _level(i.severity.value),
            "message": {"text": i.message + (f" Hint: {i.hint}" if i.hint else "")},
            "locations": [
                {
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": f"{i.node_id or ''}#{i.path_str}",
                            "name": i.path_str or (i.node_id or ""),
                            "kind": "member",
                        }
                    ],
                }
            ],
            "properties": {
                "node_id": i.node_id,
                "node_type": i.node_type,
                "path": list(i.path),
                "path_iri": list(i.path_iri),
                "value": i.value,
                "expected": i.expected,
            },
        }
        if i.source:
            res["locations"][0]["physicalLocation"] = {"artifactLocation": {"uri": i.source}}
        results.append(res)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "ebrains-curation", "version": report.library_version, "rules": rules}
                },
                "properties": {
                    "engine": report.engine,
                    "profile": report.profile,
                    "openminds_version": report.version,
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def _level(severity: str) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}.get(severity, "none")
