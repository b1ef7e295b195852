"""Pictures of the metadata graph: DOT, Mermaid, SVG/PNG through Graphviz, and a fallback that never crashes."""

from __future__ import annotations

import shutil

import pytest

from ebrains_curation import MetadataGraph, build, render_graph
from ebrains_curation.render import to_dot, to_mermaid


@pytest.fixture
def graph() -> MetadataGraph:
    alice = build.person("Alice", "Smith", id="https://ex.org/alice", affiliations="Univ X")
    dsv = build.dataset_version(
        id="https://ex.org/dsv",
        short_name="demo",
        version_identifier="v1",
        license="CC-BY-4.0",
        authors=[alice],
    )
    g = MetadataGraph()
    g.add(build.dataset("Demo", "demo", "d", id="https://ex.org/ds", versions=[dsv], authors=[alice]))
    return g


def test_dot_names_nodes_terms_and_links(graph: MetadataGraph) -> None:
    """DOT text carries node labels, term labels and property names on the edges; it is deterministic."""
    dot = to_dot(graph)
    assert dot.startswith("digraph openMINDS {")
    assert "DatasetVersion\\ndemo v1" in dot and "Person\\nAlice Smith" in dot
    assert "License\\nCC-BY-4.0" in dot
    assert 'label="hasVersion"' in dot and 'label="affiliation.memberOf"' in dot
    assert to_dot(graph) == dot
    assert "License" not in to_dot(graph, include_terms=False)


def test_mermaid(graph: MetadataGraph) -> None:
    """Mermaid flowchart with one line per node and edge."""
    text = render_graph(graph, "mermaid").data
    assert isinstance(text, str) and text.startswith("flowchart LR")
    assert '-- "hasVersion" -->' in text
    assert render_graph(graph, "mermaid")._repr_markdown_().startswith("```mermaid")
    assert to_mermaid(graph) == text


def test_large_graphs_are_summarised() -> None:
    """Beyond max_per_type nodes of a type, the rest collapse into one node."""
    g = MetadataGraph()
    for i in range(300):
        g.add(build.file(f"f{i}.txt", f"https://data.ex/f{i}.txt"))
    dot = to_dot(g, max_per_type=10)
    assert "… 290 more File" in dot
    assert dot.count("File\\n") == 10


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_svg_and_png_with_graphviz(graph: MetadataGraph, tmp_path) -> None:
    """With Graphviz present, SVG and PNG are real pictures."""
    svg = render_graph(graph, "svg")
    assert svg.format == "svg" and "<svg" in svg.data and not svg.fell_back
    assert svg._repr_svg_() == svg.data
    png = render_graph(graph, "png")
    assert isinstance(png.data, bytes) and png.data.startswith(b"\x89PNG")
    png.save(str(tmp_path / "g.png"))
    assert (tmp_path / "g.png").read_bytes() == png.data


def test_missing_graphviz_falls_back_to_dot(graph: MetadataGraph, monkeypatch) -> None:
    """Without the dot program the result is DOT text with a note, never an exception."""
    monkeypatch.setenv("PATH", "/nonexistent")
    pic = render_graph(graph, "svg")
    assert pic.fell_back and pic.format == "dot" and "dot program was not found" in pic.note
    assert pic.data == to_dot(graph)
    assert "```dot" in pic._repr_markdown_()


def test_graph_html_table(graph: MetadataGraph) -> None:
    """MetadataGraph displays as an HTML table of its nodes in Jupyter."""
    html = graph._repr_html_()
    assert "<table>" in html and "DatasetVersion" in html and "https://ex.org/dsv" in html
    assert "Alice Smith" in html


def test_links_outside_the_graph_show_their_last_segment() -> None:
    """A link to a node that is not in the graph (e.g. a KG instance) is labelled by its id's last segment."""
    g = MetadataGraph(
        nodes=[
            {
                "@id": "https://ex.org/p",
                "@type": "https://openminds.om-i.org/types/Person",
                "givenName": "A",
                "contactInformation": {
                    "@id": "https://kg.ebrains.eu/api/instances/0f6e3d9c-1111-2222-3333-444455556666"
                },
            }
        ]
    )
    assert "(not in graph)\\n0f6e3d9c-1111-2222-3333-444455556666" in to_dot(g)
