"""A Data Descriptor draft written from the metadata, in the sections of the EBRAINS template.

EBRAINS asks for a Data Descriptor with every dataset: a short document on the
provenance, structure, quality and (re)use of the data, published next to the data
as a PDF. Much of it can be drafted from the openMINDS metadata; the narrative (how
the data were acquired, what to watch out for) only the authors can write. The draft
marks those places with ``TO BE WRITTEN BY THE AUTHORS`` so nothing is submitted
half-done by accident::

    text = data_descriptor(graph)                  # Markdown
    page = data_descriptor(graph, format="html")   # a stand-alone HTML page
    docx = data_descriptor(graph, format="docx")   # bytes: a Word document (python-docx)
    pdf = data_descriptor(graph, format="pdf")     # bytes: the PDF EBRAINS publishes (fpdf2)

The sections and their order are those of the EBRAINS Data Descriptor template
(:data:`TEMPLATE_SECTIONS`, as the EBRAINS Metadata Wizard writes it): Title, Authors,
Affiliations, Corresponding author(s), Summary, Version specifications, Materials and
Methods, Usage Notes, Data Records, Acknowledgements, References.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ConfigurationError
from ..graph.model import MetadataGraph, Node, iter_values
from .products import Product, get_product, label_of
from .record import SubmissionRecord

__all__ = [
    "FORMATS",
    "TEMPLATE_SECTIONS",
    "TODO_MARK",
    "Descriptor",
    "data_descriptor",
    "descriptor_sections",
]

#: the marker put in front of every passage the authors still have to write
TODO_MARK = "TO BE WRITTEN BY THE AUTHORS"

#: the sections of the EBRAINS Data Descriptor template, in order
TEMPLATE_SECTIONS = (
    "Title",
    "Authors",
    "Affiliations",
    "Corresponding author(s)",
    "Summary",
    "Version specifications",
    "Materials and Methods",
    "Usage Notes",
    "Data Records",
    "Acknowledgements",
    "References",
)

#: output formats: text ones give str, document ones bytes
FORMATS = ("markdown", "html", "docx", "pdf")

_ACCESS_TEXT = {
    "freeAccess": "The data are openly accessible: anyone can download them from EBRAINS.",
    "underEmbargo": "The data are under embargo: the metadata are public, and the files become available for "
    "download when the embargo ends on {date}.",
    "controlledAccess": "The data are shared through the EBRAINS Human Data Gateway: users request access with "
    "their EBRAINS account and accept the Data Use Agreement before they can download them.",
    "restrictedAccess": "The metadata are public; the data remain on an access-restricted server.",
    "paidAccess": "Access to the data is subject to a fee.",
}


@dataclass
class Section:
    """One section of the descriptor: a title and blocks ("p", "list", "todo", "pre", "sub")."""

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def items(self, items: list[str]) -> None:
        if items:
            self.blocks.append(("list", items))

    def todo(self, text: str) -> None:
        self.blocks.append(("todo", text))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))

    def sub(self, text: str) -> None:
        """A sub-heading inside the section."""
        self.blocks.append(("sub", text))

    @property
    def todos(self) -> list[str]:
        """The passages of this section the authors still have to write."""
        return [str(v) for k, v in self.blocks if k == "todo"]


@dataclass
class Descriptor:
    """The content of a Data Descriptor: its title, version and sections in template order."""

    title: str
    version: str
    kind: str
    sections: list[Section]

    @property
    def todos(self) -> int:
        """How many passages the authors still have to write."""
        return sum(len(s.todos) for s in self.sections)


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _segment(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("@id")
    return str(value or "").rsplit("/", 1)[-1]


def _person_name(g: MetadataGraph, node: Node | str) -> str:
    if isinstance(node, dict) and g.type_name(node) == "Person":
        given, family = node.get("givenName"), node.get("familyName")
        return " ".join(x for x in (given, family) if x) or label_of(g, node)
    return label_of(g, node)


def _doi_text(g: MetadataGraph, value: Any) -> str | None:
    if isinstance(value, dict) and "@id" in value:
        node = g.nodes.get(value["@id"])
        return str(node.get("identifier") or node.get("IRI") or value["@id"]) if node else str(value["@id"])
    return None


def _specimens(g: MetadataGraph, product: Product) -> list[str]:
    out = []
    for node in product.linked("studiedSpecimen"):
        if not isinstance(node, dict):
            continue
        kind = g.type_name(node)
        species = _join([label_of(g, s) for s in iter_values(node.get("species"))])
        label = node.get("lookupLabel") or node.get("internalIdentifier") or ""
        text = f"{kind} {label}".strip()
        details = [
            d for d in (species, label_of(g, node["biologicalSex"]) if node.get("biologicalSex") else "") if d
        ]
        if node.get("numberOfSubjects"):
            details.append(f"{node['numberOfSubjects']} subjects")
        out.append(f"{text} ({', '.join(details)})" if details else text)
    if len(out) > _MANY_SPECIMENS:
        return _specimen_summary(g, product)
    return out


_MANY_SPECIMENS = 6  # beyond this many, specimens are counted rather than listed


def _specimen_summary(g: MetadataGraph, product: Product) -> list[str]:
    """ "16 Subjects (Homo sapiens; 8 female, 8 male): sub-01 to sub-16"."""
    groups: dict[tuple[str, str], list[Node]] = {}
    for node in product.linked("studiedSpecimen"):
        if isinstance(node, dict):
            species = _join([label_of(g, s) for s in iter_values(node.get("species"))])
            groups.setdefault((g.type_name(node), species), []).append(node)
    out = []
    for (kind, species), nodes in groups.items():
        sexes: dict[str, int] = {}
        for node in nodes:
            if node.get("biologicalSex"):
                sex = label_of(g, node["biologicalSex"])
                sexes[sex] = sexes.get(sex, 0) + 1
        labels = sorted(str(n.get("lookupLabel") or n.get("internalIdentifier") or "") for n in nodes)
        details = "; ".join(
            x for x in (species, ", ".join(f"{v} {k}" for k, v in sorted(sexes.items()))) if x
        )
        span = f": {labels[0]} to {labels[-1]}" if labels and labels[0] and labels[-1] else ""
        out.append(f"{len(nodes)} {kind}s" + (f" ({details})" if details else "") + span)
    return out


def _files(g: MetadataGraph, product: Product) -> tuple[Node | None, list[Node]]:
    repos = product.linked("repository")
    repo = repos[0] if repos and isinstance(repos[0], dict) else None
    if repo is None:
        return None, []
    files = [
        n
        for n in g.of_type("File")
        if any(
            isinstance(v, dict) and v.get("@id") == repo["@id"] for v in iter_values(n.get("fileRepository"))
        )
    ]
    return repo, sorted(files, key=lambda n: str(n.get("IRI") or n.get("name") or ""))


def _human_size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


_MAX_TREE_FILES = 40  # files drawn in the tree of Data Records


def _tree(repo: Node, files: list[Node]) -> str:
    base = str(repo.get("IRI") or "").rstrip("/") + "/"
    lines = [str(repo.get("name") or base) + "/"]
    seen_dirs: set[str] = set()
    for n, f in enumerate(files):
        if n == _MAX_TREE_FILES:  # a descriptor shows the layout; the metadata list every one
            lines.append(f"… and {len(files) - n} more files (all listed in the metadata)")
            break
        iri = str(f.get("IRI") or f.get("name") or "")
        rel = iri[len(base) :] if iri.startswith(base) else str(f.get("name") or iri)
        parts = rel.split("/")
        for depth, d in enumerate(parts[:-1]):
            key = "/".join(parts[: depth + 1])
            if key not in seen_dirs:
                seen_dirs.add(key)
                lines.append("    " * (depth + 1) + d + "/")
        size = f.get("storageSize") or {}
        extra = (
            f"  ({_human_size(float(size['value']))})" if isinstance(size, dict) and size.get("value") else ""
        )
        lines.append("    " * len(parts) + parts[-1] + extra)
    return "\n".join(lines)


def _affiliations(g: MetadataGraph, people: list[Node | str]) -> tuple[list[str], dict[str, list[int]]]:
    """(numbered organisation names, person @id -> their numbers), in author order."""
    orgs: list[str] = []
    numbers: dict[str, list[int]] = {}
    for person in people:
        if not isinstance(person, dict):
            continue
        for aff in iter_values(person.get("affiliation")):
            if not isinstance(aff, dict):
                continue
            org = aff.get("memberOf") or aff.get("organization")
            name = label_of(g, org) if org else ""
            if not name:
                continue
            if name not in orgs:
                orgs.append(name)
            numbers.setdefault(str(person.get("@id")), []).append(orgs.index(name) + 1)
    return orgs, numbers


def _contact(g: MetadataGraph, product: Product, record: SubmissionRecord | None) -> list[str]:
    """Corresponding author(s): the record's contact person, else custodians with an e-mail."""
    if record is not None and record.contact_person.complete:
        cp = record.contact_person
        return [f"{cp.given_name} {cp.family_name} <{cp.email}>"]
    out = []
    for person in product.linked("custodian") + product.creators:
        if not isinstance(person, dict):
            continue
        info = g.nodes.get(str((person.get("contactInformation") or {}).get("@id", "")))
        email = (info or {}).get("email")
        if email:
            line = f"{_person_name(g, person)} <{email}>"
            if line not in out:
                out.append(line)
    return out


def _people_sections(g: MetadataGraph, product: Product, record: SubmissionRecord | None) -> list[Section]:
    authors, affiliations, contact = (
        Section("Authors"),
        Section("Affiliations"),
        Section("Corresponding author(s)"),
    )
    people = product.creators
    orgs, numbers = _affiliations(g, people)
    if people:
        names = []
        for person in people:
            marks = numbers.get(str(person.get("@id")) if isinstance(person, dict) else "", [])
            names.append(_person_name(g, person) + (f" ({', '.join(map(str, marks))})" if marks else ""))
        authors.p(", ".join(names))
    else:
        authors.todo("List the authors in the order they should appear in the citation.")
    custodians = [_person_name(g, c) for c in product.linked("custodian")]
    if custodians:
        authors.p(f"Data custodian: {_join(custodians)}")
    for n, org in enumerate(orgs, 1):
        affiliations.p(f"{n}. {org}")
    if not orgs:
        affiliations.todo("Give each author's affiliation (department, institution, city, country).")
    lines = _contact(g, product, record)
    if lines:
        contact.items(lines)
    else:
        contact.todo("Name the corresponding author(s) with an e-mail address.")
    return [authors, affiliations, contact]


def _summary(product: Product, noun: str) -> Section:
    summary = Section("Summary")
    description = product.get("description")
    if description:
        summary.p(str(description))
        summary.todo(
            f"Check that the summary says what {noun} show{'s' * (product.kind != 'dataset')} and why "
            "they were made, for a reader outside your lab (about 150-250 words)."
        )
    else:
        summary.todo(
            f"Write a summary (150-250 words): what {noun} {'are' if product.kind == 'dataset' else 'is'}, "
            "the research question behind them, and what a re-user can do with them."
        )
    return summary


def _version(product: Product, version: str) -> Section:
    section = Section("Version specifications")
    kind = {"dataset": "dataset", "model": "model", "software": "software"}[product.kind]
    section.p(
        f"This is version {version} of this {kind}."
        if version
        else f"This {kind} has no version identifier yet."
    )
    innovation = product.own("versionInnovation")
    if innovation:
        section.p(str(innovation))
    if not version or not innovation:
        section.todo(
            "Give the version identifier and say what is new in this version (or that it is the first)."
        )
    return section


def _methods_facts(g: MetadataGraph, product: Product) -> list[str]:
    facts = []
    for key, word in (
        ("experimentalApproach", "Experimental approach"),
        ("technique", "Techniques"),
        ("preparationDesign", "Preparation"),
        ("dataType", "Data type"),
    ):
        vals = [label_of(g, v) for v in product.values(key)]
        if vals:
            facts.append(f"{word}: {_join(vals)}")
    specimens = _specimens(g, product)
    if specimens:
        facts.append(f"Studied specimens: {'; '.join(specimens)}")
    for proto in product.linked("protocol") + product.linked("behavioralProtocol"):
        if isinstance(proto, dict):
            facts.append(
                f"Protocol: {label_of(g, proto)}"
                + (f" — {proto['description']}" if proto.get("description") else "")
            )
    extra = {
        "model": (("abstractionLevel", "Abstraction level"), ("scope", "Scope")),
        "software": (
            ("programmingLanguage", "Programming language"),
            ("operatingSystem", "Operating system"),
        ),
    }.get(product.kind, ())
    for key, word in extra:
        source = (
            iter_values((product.parent or {}).get(key)) if product.kind == "model" else product.values(key)
        )
        vals = [label_of(g, v) for v in source]
        if vals:
            facts.append(f"{word}: {_join(vals)}")
    return facts


def _methods(g: MetadataGraph, product: Product, record: SubmissionRecord | None, noun: str) -> Section:
    methods = Section("Materials and Methods")
    methods.items(_methods_facts(g, product))
    if product.kind == "dataset":
        methods.todo(
            "Describe how the data were acquired and processed: subjects or samples and their preparation, "
            "equipment and settings, protocols, processing steps and software (with versions), and the "
            "quality checks you applied."
        )
    else:
        methods.todo(
            f"Describe how {noun} was built and tested: the data and assumptions it rests on, its main "
            "components, dependencies (with versions), and how its results were validated."
        )
    if record is not None and record.human_data.involved:
        methods.sub("Ethics")
        cat = record.human_data.category or "(category not declared)"
        basis = f", legal basis: {record.human_data.legal_basis}" if record.human_data.legal_basis else ""
        methods.p(f"Human subject data, {cat}{basis}.")
        methods.todo("Name the ethics committee approval (committee, reference number, date).")
    return methods


def _usage(g: MetadataGraph, product: Product, noun: str) -> Section:
    usage = Section("Usage Notes")
    access = _segment(product.own("accessibility"))
    if access in _ACCESS_TEXT:
        usage.p(_ACCESS_TEXT[access].format(date=product.own("releaseDate") or "(date to be given)"))
    licences = [label_of(g, v) for v in product.values("license")]
    if licences:
        usage.p(f"Licence: {_join(licences)}. Re-users must follow its terms.")
    usage.todo(
        f"Tell re-users how to open and use {noun} (recommended tools, installation, examples), and any "
        "known limitations or caveats."
    )
    return usage


def _records(g: MetadataGraph, product: Product) -> Section:
    records = Section("Data Records")
    repo, files = _files(g, product)
    if repo is None:
        records.todo(
            "Say where the data are stored and list their folders and files (run "
            "`ebrains-curation inventory` on the data folder to add them to the metadata)."
        )
    else:
        records.p(f'The files are in the repository "{label_of(g, repo)}" ({repo.get("IRI", repo["@id"])}).')
        if files:
            records.pre(_tree(repo, files))
            formats = sorted({label_of(g, f["format"]) for f in files if f.get("format")})
            if formats:
                records.p(f"File formats: {', '.join(formats)}.")
            roles = [f for f in files if _segment(f.get("specialUsageRole")) == "dataDescriptor"]
            if roles:
                records.p(f"This document is the file {roles[0].get('name')}.")
        else:
            records.todo(
                "List the folders and files of the repository (run `ebrains-curation inventory` "
                "on the data folder to add them to the metadata)."
            )
    records.todo(
        "Explain the naming scheme of folders and files and what each file type contains "
        "(columns, units, sampling rates, coordinate spaces)."
    )
    return records


def _acknowledgements(g: MetadataGraph, product: Product) -> Section:
    section = Section("Acknowledgements")
    funders = []
    for f in product.linked("funding"):
        if isinstance(f, dict):
            funder = label_of(g, f.get("funder")) if f.get("funder") else ""
            award = " ".join(
                x
                for x in (f.get("awardTitle"), f"({f['awardNumber']})" if f.get("awardNumber") else None)
                if x
            )
            funders.append(f"{funder}{': ' + award if award else ''}")
    if funders:
        section.p("This work received funding from:")
        section.items(funders)
    else:
        section.todo("Acknowledge the funding (funder and grant number) and anyone who helped.")
    return section


def _references(g: MetadataGraph, product: Product, title: str, version: str, doi: str | None) -> Section:
    refs = Section("References")
    how_to_cite = product.get("howToCite")
    if how_to_cite:
        refs.p(f"How to cite: {how_to_cite}")
    else:
        year = str(product.own("releaseDate") or "")[:4] or "YEAR"
        names = [
            (
                f"{c.get('familyName')}, {str(c.get('givenName'))[:1]}."
                if isinstance(c, dict) and c.get("familyName")
                else _person_name(g, c)
            )
            for c in product.creators
        ]
        cite = f"{_join(names) or 'AUTHORS'} ({year}). {title}"
        cite += f" (version {version})" if version else ""
        cite += f" [{ {'dataset': 'Data set', 'model': 'Model', 'software': 'Software'}[product.kind] }]. EBRAINS."
        cite += f" {doi}" if doi else " DOI to be assigned."
        refs.p(f"How to cite: {cite}")
    pubs = [t for t in (_doi_text(g, v) for v in product.values("relatedPublication")) if t]
    if pubs:
        refs.p("Related publications:")
        refs.items(pubs)
    refs.todo("Add the references cited in this document (methods papers, atlases, software).")
    return refs


def descriptor_sections(
    graph: MetadataGraph | Any,
    record: SubmissionRecord | dict[str, Any] | str | None = None,
    version_id: str | None = None,
) -> Descriptor:
    """The descriptor's content, section by section in template order; the renderers format it."""
    product = get_product(graph, version_id)
    record = SubmissionRecord.coerce(record)
    g = product.graph
    title = str(product.title or f"(untitled {product.kind})")
    version = str(product.own("versionIdentifier") or "")
    doi = _doi_text(g, product.own("digitalIdentifier"))
    noun = {"dataset": "the data", "model": "the model", "software": "the software"}[product.kind]
    head = Section("Title")
    head.p(title)
    head.p(f"DOI: {doi}" if doi else "DOI: assigned by EBRAINS at publication")
    sections = [
        head,
        *_people_sections(g, product, record),
        _summary(product, noun),
        _version(product, version),
        _methods(g, product, record, noun),
        _usage(g, product, noun),
        _records(g, product),
        _acknowledgements(g, product),
        _references(g, product, title, version, doi),
    ]
    return Descriptor(title, version, product.kind, sections)


def data_descriptor(
    graph: MetadataGraph | Any,
    record: SubmissionRecord | dict[str, Any] | str | None = None,
    format: Literal["markdown", "html", "docx", "pdf"] = "markdown",
    *,
    version_id: str | None = None,
) -> Any:
    """A Data Descriptor draft for the product version in ``graph`` (a graph or a path).

    ``markdown`` and ``html`` give text; ``docx`` (python-docx) and ``pdf`` (fpdf2) give
    the bytes of the document. The sections follow the EBRAINS template
    (:data:`TEMPLATE_SECTIONS`); passages the authors must still write start with
    :data:`TODO_MARK` (highlighted in HTML, DOCX and PDF).
    """
    if format not in (*FORMATS, "md"):
        raise ConfigurationError(f"unknown descriptor format {format!r}; use {', '.join(FORMATS)}")
    doc = descriptor_sections(graph, record, version_id)
    if format in ("markdown", "md"):
        return _markdown(doc)
    if format == "html":
        return _html_page(doc)
    if format == "docx":
        from .descriptor_docx import to_docx

        return to_docx(doc)
    from .descriptor_pdf import to_pdf

    return to_pdf(doc)


def _markdown(doc: Descriptor) -> str:
    out = [f"# Data Descriptor: {doc.title}", ""]
    out += [
        f"*Draft generated by ebrains-curation from the metadata. Passages marked **{TODO_MARK}** "
        "must be written before submission.*",
        "",
    ]
    for s in doc.sections:
        out += [f"## {s.title}", ""]
        for kind, value in s.blocks:
            if kind == "p":
                out += [value, ""]
            elif kind == "list":
                out += [f"- {v}" for v in value] + [""]
            elif kind == "todo":
                out += [f"> **{TODO_MARK}:** {value}", ""]
            elif kind == "pre":
                out += ["```text", value, "```", ""]
            elif kind == "sub":
                out += [f"### {value}", ""]
    return "\n".join(out).rstrip() + "\n"


_CSS = (
    "body{font-family:Calibri,Carlito,'Segoe UI',sans-serif;max-width:50em;margin:2em auto;line-height:1.45;"
    "padding:0 1em}"
    "h1{letter-spacing:.05em}h2{font-size:1.05em;text-transform:uppercase;margin-top:1.6em}"
    ".todo{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em 1em;margin:1em 0}"
    ".todo strong{color:#8a6d00}pre{background:#f6f8fa;padding:1em;overflow:auto}"
    ".meta{color:#555}"
)


def _html_body(doc: Descriptor) -> str:
    e = _html.escape
    out = [
        "<h1>DATA DESCRIPTOR</h1>",
        f"<p class=\"meta\">Title: '{e(doc.title)}' | version: {e(doc.version or '—')}</p>",
        f"<p><em>Draft generated by ebrains-curation from the metadata. Passages marked "
        f"<strong>{TODO_MARK}</strong> must be written before submission.</em></p>",
    ]
    for s in doc.sections:
        out.append(f"<h2>{e(s.title)}</h2>")
        for kind, value in s.blocks:
            if kind == "p":
                out.append(f"<p>{e(value)}</p>")
            elif kind == "list":
                out.append("<ul>" + "".join(f"<li>{e(v)}</li>" for v in value) + "</ul>")
            elif kind == "todo":
                out.append(f'<div class="todo"><strong>{TODO_MARK}:</strong> {e(value)}</div>')
            elif kind == "pre":
                out.append(f"<pre>{e(value)}</pre>")
            elif kind == "sub":
                out.append(f"<h3>{e(value)}</h3>")
    return "\n".join(out)


def _html_page(doc: Descriptor) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Data Descriptor: {_html.escape(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + _html_body(doc)
        + "\n</body>\n</html>\n"
    )
