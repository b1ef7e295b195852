"""A picture of the metadata graph: DOT and Mermaid text, SVG and PNG through Graphviz.

``render_graph(graph, "svg")`` lays the graph out with Graphviz (the ``graphviz``
package drives the ``dot`` program). Where Graphviz is not installed the result
falls back to DOT text with a note saying so — it never raises for a missing
renderer. In Jupyter the result displays itself (SVG/PNG inline, Mermaid as a
fenced block, DOT as text).

Nodes are coloured by role: research products and their versions, people and
organisations, files, identifiers, and controlled terms (library instances).
Large graphs are summarised: beyond ``max_per_type`` nodes of one type the
rest collapse into one "… N more" node, so 100,000 files still draw.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Literal

from ._files import atomic_write
from .errors import ConfigurationError
from .graph.model import MetadataGraph
from .schemas import term_by_iri
from .schemas.versions import OpenMINDSVersion

__all__ = ["RenderedGraph", "render_graph", "to_dot", "to_mermaid"]

Format = Literal["svg", "png", "dot", "mermaid"]

_ROLE_COLOURS = {
    "product": "#1f6feb",
    "version": "#0b4f9c",
    "actor": "#2da44e",
    "file": "#bf8700",
    "identifier": "#8250df",
    "term": "#8c959f",
    "specimen": "#cf222e",
    "other": "#57606a",
}
_PRODUCTS = {"Dataset", "Model", "Software", "MetaDataModel", "WebService"}
_ACTORS = {"Person", "Organization", "Consortium", "ContactInformation", "Funding"}
_FILES = {"File", "FileRepository", "FileBundle", "FileArchive"}
_IDENTIFIERS = {
    "DOI",
    "ORCID",
    "RORID",
    "RRID",
    "SWHID",
    "ISBN",
    "ISSN",
    "HANDLE",
    "IdentifiersDotOrgID",
    "GenericIdentifier",
    "WebResource",
}
_SPECIMENS = {
    "Subject",
    "SubjectGroup",
    "TissueSample",
    "TissueSampleCollection",
    "SubjectState",
    "TissueSampleState",
}
_LABEL_KEYS = (
    "shortName",
    "fullName",
    "name",
    "lookupLabel",
    "identifier",
    "versionIdentifier",
    "email",
    "IRI",
)


def _role(type_name: str) -> str:
    if type_name.endswith("Version"):
        return "version"
    for role, names in (
        ("product", _PRODUCTS),
        ("actor", _ACTORS),
        ("file", _FILES),
        ("identifier", _IDENTIFIERS),
        ("specimen", _SPECIMENS),
    ):
        if type_name in names:
            return role
    return "other"


def _label(graph: MetadataGraph, node: dict[str, Any]) -> str:
    type_name = graph.type_name(node)
    if type_name == "Person":
        name = " ".join(str(node[k]) for k in ("givenName", "familyName") if isinstance(node.get(k), str))
        name = name or str(node.get("preferredName", ""))
    else:
        name = next((str(node[k]) for k in _LABEL_KEYS if isinstance(node.get(k), (str, int, float))), "")
    if type_name.endswith("Version") and isinstance(node.get("versionIdentifier"), str) and name:
        name = f"{name} {node['versionIdentifier']}" if name != node["versionIdentifier"] else name
    name = name if len(name) <= 40 else name[:37] + "…"
    return f"{type_name}\n{name}" if name else type_name


def _short_iri(iri: str) -> str:
    """The last path segment of an IRI (a KG UUID, a file name), shortened for a label."""
    segment = iri.rstrip("/").rsplit("/", 1)[-1] or iri
    return segment if len(segment) <= 40 else segment[:37] + "…"


def _term_label(iri: str, version: OpenMINDSVersion) -> str:
    term = term_by_iri(iri, version)
    if term is not None:
        name = getattr(term, "name", None) or getattr(term, "short_name", None) or iri.rsplit("/", 1)[-1]
        return f"{type(term).__name__}\n{name}"
    return iri.rsplit("/", 1)[-1] or iri


@dataclass
class _Layout:
    nodes: dict[str, tuple[str, str]]  # key -> (label, role)
    edges: list[tuple[str, str, str]]  # (src key, dst key, label)
    note: str = ""


def _collect(graph: MetadataGraph, include_terms: bool, max_per_type: int) -> _Layout:
    keys: dict[str, str] = {}
    nodes: dict[str, tuple[str, str]] = {}
    per_type: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for node_id, node in graph.nodes.items():
        t = graph.type_name(node)
        per_type[t] = per_type.get(t, 0) + 1
        if per_type[t] > max_per_type:
            keys[node_id] = f"more:{t}"
            hidden[t] = hidden.get(t, 0) + 1
            continue
        keys[node_id] = f"n{len(keys)}"
        nodes[keys[node_id]] = (_label(graph, node), _role(t))
    for t, count in hidden.items():
        nodes[f"more:{t}"] = (f"… {count:,} more {t}", _role(t))
    edges: list[tuple[str, str, str]] = []
    seen_edges: set[tuple[str, str, str]] = set()
    for node_id in graph.nodes:
        src = keys[node_id]
        for prop, target in graph.links_from(node_id):
            if target in keys:
                dst = keys[target]
            else:
                is_term = term_by_iri(target, graph.version) is not None
                if is_term and not include_terms:
                    continue
                dst = keys.setdefault(target, f"x{len(keys)}")
                if dst not in nodes:
                    if is_term:
                        nodes[dst] = (_term_label(target, graph.version), "term")
                    else:
                        nodes[dst] = (f"(not in graph)\n{_short_iri(target)}", "other")
            edge = (src, dst, prop)
            if edge not in seen_edges:
                seen_edges.add(edge)
                edges.append(edge)
    note = ""
    if hidden:
        note = (
            "Summarised: "
            + ", ".join(f"{c:,} more {t}" for t, c in hidden.items())
            + " not drawn one by one."
        )
    return _Layout(nodes, edges, note)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(graph: MetadataGraph, *, include_terms: bool = True, max_per_type: int = 25) -> str:
    """The graph as Graphviz DOT text (deterministic: same graph, same text)."""
    layout = _collect(graph, include_terms, max_per_type)
    lines = [
        "digraph openMINDS {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fontcolor=white];',
        '  edge [fontname="Helvetica", fontsize=8, color="#57606a"];',
    ]
    for key, (label, role) in layout.nodes.items():
        shape = ", shape=ellipse" if role == "term" else ""
        lines.append(f'  "{key}" [label="{_dot_escape(label)}", fillcolor="{_ROLE_COLOURS[role]}"{shape}];')
    for src, dst, prop in layout.edges:
        lines.append(f'  "{src}" -> "{dst}" [label="{_dot_escape(prop)}"];')
    if layout.note:
        lines.append(f'  labelloc=b; label="{_dot_escape(layout.note)}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br/>")


def to_mermaid(graph: MetadataGraph, *, include_terms: bool = True, max_per_type: int = 25) -> str:
    """The graph as a Mermaid flowchart (renders on GitHub, GitLab and in JupyterLab)."""
    layout = _collect(graph, include_terms, max_per_type)
    ids = {key: f"N{i}" for i, key in enumerate(layout.nodes)}
    lines = ["flowchart LR"]
    for key, (label, role) in layout.nodes.items():
        open_, close = ("([", "])") if role == "term" else ("[", "]")
        lines.append(f'  {ids[key]}{open_}"{_mermaid_escape(label)}"{close}')
        lines.append(f"  style {ids[key]} fill:{_ROLE_COLOURS[role]},color:#fff")
    for src, dst, prop in layout.edges:
        lines.append(f'  {ids[src]} -- "{_mermaid_escape(prop)}" --> {ids[dst]}')
    if layout.note:
        lines.append(f"  %% {layout.note}")
    return "\n".join(lines) + "\n"


@dataclass
class RenderedGraph:
    """A rendered picture: ``data`` (bytes for png, text otherwise), its ``format`` and a ``note``.

    ``format`` may differ from the one asked for when Graphviz was missing (then it is "dot").
    """

    data: bytes | str
    format: str
    requested: str
    note: str = ""

    @property
    def fell_back(self) -> bool:
        """True when the requested format could not be produced and DOT text was returned instead."""
        return self.format != self.requested

    def save(self, path: str) -> None:
        """Write the picture (atomically) to ``path``."""
        atomic_write(path, self.data)

    def _repr_svg_(self) -> str | None:
        return self.data if self.format == "svg" and isinstance(self.data, str) else None

    def _repr_png_(self) -> bytes | None:
        return self.data if self.format == "png" and isinstance(self.data, bytes) else None

    def _repr_markdown_(self) -> str | None:
        if not isinstance(self.data, str):
            return None
        if self.format == "mermaid":
            return f"```mermaid\n{self.data}```"
        if self.format == "dot":
            note = f"*{self.note}*\n\n" if self.note else ""
            return f"{note}```dot\n{self.data}```"
        return None

    def __str__(self) -> str:
        return (
            self.data if isinstance(self.data, str) else f"<{self.format} picture, {len(self.data):,} bytes>"
        )


def render_graph(
    graph: MetadataGraph,
    format: Format = "svg",
    *,
    include_terms: bool = True,
    max_per_type: int = 25,
) -> RenderedGraph:
    """Draw the metadata graph as SVG, PNG, DOT or Mermaid.

    SVG and PNG need Graphviz (``pip install graphviz`` and the ``dot`` program,
    e.g. ``apt install graphviz``); without it you get DOT text and a note.
    """
    if format not in ("svg", "png", "dot", "mermaid"):
        raise ConfigurationError(f"unknown picture format {format!r}: use svg, png, dot or mermaid")
    if format == "mermaid":
        return RenderedGraph(
            to_mermaid(graph, include_terms=include_terms, max_per_type=max_per_type), "mermaid", format
        )
    dot = to_dot(graph, include_terms=include_terms, max_per_type=max_per_type)
    if format == "dot":
        return RenderedGraph(dot, "dot", format)
    try:
        import graphviz
    except ImportError:
        return RenderedGraph(
            dot,
            "dot",
            format,
            note=(
                "The graphviz Python package is not installed, so this is DOT text instead of "
                f"{format.upper()}: pip install 'ebrains-curation[graph]' and install Graphviz's dot program."
            ),
        )
    try:
        data = graphviz.Source(dot).pipe(format=format)
    except graphviz.ExecutableNotFound:
        return RenderedGraph(
            dot,
            "dot",
            format,
            note=(
                f"Graphviz's dot program was not found, so this is DOT text instead of {format.upper()}: "
                "install Graphviz (e.g. apt install graphviz, brew install graphviz) or paste the text into "
                "any Graphviz viewer."
            ),
        )
    except Exception as exc:  # a renderer crash must not lose the picture
        return RenderedGraph(dot, "dot", format, note=f"Graphviz failed ({exc}); this is the DOT text.")
    return RenderedGraph(data.decode("utf-8") if format == "svg" else data, format, format)
