"""A Data Descriptor draft written from the metadata, in the sections of the EBRAINS template.

EBRAINS asks for a Data Descriptor with every dataset: a short document on the
provenance, structure, quality and (re)use of the data. Much of it can be drafted
from the openMINDS metadata; the narrative (how the data were acquired, what to
watch out for) only the authors can write. The draft marks those places with
``TO BE WRITTEN BY THE AUTHORS`` so nothing is submitted half-done by accident::

    text = data_descriptor(graph)                 # Markdown
    html = data_descriptor(graph, format="html")  # a stand-alone HTML page
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ConfigurationError
from ..graph.model import MetadataGraph, Node, iter_values
from .products import Product, get_product, label_of
from .record import SubmissionRecord

__all__ = ["TODO_MARK", "data_descriptor", "descriptor_sections"]

#: the marker put in front of every passage the authors still have to write
TODO_MARK = "TO BE WRITTEN BY THE AUTHORS"

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
    """One section of the descriptor: a title and blocks ("p", "list", "todo", "pre")."""

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


def _tree(repo: Node, files: list[Node]) -> str:
    base = str(repo.get("IRI") or "").rstrip("/") + "/"
    lines = [str(repo.get("name") or base) + "/"]
    seen_dirs: set[str] = set()
    for f in files:
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


def descriptor_sections(
    graph: MetadataGraph | Any,
    record: SubmissionRecord | dict[str, Any] | str | None = None,
    version_id: str | None = None,
) -> tuple[str, list[str], list[Section]]:
    """(title, header lines, sections) of the descriptor draft; the renderers format them.

    Long because it follows the sections of the EBRAINS Data Descriptor template in their order,
    a few lines each, so that it can be read side by side with the template.
    """
    product = get_product(graph, version_id)
    record = SubmissionRecord.coerce(record)
    g = product.graph
    title = str(product.title or f"(untitled {product.kind})")
    version = product.own("versionIdentifier")
    creators = [_person_name(g, c) for c in product.creators]
    header = []
    if creators:
        header.append(f"Authors: {_join(creators)}")
    custodians = [_person_name(g, c) for c in product.linked("custodian")]
    if custodians:
        header.append(f"Data custodian: {_join(custodians)}")
    if version:
        header.append(f"Version: {version}")
    doi = _doi_text(g, product.own("digitalIdentifier"))
    header.append(f"DOI: {doi}" if doi else "DOI: assigned by EBRAINS at publication")

    summary = Section("Summary")
    description = product.get("description")
    noun = {"dataset": "the data", "model": "the model", "software": "the software"}[product.kind]
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

    methods = Section("Methods")
    approaches = [label_of(g, v) for v in product.values("experimentalApproach")]
    techniques = [label_of(g, v) for v in product.values("technique")]
    preparation = [label_of(g, v) for v in product.values("preparationDesign")]
    facts = []
    if approaches:
        facts.append(f"Experimental approach: {_join(approaches)}")
    if techniques:
        facts.append(f"Techniques: {_join(techniques)}")
    if preparation:
        facts.append(f"Preparation: {_join(preparation)}")
    data_types = [label_of(g, v) for v in product.values("dataType")]
    if data_types:
        facts.append(f"Data type: {_join(data_types)}")
    specimens = _specimens(g, product)
    if specimens:
        facts.append(f"Studied specimens: {'; '.join(specimens)}")
    for proto in product.linked("protocol") + product.linked("behavioralProtocol"):
        if isinstance(proto, dict):
            facts.append(
                f"Protocol: {label_of(g, proto)}"
                + (f" — {proto['description']}" if proto.get("description") else "")
            )
    if product.kind == "model":
        for key, word in (("abstractionLevel", "Abstraction level"), ("scope", "Scope")):
            vals = [label_of(g, v) for v in iter_values((product.parent or {}).get(key))]
            if vals:
                facts.append(f"{word}: {_join(vals)}")
    if product.kind == "software":
        for key, word in (
            ("programmingLanguage", "Programming language"),
            ("operatingSystem", "Operating system"),
        ):
            vals = [label_of(g, v) for v in product.values(key)]
            if vals:
                facts.append(f"{word}: {_join(vals)}")
    methods.items(facts)
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

    organisation = Section("Data organisation and file structure")
    repo, files = _files(g, product)
    if repo is not None:
        organisation.p(
            f'The files are in the repository "{label_of(g, repo)}" ({repo.get("IRI", repo["@id"])}).'
        )
        if files:
            organisation.pre(_tree(repo, files))
            formats = sorted({label_of(g, f["format"]) for f in files if f.get("format")})
            if formats:
                organisation.p(f"File formats: {', '.join(formats)}.")
            roles = [f for f in files if _segment(f.get("specialUsageRole")) == "dataDescriptor"]
            if roles:
                organisation.p(f"This document is the file {roles[0].get('name')}.")
        else:
            organisation.todo(
                "List the folders and files of the repository (run `ebrains-curation inventory` "
                "on the data folder to add them to the metadata)."
            )
    else:
        organisation.todo(
            "Say where the data are stored and list their folders and files (run "
            "`ebrains-curation inventory` on the data folder to add them to the metadata)."
        )
    organisation.todo(
        "Explain the naming scheme of folders and files and what each file type contains "
        "(columns, units, sampling rates, coordinate spaces)."
    )

    usage = Section("Usage notes")
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

    refs = Section("References and how to cite")
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
        refs.p("Funding:")
        refs.items(funders)
    refs.todo("Add the references cited in this document (methods papers, atlases, software).")

    if record is not None and record.human_data.involved:
        ethics = Section("Ethics")
        cat = record.human_data.category or "(category not declared)"
        basis = f", legal basis: {record.human_data.legal_basis}" if record.human_data.legal_basis else ""
        ethics.p(f"Human subject data, {cat}{basis}.")
        ethics.todo("Name the ethics committee approval (committee, reference number, date).")
        return title, header, [summary, methods, organisation, usage, ethics, refs]
    return title, header, [summary, methods, organisation, usage, refs]


def data_descriptor(
    graph: MetadataGraph | Any,
    record: SubmissionRecord | dict[str, Any] | str | None = None,
    format: Literal["markdown", "html"] = "markdown",
    *,
    version_id: str | None = None,
) -> str:
    """A Data Descriptor draft for the product version in ``graph`` (a graph or a path), as Markdown or HTML.

    Sections follow the EBRAINS template: Summary, Methods, Data organisation and
    file structure, Usage notes, References and how to cite (plus Ethics when the
    submission record declares human data). Passages the authors must still write
    start with :data:`TODO_MARK`.
    """
    title, header, sections = descriptor_sections(graph, record, version_id)
    if format in ("markdown", "md"):
        return _markdown(title, header, sections)
    if format == "html":
        return _html_page(title, header, sections)
    raise ConfigurationError(f"unknown descriptor format {format!r}; use 'markdown' or 'html'")


def _markdown(title: str, header: list[str], sections: list[Section]) -> str:
    out = [f"# Data Descriptor: {title}", ""]
    out += [f"{line}  " for line in header]
    out += [
        "",
        f"*Draft generated by ebrains-curation from the metadata. Passages marked **{TODO_MARK}** "
        "must be written before submission.*",
        "",
    ]
    for s in sections:
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
    return "\n".join(out).rstrip() + "\n"


_CSS = (
    "body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.45}"
    ".todo{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em 1em;margin:1em 0}"
    ".todo strong{color:#8a6d00}pre{background:#f6f8fa;padding:1em;overflow:auto}"
    ".meta{color:#555}"
)


def _html_body(title: str, header: list[str], sections: list[Section]) -> str:
    e = _html.escape
    out = [
        f"<h1>Data Descriptor: {e(title)}</h1>",
        '<p class="meta">' + "<br>".join(e(h) for h in header) + "</p>",
        f"<p><em>Draft generated by ebrains-curation from the metadata. Passages marked "
        f"<strong>{TODO_MARK}</strong> must be written before submission.</em></p>",
    ]
    for s in sections:
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
    return "\n".join(out)


def _html_page(title: str, header: list[str], sections: list[Section]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Data Descriptor: {_html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + _html_body(title, header, sections)
        + "\n</body>\n</html>\n"
    )
