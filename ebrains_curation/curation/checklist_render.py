"""Text and HTML for a readiness :class:`~.checklist.Checklist`.

Text is for terminals and CI logs; HTML (Jupyter, ``check --format html``) shows each
curation step as a card with its state at a glance, the overview strip on top, and the
findings of each item grouped ("16 SubjectStates lack 'ageCategory'") in expandable lists.
"""

from __future__ import annotations

import html as _html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checklist import Checklist, ChecklistItem, ChecklistStep

__all__ = ["step_state", "to_html", "to_text"]

MARK = {"done": "✓", "missing": "✗", "warning": "!", "optional": "·"}
_WORD = {"done": "done", "missing": "missing", "warning": "to look at", "optional": "optional"}
#: (text colour, background, border) per item status and step state
_COLOURS = {
    "done": ("#1a7f37", "#dafbe1", "#4ac26b"),
    "missing": ("#cf222e", "#ffebe9", "#ff8182"),
    "warning": ("#9a6700", "#fff8c5", "#d4a72c"),
    "optional": ("#57606a", "#f6f8fa", "#d0d7de"),
}
_MAX_NODES = 5  # nodes named per group in text
_MAX_HTML_NODES = 200  # nodes listed per group in HTML


def step_state(step: ChecklistStep) -> str:
    """ "missing" when an item is missing, "warning" when one needs a look, else "done"."""
    statuses = {i.status for i in step.items}
    if "missing" in statuses:
        return "missing"
    return "warning" if "warning" in statuses else "done"


def _progress(step: ChecklistStep) -> str:
    counted = [i for i in step.items if i.status != "optional"]
    done = sum(i.status == "done" for i in counted)
    return f"{done} of {len(counted)} done" if counted else "nothing required"


def to_text(cl: Checklist) -> str:
    """The checklist for terminals: steps, items with ✓ ✗ ! ·, details and grouped findings."""
    lines = [
        f'EBRAINS curation checklist ({cl.stage}) for the {cl.kind} "{cl.product_title}"',
        f"  {cl.product_id}",
        "",
    ]
    for n, s in enumerate(cl.steps, 1):
        state = {"done": "done", "missing": "to do", "warning": "to look at"}[step_state(s)]
        lines.append(f"{n}. {s.title}  [{state}: {_progress(s)}]")
        for i in s.items:
            lines.append(f"   {MARK[i.status]} {i.label}")
            lines.extend(f"       - {d}" for d in i.details)
            lines.extend(_finding_text(i))
        lines.append("")
    lines.append(cl.verdict())
    return "\n".join(lines) + "\n"


def _finding_text(item: ChecklistItem) -> list[str]:
    out = []
    for g, line in zip(item.shown_findings(), item.finding_lines(), strict=True):
        out.append(f"       - {line}")
        if g.count > 1:
            names = [item.labels.get(i.node_id or "", i.node_id or "?") for i in g.issues[:_MAX_NODES]]
            more = f", … ({g.count} in all)" if g.count > _MAX_NODES else ""
            out.append(f"           {', '.join(names)}{more}")
    return out


_CSS = (
    ".ebrains-checklist{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;"
    "color:#1f2328;max-width:60em;box-sizing:border-box}"
    ".ebrains-checklist *{box-sizing:border-box}"
    ".ebrains-checklist h3{margin:.2em 0}"
    ".ebrains-checklist code{font-size:85%;overflow-wrap:anywhere}"
    ".ecl-verdict{font-weight:600;padding:.5em .8em;border-radius:6px;margin:.6em 0}"
    ".ecl-overview{display:flex;flex-wrap:wrap;gap:.4em;margin:.6em 0;padding:0;list-style:none}"
    ".ecl-pill{padding:.25em .7em;border-radius:1em;border:1px solid;font-weight:600;white-space:nowrap}"
    ".ecl-step{border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;margin:.6em 0;"
    "padding:.4em .8em;background:#fff}"
    ".ecl-step h4{margin:.2em 0 .4em;display:flex;flex-wrap:wrap;gap:.5em;align-items:baseline}"
    ".ecl-state{font-size:80%;padding:.1em .6em;border-radius:1em;text-transform:uppercase;"
    "letter-spacing:.03em}"
    ".ecl-progress{color:#57606a;font-weight:normal;font-size:90%}"
    ".ecl-items{list-style:none;margin:0;padding:0}"
    ".ecl-item{display:flex;gap:.6em;padding:.25em 0;border-top:1px solid #f0f2f4}"
    ".ecl-mark{flex:0 0 1.5em;height:1.5em;border-radius:50%;text-align:center;font-weight:700;"
    "line-height:1.5em}"
    ".ecl-body{flex:1;min-width:0}"
    ".ecl-details{margin:.2em 0 0;padding-left:1.1em;color:#424a53}"
    ".ecl-details li{overflow-wrap:anywhere}"
    ".ecl-hint{color:#57606a}"
    ".ecl-nodes{margin:.2em 0;padding-left:1.2em;max-height:20em;overflow-y:auto}"
    ".ebrains-checklist summary{cursor:pointer}"
)


def to_html(cl: Checklist) -> str:
    """The checklist as a self-contained HTML fragment: overview strip, one card per step."""
    e = _html.escape
    fg, bg, _ = _COLOURS["done" if cl.ready else "missing"]
    out = [
        f'<div class="ebrains-checklist"><style>{_CSS}</style>',
        f"<h3>EBRAINS curation checklist ({e(cl.stage)})</h3>",
        f"<p>{e(cl.kind.capitalize())} <strong>{e(cl.product_title)}</strong><br>"
        f"<code>{e(cl.product_id)}</code></p>",
        f'<p class="ecl-verdict" style="color:{fg};background:{bg}">{e(cl.verdict())}</p>',
        '<ol class="ecl-overview">',
    ]
    for n, s in enumerate(cl.steps, 1):
        state = step_state(s)
        sfg, sbg, sbd = _COLOURS[state]
        out.append(
            f'<li class="ecl-pill ecl-{state}" style="color:{sfg};background:{sbg};border-color:{sbd}">'
            f"{MARK[state]} {n}. {e(s.title)}</li>"
        )
    out.append("</ol>")
    for n, s in enumerate(cl.steps, 1):
        out.append(_step_html(n, s))
    out.append("</div>")
    return "\n".join(out)


def _step_html(n: int, s: ChecklistStep) -> str:
    e = _html.escape
    state = step_state(s)
    fg, bg, bd = _COLOURS[state]
    word = {"done": "done", "missing": "to do", "warning": "to look at"}[state]
    out = [
        f'<section class="ecl-step ecl-{state}" style="border-left-color:{bd}">'
        f"<h4>{n}. {e(s.title)} "
        f'<span class="ecl-state" style="color:{fg};background:{bg}">{word}</span>'
        f'<span class="ecl-progress">{e(_progress(s))}</span></h4><ul class="ecl-items">'
    ]
    for i in s.items:
        ifg, ibg, _ = _COLOURS[i.status]
        out.append(
            f'<li class="ecl-item ecl-{i.status}" title="{_WORD[i.status]}">'
            f'<span class="ecl-mark" style="color:{ifg};background:{ibg}">{MARK[i.status]}</span>'
            f'<div class="ecl-body"><span class="ecl-label">{e(i.label)}</span>{_details_html(i)}</div></li>'
        )
    out.append("</ul></section>")
    return "".join(out)


def _details_html(item: ChecklistItem) -> str:
    e = _html.escape
    parts = [f"<li>{e(d)}</li>" for d in item.details]
    for g in item.shown_findings():
        hint = f' <span class="ecl-hint">— {e(g.hint)}</span>' if g.hint else ""
        if g.count == 1:
            i = g.issues[0]
            where = ""
            if i.node_id and i.node_id not in item.product_ids:
                label = item.labels.get(i.node_id, i.node_id)
                where = f" <small>({e(label)}, {e(i.node_type or '')} <code>{e(i.node_id)}</code>)</small>"
            parts.append(f'<li class="ecl-finding">{e(g.title)}{where}{hint}</li>')
            continue
        nodes = "".join(
            f"<li>{e(item.labels.get(i.node_id or '', i.node_id or '?'))} <code>{e(i.node_id or '')}</code></li>"
            for i in g.issues[:_MAX_HTML_NODES]
        )
        if g.count > _MAX_HTML_NODES:
            nodes += f"<li>… and {g.count - _MAX_HTML_NODES} more</li>"
        parts.append(
            f'<li class="ecl-finding"><details class="ecl-group"><summary>{e(g.title)}</summary>'
            f'{hint}<ul class="ecl-nodes">{nodes}</ul></details></li>'
        )
    return f'<ul class="ecl-details">{"".join(parts)}</ul>' if parts else ""
