"""The readiness checklist: the EBRAINS curation steps, with what is done and what is missing.

:func:`readiness_checklist` validates the metadata against the ``ebrains-submission``
(or ``ebrains-publication``) profile, reads the submission record, and sorts
everything into the steps a researcher goes through with the EBRAINS curation
team::

    general information → ethics and compliance → files → metadata
    → data descriptor → preview and publish

Each step lists its items as done (✓), missing (✗), to look at (!) or optional (·),
in plain words. ``print(checklist)`` and ``repr(checklist)`` give text; in Jupyter the checklist shows as HTML.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ConfigurationError
from ..graph.model import MetadataGraph, iter_values
from .products import Product, get_product, label_of
from .record import SubmissionRecord

__all__ = ["STEPS", "Checklist", "ChecklistItem", "ChecklistStep", "readiness_checklist", "run_profile"]

Status = Literal["done", "missing", "warning", "optional"]

#: step key -> title, in the order of the EBRAINS curation process
STEPS: dict[str, str] = {
    "general": "General information",
    "ethics": "Ethics and compliance",
    "files": "Files",
    "metadata": "Metadata",
    "descriptor": "Data descriptor",
    "publish": "Preview and publish",
}

_MARK = {"done": "✓", "missing": "✗", "warning": "!", "optional": "·"}

# item key -> (step, label, rule-id prefixes whose issues belong to the item)
_ITEMS: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "product",
        "general",
        "The {parent} record that this version belongs to",
        ("ebrains.dataset.exists", "ebrains.model.exists", "ebrains.software.exists"),
    ),
    (
        "title",
        "general",
        "Title (at most 110 characters) and short title (at most 30)",
        ("ebrains.dataset.full-name", "ebrains.dataset.short-name"),
    ),
    ("description", "general", "Description", ("ebrains.dataset.description",)),
    (
        "authors",
        "general",
        "{creators}, in citation order, with given and family names and valid ORCIDs",
        ("ebrains.dataset.authors", "ebrains.person."),
    ),
    ("contact", "general", "Contact person (name and e-mail)", ()),
    (
        "custodian",
        "general",
        "Data custodian with a contact e-mail, who confirmed the submission",
        ("ebrains.custodian.", "ebrains.model.contact", "ebrains.software.contact"),
    ),
    ("funding", "general", "Funding (full funder names)", ("ebrains.funding.",)),
    (
        "ethics",
        "ethics",
        "Ethics assessment consistent with the studied specimens",
        ("ebrains.ethics.required", "ebrains.ethics.human-eu-compliant", "ebrains.ethics.not-required"),
    ),
    (
        "human",
        "ethics",
        "Human subject data: category and legal basis declared",
        ("ebrains.ethics.human-data", "ebrains.ethics.legal-basis", "ebrains.ethics.pseudonymised"),
    ),
    ("licence", "ethics", "{licence}", ("ebrains.license.", "ebrains.dataset.license", "ebrains.access.")),
    (
        "copyright",
        "ethics",
        "Copyright holder and year (if the data are copyrighted)",
        ("ebrains.copyright.",),
    ),
    ("access", "ethics", "Access and embargo", ("ebrains.accessibility.", "ebrains.embargo.")),
    (
        "repository",
        "files",
        "File repository (where the consistently structured files are stored)",
        ("ebrains.files.repository",),
    ),
    ("filelist", "files", "Files listed in the metadata (names, sizes, formats)", ("ebrains.files.listed",)),
    ("openminds", "metadata", "openMINDS metadata well formed and complete", ()),
    (
        "experiment",
        "metadata",
        "Experimental approaches and techniques (1 to 8 each), data type, keywords (at most 5)",
        (
            "ebrains.dataset.experimental-approach",
            "ebrains.dataset.technique",
            "ebrains.dataset.data-type",
            "ebrains.dataset.keywords",
        ),
    ),
    ("descriptor", "descriptor", "Data Descriptor document", ("ebrains.descriptor.",)),
    ("doi", "publish", "DOI (assigned by EBRAINS at release; re-use an existing one)", ("ebrains.doi.",)),
    ("preview", "publish", "Preview image (recommended)", ()),
]


#: node type -> item for openMINDS (non-EBRAINS) issues found on such nodes
_BY_NODE_TYPE = {
    "Person": "authors",
    "ORCID": "authors",
    "ContactInformation": "authors",
    "DOI": "doi",
    "Funding": "funding",
    "File": "filelist",
    "FileRepository": "repository",
}


@dataclass
class ChecklistItem:
    """One thing to have before submitting: its status and, when not done, what to do."""

    key: str
    label: str
    status: Status
    details: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "details": list(self.details),
            "rule_ids": list(self.rule_ids),
        }


@dataclass
class ChecklistStep:
    """One curation step and its items."""

    key: str
    title: str
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """True when nothing in the step is missing."""
        return all(i.status != "missing" for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "done": self.done,
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(repr=False)
class Checklist:
    """The readiness checklist of one product version (see :func:`readiness_checklist`).

    ``print(checklist)`` and ``repr(checklist)`` give the same text as ``ebrains-curation check``;
    Jupyter shows it as HTML.
    """

    product_id: str
    product_title: str
    kind: str
    stage: str
    steps: list[ChecklistStep]
    report: Any = None  #: the ValidationReport behind it

    @property
    def ready(self) -> bool:
        """True when no item of any step is missing."""
        return all(s.done for s in self.steps)

    @property
    def missing(self) -> list[ChecklistItem]:
        """Every missing item, in step order."""
        return [i for s in self.steps for i in s.items if i.status == "missing"]

    def step(self, key: str) -> ChecklistStep:
        """The step with this key ("general", "ethics", "files", "metadata", "descriptor", "publish")."""
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "product": self.product_id,
            "title": self.product_title,
            "kind": self.kind,
            "stage": self.stage,
            "ready": self.ready,
            "missing": len(self.missing),
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The checklist as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def render(self, format: str = "text") -> str:
        """``text``, ``json`` or ``html``."""
        if format == "text":
            return self._text()
        if format == "json":
            return self.to_json()
        if format == "html":
            return self._html()
        raise ConfigurationError(f"unknown checklist format {format!r}; use text, json or html")

    def _verdict(self) -> str:
        n = len(self.missing)
        if n == 0:
            return f"Ready for EBRAINS {self.stage}."
        return f"Not ready for EBRAINS {self.stage}: {n} item{'s' * (n != 1)} missing."

    def _text(self) -> str:
        lines = [
            f'EBRAINS curation checklist ({self.stage}) for the {self.kind} "{self.product_title}"',
            f"  {self.product_id}",
            "",
        ]
        for n, s in enumerate(self.steps, 1):
            lines.append(f"{n}. {s.title}  [{'done' if s.done else 'to do'}]")
            for i in s.items:
                lines.append(f"   {_MARK[i.status]} {i.label}")
                for d in i.details:
                    lines.append(f"       - {d}")
            lines.append("")
        lines.append(self._verdict())
        return "\n".join(lines) + "\n"

    def _html(self) -> str:
        e = _html.escape
        colour = {"done": "#1a7f37", "missing": "#cf222e", "warning": "#9a6700", "optional": "#57606a"}
        out = [
            f'<div class="ebrains-checklist"><h3>EBRAINS curation checklist ({e(self.stage)})</h3>',
            f"<p>{e(self.kind.capitalize())} <strong>{e(self.product_title)}</strong><br>"
            f"<code>{e(self.product_id)}</code></p><ol>",
        ]
        for s in self.steps:
            out.append(f"<li><strong>{e(s.title)}</strong> — {'done' if s.done else 'to do'}<ul>")
            for i in s.items:
                out.append(
                    f'<li><span style="color:{colour[i.status]};font-weight:bold">{_MARK[i.status]}</span> '
                    f"{e(i.label)}"
                )
                if i.details:
                    out.append("<ul>" + "".join(f"<li>{e(d)}</li>" for d in i.details) + "</ul>")
                out.append("</li>")
            out.append("</ul></li>")
        ok = "#1a7f37" if self.ready else "#cf222e"
        out.append(f'</ol><p style="color:{ok};font-weight:bold">{e(self._verdict())}</p></div>')
        return "\n".join(out)

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return self._text()  # the dataclass dump (with the whole validation report) is unreadable

    def _repr_html_(self) -> str:
        return self._html()


def run_profile(
    graph: MetadataGraph,
    record: SubmissionRecord | None = None,
    *,
    stage: str = "submission",
    engine: str = "native",
    today: _dt.date | str | None = None,
) -> Any:
    """Validate ``graph`` against ``ebrains-<stage>`` with the record and "today" in the context."""
    from ..validate.api import validate

    if stage not in ("submission", "publication"):
        raise ConfigurationError(f"unknown stage {stage!r}; use 'submission' or 'publication'")
    if isinstance(today, str):
        try:
            day = _dt.date.fromisoformat(today).isoformat()
        except ValueError:
            raise ConfigurationError(f"'today' must be a date written YYYY-MM-DD, got {today!r}") from None
    else:
        day = (today or _dt.date.today()).isoformat()
    context = {"record": (record or SubmissionRecord()).to_context(), "today": day}
    return validate(graph, profile=f"ebrains-{stage}", engine=engine, context=context)


def _matches(rule_id: str, prefixes: tuple[str, ...]) -> bool:
    return any(rule_id == p or rule_id.startswith(p) for p in prefixes)


def readiness_checklist(
    graph: MetadataGraph | Any,
    record: SubmissionRecord | dict[str, Any] | str | None = None,
    *,
    stage: Literal["submission", "publication"] = "submission",
    version_id: str | None = None,
    today: _dt.date | str | None = None,
    engine: str = "native",
    report: Any = None,
) -> Checklist:
    """The EBRAINS curation checklist for the product version in ``graph``.

    ``graph`` may also be a path; ``record`` a :class:`SubmissionRecord`, a dict or a
    file path. Validates against the ``ebrains-<stage>`` profile (or uses ``report`` when
    given) and adds what the submission ``record`` says (contact person, custodian
    confirmation, human-data category). ``today`` (default: the current date) is
    the date an embargo must lie after.
    """
    product = get_product(graph, version_id)
    record = SubmissionRecord.coerce(record)
    if report is None:
        report = run_profile(product.graph, record, stage=stage, engine=engine, today=today)
    issues = [i for i in report.issues if i.node_id is None or _concerns(product, i.node_id)]
    claimed: set[int] = set()
    items: dict[str, ChecklistItem] = {}
    parent = {"dataset": "Dataset", "model": "Model", "software": "Software"}[product.kind]
    for key, _step, label, prefixes in _ITEMS:
        dataset = product.kind == "dataset"
        words = {
            "parent": parent,
            "creators": "Authors" if dataset else "Developers",
            "licence": "Licence (Creative Commons for data; EBRAINS Data Use Agreement for Human Data Gateway "
            "data)"
            if dataset
            else "Licence (an openMINDS licence)",
        }
        item = ChecklistItem(key, label.format(**words), "done")
        if prefixes:
            for n, issue in enumerate(issues):
                if _matches(issue.rule_id, prefixes):
                    claimed.add(n)
                    _add_issue(item, issue, product)
        items[key] = item
    for n, issue in enumerate(issues):  # openMINDS issues on people, DOIs, funding, files: where they belong
        node = product.graph.nodes.get(issue.node_id or "")
        key = _BY_NODE_TYPE.get(product.graph.type_name(node)) if node is not None else None
        if n not in claimed and key is not None:
            claimed.add(n)
            _add_issue(items[key], issue, product)
    _record_items(items, product, record)
    _file_items(items, product)
    _openminds_item(items["openminds"], [i for n, i in enumerate(issues) if n not in claimed], product)
    _not_applicable(items, product, stage)
    _facts(items, product, record)
    steps = [ChecklistStep(k, t) for k, t in STEPS.items()]
    by_key = {s.key: s for s in steps}
    for key, step, _label, _prefixes in _ITEMS:
        if items[key].status != "skip":
            by_key[step].items.append(items[key])
    return Checklist(product.id, str(product.title or product.id), product.kind, stage, steps, report)


def _concerns(product: Product, node_id: str) -> bool:
    """Issues on other product versions of the graph belong to their own checklist."""
    node = product.graph.nodes.get(node_id)
    if node is None:
        return True
    t = product.graph.type_name(node)
    return not (t in ("DatasetVersion", "ModelVersion", "SoftwareVersion") and node_id != product.id)


def _add_issue(item: ChecklistItem, issue: Any, product: Product) -> None:
    sev = getattr(issue.severity, "value", str(issue.severity))
    if sev == "error":
        item.status = "missing"
    elif sev == "warning" and item.status == "done":
        item.status = "warning"
    text = issue.message
    if issue.node_id and issue.node_id != product.id:
        text += f" ({label_of(product.graph, {'@id': issue.node_id})})"
    if issue.hint:
        text += f" — {issue.hint}"
    if text not in item.details:
        item.details.append(text)
    if issue.rule_id not in item.rule_ids:
        item.rule_ids.append(issue.rule_id)


def _record_items(items: dict[str, ChecklistItem], product: Product, record: SubmissionRecord | None) -> None:
    contact = items["contact"]
    if record is None:
        contact.status = "missing"
        contact.details.append(
            "No submission record: create one next to the metadata with "
            "`ebrains-curation record-template -o submission-record.yaml` (or "
            "ebrains_curation.SubmissionRecord.template_yaml()) and fill in the contact person, the "
            "data custodian's confirmation and, for human data, its category."
        )
    elif not record.contact_person.complete:
        contact.status = "missing"
        contact.details.append(
            "Give the contact person's given name, family name and e-mail address in the submission record."
        )
    else:
        cp = record.contact_person
        contact.details.append(f"{cp.given_name} {cp.family_name} <{cp.email}>")
    custodian = items["custodian"]
    if record is None:  # nobody can have confirmed anything without a record
        custodian.status = "missing"
        custodian.details.append(
            "Not confirmed yet — add a submission record in which the data custodian confirms "
            "the submission (data_custodian.confirmed)."
        )
    elif not record.data_custodian.confirmed:
        custodian.status = "missing"
        custodian.details.append(
            "The data custodian has not confirmed the submission yet (data_custodian.confirmed "
            "in the submission record)."
        )
    human = items["human"]
    if record is not None and record.human_data.category and human.status == "done":
        basis = f", legal basis: {record.human_data.legal_basis}" if record.human_data.legal_basis else ""
        human.details.append(f"Declared: {record.human_data.category}{basis}.")


def _file_items(items: dict[str, ChecklistItem], product: Product) -> None:
    """Describe the repository and its files; whether they are missing comes from the profile's rules only.

    ``ebrains.files.repository`` and ``ebrains.files.listed`` (claimed by the items above) decide the
    status, so the checklist and ``validate(..., profile="ebrains-<stage>")`` cannot disagree.
    """
    g = product.graph
    repos = product.linked("repository")
    repo_item, files_item = items["repository"], items["filelist"]
    if not repos:
        if product.kind != "dataset":
            repo_item.status = "optional"
            repo_item.details.append(
                "Optional for models and software: link the code repository if there is one."
            )
        if not files_item.details:
            if product.kind != "dataset":
                files_item.status = "skip"  # type: ignore[assignment]
            else:
                files_item.status = "optional"
                files_item.details.append(
                    "Once the files are in a repository, `ebrains-curation inventory "
                    "DATA_FOLDER` lists them in the metadata."
                )
        return
    repo = repos[0]
    repo_id = repo["@id"] if isinstance(repo, dict) else repo
    repo_item.details.append(label_of(g, {"@id": repo_id}))
    files = [
        n
        for n in g.of_type("File")
        if any(isinstance(v, dict) and v.get("@id") == repo_id for v in iter_values(n.get("fileRepository")))
    ]
    if not files:
        if product.kind != "dataset" and not files_item.details:
            files_item.status = "skip"  # type: ignore[assignment]
        return
    no_format = [f for f in files if not f.get("format")]
    files_item.details.append(
        f"{len(files)} file{'s' * (len(files) != 1)} described"
        + (f"; {len(no_format)} without a format (content type)." if no_format else ".")
    )
    previews = [
        f
        for f in files
        if str((f.get("specialUsageRole") or {}).get("@id", "")).endswith(("/preview", "/screenshot"))
    ]
    if previews:
        items["preview"].details.append(previews[0].get("name", previews[0]["@id"]))


def _openminds_item(item: ChecklistItem, issues: list[Any], product: Product) -> None:
    errors = [i for i in issues if getattr(i.severity, "value", str(i.severity)) == "error"]
    warnings = [i for i in issues if getattr(i.severity, "value", str(i.severity)) == "warning"]
    if errors:
        item.status = "missing"
    elif warnings:
        item.status = "warning"
    for issue in (errors + warnings)[:15]:
        where = label_of(product.graph, {"@id": issue.node_id}) if issue.node_id else ""
        prop = f" › {'.'.join(issue.path)}" if issue.path else ""
        item.details.append(f"{where}{prop}: {issue.message}" if where else issue.message)
        if issue.rule_id not in item.rule_ids:
            item.rule_ids.append(issue.rule_id)
    if len(errors) + len(warnings) > 15:
        item.details.append(
            f"… and {len(errors) + len(warnings) - 15} more (run `ebrains-curation validate`)."
        )


def _facts(items: dict[str, ChecklistItem], product: Product, record: SubmissionRecord | None) -> None:
    """What the metadata say, under items that are done and have nothing else to show."""
    g = product.graph

    def names(key: str) -> str:
        return ", ".join(label_of(g, v) for v in product.values(key))

    facts = {
        "title": f"{product.title} ({product.own('shortName')})"
        if product.own("shortName")
        else str(product.title),
        "authors": ", ".join(label_of(g, c) for c in product.creators),
        "ethics": names("ethicsAssessment"),
        "licence": names("license"),
        "access": names("accessibility")
        + (f", release date {product.own('releaseDate')}" if product.own("releaseDate") else ""),
        "experiment": "; ".join(
            x for x in (names("experimentalApproach"), names("technique"), names("dataType")) if x
        ),
    }
    doi = product.own("digitalIdentifier")
    if isinstance(doi, dict):
        facts["doi"] = str((g.nodes.get(doi.get("@id")) or {}).get("identifier") or doi.get("@id"))
    if record is not None and record.human_data.involved is False:
        facts["human"] = "No human subject data (declared in the submission record)."
    elif record is None or record.human_data.involved is None:
        facts["human"] = "No human subject data declared in the submission record."
    for key, text in facts.items():
        item = items.get(key)
        if item is not None and item.status == "done" and not item.details and text:
            item.details.append(text)


def _not_applicable(items: dict[str, ChecklistItem], product: Product, stage: str) -> None:
    if product.kind != "dataset":
        for key in ("human", "experiment", "ethics"):
            if items[key].status == "done" and not items[key].details:
                items[key].status = "skip"  # type: ignore[assignment]
        doc = items["descriptor"]
        doc.label = f"Documentation of the {product.kind} (fullDocumentation)"
        if not product.own("fullDocumentation") and not product.own("documentation"):
            doc.status = "missing"
            doc.details.append(
                f"Link the {product.kind}'s documentation (a web page, DOI or file) as fullDocumentation."
            )
        elif not doc.details:
            doc.details.append(
                label_of(product.graph, product.own("fullDocumentation") or product.own("documentation"))
            )
    doi = items["doi"]
    if doi.status == "done" and not product.own("digitalIdentifier"):
        doi.status = "optional" if stage == "submission" else "missing"
        doi.details.append("EBRAINS assigns the DOI when the data are released.")
    preview = items["preview"]
    if not preview.details:
        preview.status = "optional"
        preview.details.append(
            "Add a preview image (jpg or png, about 500×500 px, at most 1 MB) with the "
            "usage role 'preview' to the repository."
        )
    if items["copyright"].status == "done" and not product.own("copyright"):
        items["copyright"].status = "optional"
    if items["funding"].status == "done" and not product.values("funding"):
        items["funding"].status = "optional"
