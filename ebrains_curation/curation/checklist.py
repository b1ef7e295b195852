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
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from ..errors import ConfigurationError
from ..graph.model import MetadataGraph, iter_values
from ..validate.report import IssueGroup, group_issues
from .products import Product, get_product, label_of
from .record import SubmissionRecord

__all__ = [
    "ITEM_KEYS",
    "STEPS",
    "Checklist",
    "ChecklistItem",
    "ChecklistStep",
    "checklist_map",
    "item_for",
    "readiness_checklist",
    "run_profile",
]

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

# item key -> (step, label); which findings belong to which item is data: checklist_map.json
_ITEMS: list[tuple[str, str, str]] = [
    ("product", "general", "The {parent} record that this version belongs to"),
    ("title", "general", "Title (at most 110 characters) and short title (at most 30)"),
    ("description", "general", "Description"),
    ("authors", "general", "{creators}, in citation order, with given and family names and valid ORCIDs"),
    ("contact", "general", "Contact person (name and e-mail)"),
    ("custodian", "general", "Data custodian with a contact e-mail, who confirmed the submission"),
    ("funding", "general", "Funding (full funder names)"),
    ("ethics", "ethics", "Ethics assessment consistent with the studied specimens"),
    ("human", "ethics", "Human subject data: category and legal basis declared"),
    ("licence", "ethics", "{licence}"),
    ("copyright", "ethics", "Copyright holder and year (if the data are copyrighted)"),
    ("access", "ethics", "Access and embargo"),
    ("repository", "files", "File repository (where the consistently structured files are stored)"),
    ("filelist", "files", "Files listed in the metadata (names, sizes, formats)"),
    ("openminds", "metadata", "openMINDS metadata well formed and complete"),
    (
        "experiment",
        "metadata",
        "Experimental approaches and techniques (1 to 8 each), data type, keywords (at most 5)",
    ),
    ("descriptor", "descriptor", "Data Descriptor document"),
    ("doi", "publish", "DOI (assigned by EBRAINS at release; re-use an existing one)"),
    ("preview", "publish", "Preview image (recommended)"),
]

#: every item key, in checklist order
ITEM_KEYS: tuple[str, ...] = tuple(k for k, _s, _l in _ITEMS)


@cache
def checklist_map() -> dict[str, Any]:
    """The finding → item mapping (``checklist_map.json``): rules, product properties, node types, default."""
    text = resources.files("ebrains_curation.curation").joinpath("checklist_map.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def item_for(issue: Any, product: Product) -> str:
    """The key of the checklist item a validation finding belongs to (see ``checklist_map.json``).

    By rule id first, then (for findings on the product version or its parent) by the
    first property of the path, then by the type of the node, else the openMINDS item.
    """
    m = checklist_map()
    key = m["rules"].get(issue.rule_id)
    if key is None and issue.path and issue.node_id in _product_ids(product):
        key = m["product_properties"].get(issue.path[0])
    if key is None and issue.node_type:
        key = m["node_types"].get(issue.node_type)
    return str(key or m["default"])


def _product_ids(product: Product) -> set[str]:
    ids = {product.id}
    if product.parent is not None:
        ids.add(str(product.parent.get("@id")))
    return ids


@dataclass
class ChecklistItem:
    """One thing to have before submitting: its status and, when not done, what to do."""

    key: str
    label: str
    status: Status
    details: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    #: the validation findings behind the status, grouped (same rule, type and property)
    findings: list[IssueGroup] = field(default_factory=list)
    #: @id -> label of the nodes named in ``findings``
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """True when the item is ✓: no finding of its rules remains and nothing is missing."""
        return self.status == "done"

    #: @ids of the product version (and its parent): findings there need no "(on …)" note
    product_ids: frozenset[str] = frozenset()

    def shown_findings(self) -> list[IssueGroup]:
        """The groups worth showing: an openMINDS "required" finding is left out when an EBRAINS
        rule of the same item says the same about the same property (the status counts both)."""
        said = {g.path[0] for g in self.findings if g.rule_id.startswith("ebrains.") and g.path}
        return [
            g
            for g in self.findings
            if not (g.rule_id == "required" and g.path and g.path[0] in said and g.count == 1)
        ]

    @property
    def messages(self) -> list[str]:
        """Everything the item says: its details, then one line per group of findings."""
        return list(self.details) + self.finding_lines()

    def finding_lines(self) -> list[str]:
        """One line per group of findings: "16 SubjectStates lack 'ageCategory'" or the message."""
        out = []
        for g in self.shown_findings():
            first = g.issues[0]
            text = g.title
            if g.count == 1 and first.node_id and first.node_id not in self.product_ids:
                text += f" ({self.labels.get(first.node_id, first.node_id)}, {first.node_type})"
            elif g.count == 1 and first.node_type in ("Dataset", "Model", "Software"):
                text += f" (on the {first.node_type})"
            if g.hint:
                text += f" — {g.hint}"
            out.append(text)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "details": list(self.details) + self.finding_lines(),
            "rule_ids": list(self.rule_ids),
            "findings": [g.to_dict(self.labels) for g in self.findings],
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

    def verdict(self) -> str:
        """ "Ready for EBRAINS submission." or "Not ready …: N items missing." """
        n = len(self.missing)
        if n == 0:
            return f"Ready for EBRAINS {self.stage}."
        return f"Not ready for EBRAINS {self.stage}: {n} item{'s' * (n != 1)} missing."

    def _text(self) -> str:
        from .checklist_render import to_text

        return to_text(self)

    def _html(self) -> str:
        from .checklist_render import to_html

        return to_html(self)

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

    One truth for "done": every finding of the report lands on exactly one item
    (:func:`item_for`, ``checklist_map.json``), and an item with a finding is never ✓.
    """
    product = get_product(graph, version_id)
    record = SubmissionRecord.coerce(record)
    if report is None:
        report = run_profile(product.graph, record, stage=stage, engine=engine, today=today)
    issues = [i for i in report.issues if i.node_id is None or _concerns(product, i.node_id)]
    labels = getattr(report, "labels", None) or {}
    dataset = product.kind == "dataset"
    words = {
        "parent": {"dataset": "Dataset", "model": "Model", "software": "Software"}[product.kind],
        "creators": "Authors" if dataset else "Developers",
        "licence": "Licence (Creative Commons for data; EBRAINS Data Use Agreement for Human Data Gateway data)"
        if dataset
        else "Licence (an openMINDS licence)",
    }
    items = {key: ChecklistItem(key, label.format(**words), "done") for key, _step, label in _ITEMS}
    by_item: dict[str, list[Any]] = {}
    for issue in issues:
        by_item.setdefault(item_for(issue, product), []).append(issue)
    for key, found in by_item.items():
        _add_findings(items[key], found, product, labels)
    _record_items(items, product, record)
    _file_items(items, product)
    _not_applicable(items, product, stage)
    _facts(items, product, record)
    steps = [ChecklistStep(k, t) for k, t in STEPS.items()]
    by_key = {s.key: s for s in steps}
    for key, step, _label in _ITEMS:
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


def _add_findings(item: ChecklistItem, issues: list[Any], product: Product, labels: dict[str, str]) -> None:
    """Attach the findings to the item; errors make it missing (✗), anything else makes it "look at" (!)."""
    sevs = {getattr(i.severity, "value", str(i.severity)) for i in issues}
    item.status = "missing" if "error" in sevs else "warning"
    item.findings.extend(group_issues(issues, labels))
    item.product_ids = frozenset(_product_ids(product))
    for i in issues:
        if i.node_id and i.node_id not in item.labels:
            item.labels[i.node_id] = labels.get(i.node_id) or label_of(product.graph, {"@id": i.node_id})
        if i.rule_id not in item.rule_ids:
            item.rule_ids.append(i.rule_id)


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
        if product.kind != "dataset" and repo_item.done:
            repo_item.status = "optional"
            repo_item.details.append(
                "Optional for models and software: link the code repository if there is one."
            )
        if files_item.done:
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
        if product.kind != "dataset" and files_item.done:
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
        items["preview"].details.append(str(previews[0].get("name") or previews[0]["@id"]))


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
        facts["doi"] = str((g.nodes.get(str(doi.get("@id"))) or {}).get("identifier") or doi.get("@id"))
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
        has_doc = product.own("fullDocumentation") or product.own("documentation")
        if has_doc and doc.done:
            doc.details.append(
                label_of(product.graph, product.own("fullDocumentation") or product.own("documentation"))
            )
    doi = items["doi"]
    if doi.done and not product.own("digitalIdentifier") and stage == "submission":
        doi.status = "optional"
        doi.details.append("EBRAINS assigns the DOI when the data are released.")
    preview = items["preview"]
    if preview.done and not preview.details:
        preview.status = "optional"
        preview.details.append(
            "Add a preview image (jpg or png, about 500×500 px, at most 1 MB) with the "
            "usage role 'preview' to the repository."
        )
    if items["copyright"].status == "done" and not product.own("copyright"):
        items["copyright"].status = "optional"
    if items["funding"].status == "done" and not product.values("funding"):
        items["funding"].status = "optional"
