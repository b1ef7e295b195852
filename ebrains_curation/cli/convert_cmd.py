"""``ebrains-curation convert IN --to … -o OUT``: change format or openMINDS version."""

from __future__ import annotations

import json
import sys
import warnings

import click

from ..errors import OrderLostWarning
from ..schemas.versions import VERSIONS
from .common import EXIT_PROBLEMS, handle_errors

_FORMATS = ("compact", "expanded", "turtle", "ntriples")


@click.command()
@click.argument("source", metavar="IN", type=click.Path(exists=False, dir_okay=True))
@click.option(
    "--to",
    "to",
    required=True,
    type=click.Choice(["v3", "v4", "v5", "latest", *_FORMATS], case_sensitive=False),
    help="An openMINDS version to migrate to (written as compact JSON-LD), or an output format.",
)
@click.option(
    "-o",
    "--output",
    "output",
    default="-",
    show_default=True,
    help="Output file ('-' for standard output); a folder with --per-node.",
)
@click.option(
    "--from-version",
    "from_version",
    type=click.Choice(sorted(VERSIONS)),
    default=None,
    help="openMINDS version of IN (default: detected; om-i.org metadata is read as v4).",
)
@click.option("--per-node", is_flag=True, help="Write one compact JSON-LD file per node into the folder OUT.")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option(
    "--report", "report_path", default=None, help="Also write the migration report as JSON to this file."
)
@handle_errors
def convert(
    source: str,
    to: str,
    output: str,
    from_version: str | None,
    per_node: bool,
    overwrite: bool,
    report_path: str | None,
) -> None:
    """Convert openMINDS metadata IN (JSON-LD file or folder, Turtle, N-Triples) to another form.

    With a version for --to, the metadata is migrated (v3 ↔ v4 ↔ v5) and what
    could not be mapped is listed on standard error; the exit code is then 1.
    Exit code 2: IN cannot be read or OUT cannot be written.
    """
    from ..graph.migrate import migrate
    from ..graph.readers import load
    from ..graph.writers import dump, dumps

    graph = load(source, from_version)
    if graph.version_note:  # v4 and v5 share a namespace: say when the version was assumed
        click.echo(f"note: {graph.version_note}", err=True)
    to = to.lower()
    report = None
    fmt = "compact"
    if to in _FORMATS:
        fmt = to
    else:
        graph, report = migrate(graph, to)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OrderLostWarning)
        if output == "-" and not per_node:
            click.echo(dumps(graph, fmt), nl=False)
            written = None
        else:
            written = dump(graph, output, fmt, per_node=per_node, overwrite=overwrite)
    for w in caught:  # Turtle/N-Triples cannot keep the order of authors …: say so
        click.echo(f"warning: {w.message}", err=True)
    if written is not None:
        click.echo(
            f"wrote {len(written)} file(s): {written[0] if len(written) == 1 else output} "
            f"({len(graph)} nodes, openMINDS {graph.version})",
            err=True,
        )
    if report is not None:
        if report_path:
            from .._files import atomic_write

            atomic_write(report_path, json.dumps(report.to_dict(), indent=2, sort_keys=True, default=str))
        if not report.lossless:
            click.echo(str(report), err=True)
            sys.exit(EXIT_PROBLEMS)
