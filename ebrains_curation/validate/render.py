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
            lines.append(
                f"  {_ICON[i.severity.value]} {i.severity.value:<7} {i.rule_id:<22} {_where(i)}: {i.message}"
            )
            if i.hint:
                lines.append(f"      hint: {i.hint}")
        if len(issues) > max_per_node:
            lines.append(f"  … and {len(issues) - max_per_node} more issues on this node")
        lines.append("")
    lines.append(report.summary())
    return "\n".join(lines)


#: severity -> (text colour, background) for the HTML report
_COLOURS = {
    "error": ("#c62828", "#fdecea"),
    "warning": ("#9a6700", "#fff8e1"),
    "info": ("#1565c0", "#e8f1fb"),
}
_OPEN_NODES = 10  # node sections drawn open in the HTML report (the worst first); the rest start collapsed
_MAX_HTML_ISSUES = 1000


def _badge(severity: str, count: int) -> str:
    fg, bg = _COLOURS[severity]
    return (
        f'<span class="ecr-badge ecr-{severity}" style="color:{fg};background:{bg};padding:0 0.4em;'
        f'border-radius:0.3em;font-weight:bold">{count} {severity}{"s" * (count != 1 and severity != "info")}</span>'
    )


def to_html(report: ValidationReport, max_issues: int = _MAX_HTML_ISSUES) -> str:
    """A self-contained HTML fragment (used by ``_repr_html_`` in Jupyter).

    Issues are grouped by node, worst node first, each group a collapsible ``<details>``
    (the first few open); rows are coloured by severity (CSS classes ``ecr-error``,
    ``ecr-warning``, ``ecr-info``). At most ``max_issues`` rows are drawn.
    """
    e = html.escape
    colour = _COLOURS["error"][0] if not report.conforms else "#2e7d32"
    counts = report.counts
    badges = " ".join(_badge(sev, n) for sev, n in counts.items() if n)
    out = [
        f'<div class="ebrains-curation-report">'
        f'<p class="ecr-summary" style="color:{colour};font-weight:bold">{e(report.summary())}</p>'
    ]
    if badges:
        out.append(f'<p class="ecr-counts">{badges}</p>')
    drawn = 0
    for n, (node_id, issues) in enumerate(report.by_node().items()):
        if drawn >= max_issues:
            break
        first = issues[0]
        node_counts = {sev: sum(i.severity.value == sev for i in issues) for sev in _COLOURS}
        worst = first.severity.value
        title = f"<code>{e(node_id or '<graph>')}</code>"
        if first.node_type:
            title += f" <small>({e(first.node_type)})</small>"
        title += " " + " ".join(_badge(sev, c) for sev, c in node_counts.items() if c)
        if first.source:
            title += f" <small>{e(first.source)}</small>"
        is_open = " open" if n < _OPEN_NODES and worst == "error" else ""
        out.append(
            f'<details class="ecr-node ecr-{worst}"{is_open} style="border-left:4px solid '
            f'{_COLOURS[worst][0]};padding-left:0.5em;margin:0.3em 0"><summary>{title}</summary>'
            '<table class="ecr-issues"><thead><tr><th>severity</th><th>rule</th><th>property</th>'
            "<th>message</th></tr></thead><tbody>"
        )
        for i in issues[: max_issues - drawn]:
            sev = i.severity.value
            fg, bg = _COLOURS[sev]
            hint = f"<br><small><em>{e(i.hint)}</em></small>" if i.hint else ""
            out.append(
                f'<tr class="ecr-{sev}" style="background:{bg}">'
                f'<td style="color:{fg};font-weight:bold">{_ICON[sev]} {e(sev)}</td>'
                f"<td><code>{e(i.rule_id)}</code></td><td><code>{e(_where(i))}</code></td>"
                f"<td>{e(i.message)}{hint}</td></tr>"
            )
            drawn += 1
        out.append("</tbody></table></details>")
    if len(report.issues) > drawn:
        out.append(
            f"<p>… {len(report.issues) - drawn} more issues not shown "
            '(<code>report.render("text")</code> lists them all).</p>'
        )
    out.append("</div>")
    return "".join(out)


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
