"""``ebrains-curation check | descriptor | datacite``: the EBRAINS curation commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..curation.record import SubmissionRecord
    from ..graph.model import MetadataGraph

from ..errors import SerializationError
from .common import EXIT_OK, EXIT_PROBLEMS, InputError, handle_errors, version_option

_RECORD_NAMES = ("submission-record.yaml", "submission-record.yml", "submission-record.json")


def _load(path: str, om_version: str | None) -> MetadataGraph:
    from ..graph.readers import load

    return load(path, om_version)


def find_record(path: str, record: str | None) -> SubmissionRecord | None:
    """The record given with --record, else one found next to the metadata, else None."""
    from ..curation.record import SubmissionRecord

    if record:
        return SubmissionRecord.load(record)
    meta = Path(path)
    folder = meta if meta.is_dir() else meta.parent
    candidates = (
        []
        if meta.is_dir()
        else [meta.with_name(meta.stem + ext) for ext in (".record.yaml", ".record.yml", ".record.json")]
    )
    candidates += [folder / name for name in _RECORD_NAMES]
    for c in candidates:
        if c.is_file():
            return SubmissionRecord.load(c)
    return None


def _write(text: str | bytes, output: str | None) -> None:
    if output:
        from .._files import atomic_write

        atomic_write(output, text)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        raise InputError(
            "a DOCX or PDF document is not text: write it to a file with -o NAME.docx / NAME.pdf"
        )
    else:
        click.echo(text, nl=not text.endswith("\n"))


record_option = click.option(
    "--record",
    type=click.Path(exists=True, dir_okay=False),
    help="Submission record (JSON or YAML). Default: NAME.record.yaml/.json next to the file PATH, or "
    "submission-record.yaml/.json in its folder (for a folder of JSON-LD files use YAML: a .json file "
    "there is read as metadata).",
)
product_option = click.option(
    "--id",
    "version_id",
    default=None,
    help="@id of the dataset/model/software version (when the metadata hold several).",
)


@click.command()
@click.argument("path", type=click.Path(exists=True))
@record_option
@click.option(
    "--stage",
    type=click.Choice(["submission", "publication"]),
    default="submission",
    show_default=True,
    help="submission: what the curators need at intake; publication: everything, DOI included.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True
)
@click.option(
    "--today",
    default=None,
    metavar="YYYY-MM-DD",
    help="Check embargo dates against this day instead of today.",
)
@click.option("--engine", type=click.Choice(["native", "shacl"]), default="native", show_default=True)
@product_option
@version_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
@handle_errors
def check(
    path: str,
    record: str | None,
    stage: str,
    fmt: str,
    today: str | None,
    engine: str,
    version_id: str | None,
    om_version: str | None,
    output: str | None,
) -> None:
    """Is the metadata in PATH ready for EBRAINS curation? Lists each curation step with what is
    done and what is missing. Exit code 0 when ready, 1 when something is missing."""
    from ..curation.checklist import readiness_checklist

    graph = _load(path, om_version)
    checklist = readiness_checklist(
        graph,
        find_record(path, record),
        stage=stage,  # type: ignore[arg-type]  # click.Choice allows only the two stages
        version_id=version_id,
        today=today,
        engine=engine,
    )
    text = checklist.render(fmt)
    if fmt == "html" and output:  # a file a browser opens: a whole page, UTF-8 declared
        from ..validate.readable import html_page

        text = html_page(text, f"EBRAINS curation checklist: {checklist.product_title}")
    _write(text, output)
    sys.exit(EXIT_OK if checklist.ready else EXIT_PROBLEMS)


@click.command()
@click.argument("path", type=click.Path(exists=True))
@record_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "docx", "pdf"]),
    default=None,
    help="markdown, html, docx (Word) or pdf (what EBRAINS publishes). Default: from the -o file's "
    "extension, else markdown.",
)
@product_option
@version_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file (needed for docx and pdf).",
)
@handle_errors
def descriptor(
    path: str,
    record: str | None,
    fmt: str | None,
    version_id: str | None,
    om_version: str | None,
    output: str | None,
) -> None:
    """Draft the Data Descriptor of the dataset in PATH (Markdown, HTML, DOCX or PDF), with the sections
    of the EBRAINS template; passages you still have to write are marked TO BE WRITTEN BY THE AUTHORS."""
    from ..curation.descriptor import data_descriptor

    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = {"md": "markdown", "htm": "html"}.get(suffix, suffix)
        fmt = fmt if fmt in ("markdown", "html", "docx", "pdf") else "markdown"
    if fmt in ("docx", "pdf") and not output:
        raise InputError(f"a {fmt.upper()} document is not text: give the file to write with -o NAME.{fmt}")
    graph = _load(path, om_version)
    _write(data_descriptor(graph, find_record(path, record), fmt, version_id=version_id), output)  # type: ignore[arg-type]


@click.command()
@click.argument("path", type=click.Path(exists=True))
@product_option
@version_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
@handle_errors
def datacite(path: str, version_id: str | None, om_version: str | None, output: str | None) -> None:
    """DataCite metadata (kernel 4, JSON) for the dataset, model or software version in PATH,
    checked against the DataCite JSON schema. Exit code 1 if it does not meet the schema."""
    from ..curation.datacite import to_datacite

    graph = _load(path, om_version)
    try:
        doc = to_datacite(graph, version_id)
    except SerializationError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_PROBLEMS)
    _write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", output)


@click.command(name="record-template")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the template to this file (default: standard output); an existing file is never replaced.",
)
def record_template(output: str | None) -> None:
    """Print a commented submission record to fill in (contact person, custodian, human data, embargo, DOI).

    openMINDS has no properties for these curation facts; `check` reads them from
    submission-record.yaml next to the metadata.
    """
    from ..curation.record import SubmissionRecord

    text = SubmissionRecord.template_yaml()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(f"{output} exists already; not replacing it") from None
    click.echo(f"wrote {output}: fill it in, then run `ebrains-curation check`", err=True)
