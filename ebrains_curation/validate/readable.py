"""Reports people read: the text and HTML renderings of a :class:`~.report.ValidationReport`.

Findings are shown in *blocks*, most important first (what blocks submission before advice):

* a finding of one rule on one property of many nodes is one block: "16 SubjectStates lack
  'ageCategory'", with the nodes listed by name, type and @id;
* the single findings on one node are one block: "Mixed-gambles task (DatasetVersion):
  7 problems", one line each, with how to fix it.

Every node is shown by its label (fullName, name, lookupLabel …) and type, the @id beside it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Issue, IssueGroup, Severity, ValidationReport

__all__ = ["Block", "blocks", "html_page", "to_html", "to_text"]

ICON = {"error": "✗", "warning": "!", "info": "i"}
#: severity -> heading of its part of the report
HEADINGS = {
    "error": "Errors: these must be fixed",
    "warning": "Warnings: worth fixing",
    "info": "Notes",
}
#: the error heading of the EBRAINS profiles, where errors stop a submission
_EBRAINS_ERRORS = "Errors: these block submission"


def heading(report: ValidationReport, severity: str) -> str:
    """The title of one severity's part of the report."""
    if severity == "error" and report.profile.startswith("ebrains"):
        return _EBRAINS_ERRORS
    return HEADINGS[severity]


@dataclass
class Block:
    """One thing to show: a group of many nodes, or the single findings on one node."""

    severity: Severity
    groups: list[IssueGroup]
    node_id: str | None = None  #: set for a block of one node's findings

    @property
    def issues(self) -> list[Issue]:
        return [i for g in self.groups for i in g.issues]

    @property
    def is_node(self) -> bool:
        return self.node_id is not None or (len(self.groups) == 1 and self.groups[0].count == 1)


def blocks(report: ValidationReport) -> list[Block]:
    """The report's findings as blocks, in the order of their most important group."""
    out: list[Block] = []
    by_node: dict[tuple[str, str | None], Block] = {}
    for g in report.groups():
        if g.count > 1:
            out.append(Block(g.severity, [g]))
            continue
        node = g.issues[0].node_id
        key = (g.severity.value, node)
        if key in by_node:
            by_node[key].groups.append(g)
        else:
            by_node[key] = Block(g.severity, [g], node)
            out.append(by_node[key])
    return out


def node_text(report: ValidationReport, issue: Issue) -> str:
    """ "Mixed-gambles task (DatasetVersion, _:000229)": the label, the type and the @id when it differs."""
    if issue.node_id is None:
        return "the metadata as a whole"
    label = report.label(issue.node_id)
    extra = [x for x in (issue.node_type, issue.node_id if label != issue.node_id else None) if x]
    return f"{label} ({', '.join(extra)})" if extra else label


def _problems(n: int) -> str:
    return f"{n} problem{'s' * (n != 1)}"


# -- text -------------------------------------------------------------------------------------------


def to_text(report: ValidationReport, max_per_group: int = 5) -> str:
    """Plain text for terminals: the verdict, then the blocks, most important first, then the verdict again."""
    lines: list[str] = [report.summary()]
    severity: str | None = None
    for b in blocks(report):
        if b.severity.value != severity:
            severity = b.severity.value
            lines += ["", f"{heading(report, severity)}:"]
        icon = ICON[b.severity.value]
        if b.is_node:
            first = b.issues[0]
            if len(b.issues) == 1:
                lines.append(f"{icon} {node_text(report, first)}: {first.message}  [{first.rule_id}]")
                if first.hint:
                    lines.append(f"    how to fix: {first.hint}")
                continue
            lines.append(f"{icon} {node_text(report, first)}: {_problems(len(b.issues))}")
            for i in b.issues:
                lines.append(f"    - {i.message}  [{i.rule_id}]")
                if i.hint:
                    lines.append(f"      how to fix: {i.hint}")
            continue
        (g,) = b.groups
        lines.append(f"{icon} {g.title}  [{g.rule_id}]")
        for i in g.issues[:max_per_group]:
            value = "" if i.value is None else f": {i.value!r}"
            lines.append(f"    - {node_text(report, i)}{value}")
        if g.count > max_per_group:
            lines.append(f"    … and {g.count - max_per_group} more")
        if g.hint:
            lines.append(f"    how to fix: {g.hint}")
    if report.issues:
        lines += ["", report.summary()]
    return "\n".join(lines)


# -- HTML -------------------------------------------------------------------------------------------

#: severity -> (text colour, background)
COLOURS = {
    "error": ("#c62828", "#fdecea"),
    "warning": ("#9a6700", "#fff8e1"),
    "info": ("#1565c0", "#e8f1fb"),
}
_OPEN_BLOCKS = 6  # blocks drawn open (errors, most important first); the rest start folded
_OPEN_ROWS = 8  # a group of more nodes than this starts folded
MAX_HTML_ISSUES = 1000

_CSS = (
    ".ebrains-curation-report{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;"
    "max-width:100%;box-sizing:border-box;color:#1f2328;line-height:1.4}"
    ".ebrains-curation-report *{box-sizing:border-box}"
    ".ebrains-curation-report h4{margin:1em 0 .3em;font-size:15px}"
    ".ebrains-curation-report details{border:1px solid #d0d7de;border-radius:6px;margin:.35em 0;"
    "padding:.35em .7em;background:#fff}"
    ".ebrains-curation-report summary{cursor:pointer;overflow-wrap:anywhere}"
    ".ebrains-curation-report .ecr-scroll{overflow:auto;max-width:100%;max-height:24em}"
    ".ebrains-curation-report table{border-collapse:collapse;width:100%;margin:.4em 0}"
    ".ebrains-curation-report th{text-align:left;font-weight:600;border-bottom:1px solid #d0d7de;"
    "padding:.2em .5em}"
    ".ebrains-curation-report td{padding:.2em .5em;vertical-align:top;overflow-wrap:anywhere}"
    ".ebrains-curation-report code{font-size:85%;overflow-wrap:anywhere}"
    ".ebrains-curation-report .ecr-id{color:#57606a}"
    ".ebrains-curation-report .ecr-hint{color:#57606a;font-size:92%}"
    ".ebrains-curation-report .ecr-rule{color:#8c959f;font-weight:normal;font-size:80%}"
    ".ebrains-curation-report ul.ecr-findings{margin:.3em 0;padding-left:1.2em}"
    ".ebrains-curation-report ul.ecr-findings li{margin:.25em 0;overflow-wrap:anywhere}"
)


def badge(severity: str, count: int) -> str:
    """A coloured count: "16 errors"."""
    fg, bg = COLOURS[severity]
    return (
        f'<span class="ecr-badge ecr-{severity}" style="color:{fg};background:{bg};padding:0 0.4em;'
        f'border-radius:0.3em;font-weight:bold">{count} {severity}{"s" * (count != 1 and severity != "info")}</span>'
    )


def _node_html(report: ValidationReport, issue: Issue) -> str:
    e = html.escape
    if issue.node_id is None:
        return "<strong>the metadata as a whole</strong>"
    label = report.label(issue.node_id)
    ident = f' <code class="ecr-id">{e(issue.node_id)}</code>' if label != issue.node_id else ""
    kind = f" ({e(issue.node_type)})" if issue.node_type else ""
    return f"<strong>{e(label)}</strong>{kind}{ident}"


def to_html(report: ValidationReport, max_issues: int = MAX_HTML_ISSUES) -> str:
    """A self-contained HTML fragment (Jupyter's ``_repr_html_``, ``validate --format html``).

    The verdict and counts, then one part per severity; in each, one collapsible
    ``<details class="ecr-group ecr-SEVERITY">`` per block (the first error blocks open). Rows and
    lines carry the CSS classes ``ecr-error``, ``ecr-warning``, ``ecr-info``. At most ``max_issues``
    findings are drawn.
    """
    e = html.escape
    colour = COLOURS["error"][0] if not report.conforms else "#2e7d32"
    badges = " ".join(badge(sev, n) for sev, n in report.counts.items() if n)
    out = [
        f'<div class="ebrains-curation-report"><style>{_CSS}</style>'
        f'<p class="ecr-summary" style="color:{colour};font-weight:bold">{e(report.summary())}</p>'
    ]
    if badges:
        out.append(f'<p class="ecr-counts">{badges}</p>')
    drawn = 0
    severity: str | None = None
    for n, b in enumerate(blocks(report)):
        if drawn >= max_issues:
            break
        sev = b.severity.value
        if sev != severity:
            severity = sev
            out.append(
                f'<h4 class="ecr-section" style="color:{COLOURS[sev][0]}">{e(heading(report, sev))}</h4>'
            )
        small = b.is_node or b.groups[0].count <= _OPEN_ROWS  # long lists start folded
        is_open = " open" if n < _OPEN_BLOCKS and sev == "error" and small else ""
        fg = COLOURS[sev][0]
        out.append(f'<details class="ecr-group ecr-{sev}"{is_open} style="border-left:4px solid {fg}">')
        if b.is_node:
            part, k = _node_block(report, b, max_issues - drawn)
        else:
            part, k = _group_block(report, b.groups[0], max_issues - drawn)
        out.append(part + "</details>")
        drawn += k
    if len(report.issues) > drawn:
        out.append(
            f"<p>… {len(report.issues) - drawn} more issues not shown "
            '(<code>report.render("text")</code> lists them all).</p>'
        )
    out.append("</div>")
    return "".join(out)


def _node_block(report: ValidationReport, b: Block, room: int) -> tuple[str, int]:
    e = html.escape
    sev = b.severity.value
    fg, bg = COLOURS[sev]
    issues = b.issues[:room]
    first = issues[0]
    head = (
        f"{e(first.message)} <code class='ecr-rule'>{e(first.rule_id)}</code>"
        if len(b.issues) == 1
        else _problems(len(b.issues))
    )
    out = [
        f'<summary><span style="color:{fg}">{ICON[sev]}</span> {_node_html(report, first)}: {head}</summary>'
    ]
    if len(b.issues) == 1:  # the summary said it all; the body says how to fix it
        hint = e(first.hint) if first.hint else "See the openMINDS documentation of this property."
        out.append(
            f'<p class="ecr-{sev} ecr-hint" style="background:{bg};padding:.2em .5em">How to fix: {hint}</p>'
        )
        return "".join(out), 1
    out.append('<ul class="ecr-findings">')
    for i in issues:
        hint = f'<br><span class="ecr-hint">How to fix: {e(i.hint)}</span>' if i.hint else ""
        out.append(
            f'<li class="ecr-{sev}" style="background:{bg}">{e(i.message)} '
            f"<code class='ecr-rule'>{e(i.rule_id)}</code>{hint}</li>"
        )
    out.append("</ul>")
    return "".join(out), len(issues)


def _group_block(report: ValidationReport, g: IssueGroup, room: int) -> tuple[str, int]:
    e = html.escape
    sev = g.severity.value
    fg, bg = COLOURS[sev]
    issues = g.issues[:room]
    with_value = any(i.value is not None for i in issues)
    out = [
        f'<summary><span style="color:{fg}">{ICON[sev]}</span> <strong>{e(g.title)}</strong> '
        f"{badge(sev, g.count)} <code class='ecr-rule'>{e(g.rule_id)}</code></summary>"
    ]
    if g.hint:
        out.append(f'<p class="ecr-hint">How to fix: {e(g.hint)}</p>')
    out.append(
        '<div class="ecr-scroll"><table class="ecr-issues"><thead><tr><th>node</th>'
        + ("<th>value</th>" if with_value else "")
        + "</tr></thead><tbody>"
    )
    for i in issues:
        value = f"<td><code>{e(str(i.value))}</code></td>" if with_value else ""
        out.append(
            f'<tr class="ecr-{sev}" style="background:{bg}"><td>{_node_html(report, i)}</td>{value}</tr>'
        )
    out.append("</tbody></table></div>")
    if g.count > len(issues):
        out.append(f"<p>… and {g.count - len(issues)} more</p>")
    return "".join(out), len(issues)


def html_page(fragment: str, title: str) -> str:
    """A fragment (what Jupyter shows) as a stand-alone page for a file: UTF-8 declared, so "✗" stays "✗"."""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n</head>\n'
        f'<body style="margin:1.5em">\n{fragment}\n</body>\n</html>\n'
    )
