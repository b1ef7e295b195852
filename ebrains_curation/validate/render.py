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


def _node_text(report: ValidationReport, issue: Issue) -> str:
    """ "Mixed-gambles task (DatasetVersion, _:000229)": the label, the type and the @id when it differs."""
    if issue.node_id is None:
        return "<graph>"
    label = report.label(issue.node_id)
    extra = [x for x in (issue.node_type, issue.node_id if label != issue.node_id else None) if x]
    return f"{label} ({', '.join(extra)})" if extra else label


def _value_text(issue: Issue) -> str:
    return "" if issue.value is None else f" = {issue.value!r}"


def to_text(report: ValidationReport, max_per_group: int = 5) -> str:
    """Plain text for terminals: the verdict, then one block per group of findings, most important first.

    Findings of one rule on one property of many nodes read as one line ("16 SubjectStates
    lack 'ageCategory'") followed by the first ``max_per_group`` nodes by name, type and @id.
    """
    lines: list[str] = [report.summary(), ""]
    for g in report.groups():
        icon = _ICON[g.severity.value]
        if g.count == 1:
            i = g.issues[0]
            prop = f" › {i.path_str}" if i.path else ""
            lines.append(
                f"{icon} {g.severity.value}: {_node_text(report, i)}{prop}: {i.message}  [{g.rule_id}]"
            )
        else:
            lines.append(f"{icon} {g.severity.value}: {g.title}  [{g.rule_id}]")
            for i in g.issues[:max_per_group]:
                lines.append(f"    - {_node_text(report, i)}{_value_text(i)}")
            if g.count > max_per_group:
                lines.append(f"    … and {g.count - max_per_group} more")
        if g.hint:
            lines.append(f"    hint: {g.hint}")
        if len(report.sources) > 1 and g.issues[0].source and len({i.source for i in g.issues}) == 1:
            lines.append(f"    in {g.issues[0].source}")
    lines += ["", report.summary()]
    return "\n".join(lines)


#: severity -> (text colour, background) for the HTML report
_COLOURS = {
    "error": ("#c62828", "#fdecea"),
    "warning": ("#9a6700", "#fff8e1"),
    "info": ("#1565c0", "#e8f1fb"),
}
_OPEN_GROUPS = 8  # groups drawn open in the HTML report (errors, most important first); the rest folded
_MAX_HTML_ISSUES = 1000

_CSS = (
    ".ebrains-curation-report{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;"
    "max-width:100%;box-sizing:border-box;color:#1f2328}"
    ".ebrains-curation-report details{border:1px solid #d0d7de;border-radius:6px;margin:.4em 0;"
    "padding:.3em .6em;background:#fff}"
    ".ebrains-curation-report summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}"
    ".ebrains-curation-report .ecr-scroll{overflow-x:auto;max-width:100%}"
    ".ebrains-curation-report table{border-collapse:collapse;width:100%;margin:.4em 0;table-layout:auto}"
    ".ebrains-curation-report th{text-align:left;font-weight:600;border-bottom:1px solid #d0d7de;"
    "padding:.2em .5em}"
    ".ebrains-curation-report td{padding:.2em .5em;vertical-align:top;overflow-wrap:anywhere;"
    "word-break:break-word}"
    ".ebrains-curation-report code{font-size:85%;overflow-wrap:anywhere}"
    ".ebrains-curation-report .ecr-hint{color:#57606a;margin:.2em 0 .4em}"
    ".ebrains-curation-report .ecr-rule{color:#57606a;font-weight:normal}"
)


def _badge(severity: str, count: int) -> str:
    fg, bg = _COLOURS[severity]
    return (
        f'<span class="ecr-badge ecr-{severity}" style="color:{fg};background:{bg};padding:0 0.4em;'
        f'border-radius:0.3em;font-weight:bold">{count} {severity}{"s" * (count != 1 and severity != "info")}</span>'
    )


def to_html(report: ValidationReport, max_issues: int = _MAX_HTML_ISSUES) -> str:
    """A self-contained HTML fragment (used by ``_repr_html_`` in Jupyter and ``validate --format html``).

    One collapsible ``<details class="ecr-group">`` per group of findings (same rule, type and
    property), most important first, the first error groups open; inside, a table of the
    nodes by name and type with their @id. Rows carry the CSS classes ``ecr-error``,
    ``ecr-warning``, ``ecr-info``. At most ``max_issues`` rows are drawn.
    """
    e = html.escape
    colour = _COLOURS["error"][0] if not report.conforms else "#2e7d32"
    badges = " ".join(_badge(sev, n) for sev, n in report.counts.items() if n)
    out = [
        f'<div class="ebrains-curation-report"><style>{_CSS}</style>'
        f'<p class="ecr-summary" style="color:{colour};font-weight:bold">{e(report.summary())}</p>'
    ]
    if badges:
        out.append(f'<p class="ecr-counts">{badges}</p>')
    drawn = 0
    for n, g in enumerate(report.groups()):
        if drawn >= max_issues:
            break
        sev = g.severity.value
        fg, bg = _COLOURS[sev]
        is_open = " open" if n < _OPEN_GROUPS and sev == "error" else ""
        count = f" {_badge(sev, g.count)}" if g.count > 1 else ""
        where = "" if g.count > 1 else f"{e(_node_text(report, g.issues[0]))} — "
        out.append(
            f'<details class="ecr-group ecr-{sev}"{is_open} style="border-left:4px solid {fg}">'
            f'<summary><span style="color:{fg}">{_ICON[sev]}</span> {where}{e(g.title)}{count} '
            f'<code class="ecr-rule">{e(g.rule_id)}</code></summary>'
        )
        if g.hint:
            out.append(f'<p class="ecr-hint"><em>{e(g.hint)}</em></p>')
        out.append(
            '<div class="ecr-scroll"><table class="ecr-issues"><thead><tr><th>node</th><th>type</th>'
            "<th>property</th><th>message</th></tr></thead><tbody>"
        )
        for i in g.issues[: max_issues - drawn]:
            label = report.label(i.node_id)
            node_id = f"<br><code>{e(i.node_id)}</code>" if i.node_id and label != i.node_id else ""
            source = f"<br><small>{e(i.source)}</small>" if i.source else ""
            out.append(
                f'<tr class="ecr-{sev}" style="background:{bg}"><td><strong>{e(label)}</strong>{node_id}{source}</td>'
                f"<td>{e(i.node_type or '')}</td><td><code>{e(_where(i))}</code></td><td>{e(i.message)}</td></tr>"
            )
            drawn += 1
        out.append("</tbody></table></div></details>")
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
