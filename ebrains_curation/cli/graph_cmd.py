"""``ebrains-curation graph PATH --format svg|png|dot|mermaid``: a picture of the metadata graph."""

from __future__ import annotations

import sys

import click

from .common import handle_errors, version_option


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "dot", "mermaid"]),
    default="svg",
    show_default=True,
    help="Picture format (svg/png need Graphviz; otherwise DOT text is written).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Output file (default: standard output for text formats).",
)
@click.option("--no-terms", is_flag=True, help="Leave out controlled terms (licences, species …).")
@click.option(
    "--max-per-type",
    type=click.IntRange(1),
    default=25,
    show_default=True,
    help="Draw at most this many nodes of one type; the rest are summarised.",
)
@version_option
@handle_errors
def graph(
    path: str, fmt: str, output: str | None, no_terms: bool, max_per_type: int, om_version: str | None
) -> None:
    """Draw how the nodes of the metadata at PATH link (version, dataset, people, files, terms)."""
    from ..graph.readers import load
    from ..render import render_graph

    g = load(path, version=om_version)
    picture = render_graph(g, fmt, include_terms=not no_terms, max_per_type=max_per_type)  # type: ignore[arg-type]
    if picture.note:
        click.echo(f"note: {picture.note}", err=True)
    if output:
        if picture.fell_back and not output.endswith(".dot"):
            output += ".dot"
            click.echo(f"note: wrote DOT text to {output}", err=True)
        picture.save(output)
    elif isinstance(picture.data, bytes):
        if sys.stdout.isatty():
            raise click.UsageError("PNG output is binary: give -o FILE.png")
        sys.stdout.buffer.write(picture.data)
    else:
        click.echo(picture.data, nl=False)
