"""Renderers for a :class:`~.report.ValidationReport`: text, JSON, HTML, JUnit XML and SARIF 2.1.0."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from .rules import RULES

if TYPE_CHECKING:
    from .report import Issue, ValidationReport

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "html", "junit", "sarif")

_ICON = {"error": "✗", "warning": "!", "info": "i"}


def render(report: ValidationReport, format: str = "text") -> str:
    """Render ``report`` in one of :data:`FORMATS`."""
    fn = {"text": to_text, "json": lambda r: r.to_json(), "html": to_html, "junit": to_junit,
          "sarif": to_sarif}.get(format)
    if fn is None:
        from ..errors import ConfigurationError

        raise ConfigurationError(f"Unknown report format {format!r}: use one of {', '.join(FORMATS)}")
    return fn(report)


def _where(issue: Issue) -> str:
    return issue.path_str or "(node)"


def to_text(report: ValidationReport, max_per_node: int = 50) -> str:
    """Plain text for terminals: one block per node, worst first, then the summary."""
    lines: list[str] = []
    for node_id, issues in report.by_node().items():
        first = issues[0]
        head = node_id or "<graph>"
        if first.node_type:
            head += f" ({first.node_type})"
        if first.source:
            head += f"  [{first.source}]"
        lines.append(head)
        for i in issues[:max_per_node]:
            lines.append(f"  {_ICON[i.severity.value]} {i.severity.value:<7} {i.rule_id:<22} {_where(i)}: {i.message}")
            if i.hint:
                lines.append(f"      hint: {i.hint}")
        if len(issues) > max_per_node:
            lines.append(f"  … and {len(issues) - max_per_node} more issues on this node")
        lines.append("")
    lines.append(report.summary())
    return "\n".join(lines)


def to_html(report: ValidationReport) -> str:
    """A self-contained HTML fragment (used by ``_repr_html_`` in Jupyter)."""
    e = html.escape
    colour = "#2e7d32" if report.conforms else "#c62828"
    rows = []
    for i in report.issues[:1000]:
        rows.append(
            "<tr>"
            f"<td>{e(i.severity.value)}</td><td><code>{e(i.rule_id)}</code></td>"
            f"<td><code>{e(i.node_id or '')}</code><br><small>{e(i.node_type or '')}</small></td>"
            f"<td><code>{e(i.path_str)}</code></td><td>{e(i.message)}"
            + (f"<br><small><em>{e(i.hint)}</em></small>" if i.hint else "")
            + "</td></tr>"
        )
    more = f"<p>… {len(report.issues) - 1000} more issues not shown.</p>" if len(report.issues) > 1000 else ""
    table = (
        "<table><thead><tr><th>severity</th><th>rule</th><th>node</th><th>path</th><th>message</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows else ""
    )
    return (f'<div class="ebrains-curation-report"><p style="color:{colour};font-weight:bold">'
            f"{e(report.summary())}</p>{table}{more}</div>")


def to_junit(report: ValidationReport) -> str:
    """JUnit XML: one test case per node checked with issues (errors as failures), plus one for the whole."""
    suite = ET.Element(
        "testsuite",
        name=f"openMINDS validation ({report.profile})",
        tests=str(max(1, len(report.by_node()))),
        failures=str(sum(1 for v in report.by_node().values() if any(i.severity.value == "error" for i in v))),
        errors="0",
        time=f"{report.duration_s:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("engine", report.engine), ("profile", report.profile),
                        ("openminds_version", report.version), ("library_version", report.library_version)):
        ET.SubElement(props, "property", name=name, value=value)
    if not report.issues:
        ET.SubElement(suite, "testcase", classname="openminds", name="graph")
    for node_id, issues in report.by_node().items():
        case = ET.SubElement(suite, "testcase", classname=issues[0].node_type or "graph", name=node_id or "<graph>")
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
            "locations": [{
                "logicalLocations": [{"fullyQualifiedName": f"{i.node_id or ''}#{i.path_str}",
                                      "name": i.path_str or (i.node_id or ""), "kind": "member"}],
            }],
            "properties": {"node_id": i.node_id, "node_type": i.node_type, "path": list(i.path),
                           "path_iri": list(i.path_iri), "value": i.value, "expected": i.expected},
        }
        if i.source:
            res["locations"][0]["physicalLocation"] = {"artifactLocation": {"uri": i.source}}
        results.append(res)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ebrains-curation", "version": report.library_version,
                                "rules": rules}},
            "properties": {"engine": report.engine, "profile": report.profile,
                           "openminds_version": report.version},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def _level(severity: str) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}.get(severity, "none")
