"""``ebrains-curation validate``, ``shapes export`` and ``profiles``: validation for people and pipelines."""

from __future__ import annotations

import json

import click

from ..constants import DEFAULT_VERSION_KEY
from ..errors import ConfigurationError
from .common import EXIT_OK, EXIT_PROBLEMS, handle_errors, version_option

FORMATS = ("text", "json", "html", "junit", "sarif")


context_option = click.option(
    "--context",
    "context_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="JSON file with the validation context that profile rules read (e.g. the submission record).",
)


def _context(path: str | None) -> dict:
    """The validation context from a JSON file ({} when not given); 'today' defaults to today."""
    import datetime

    from .._files import decode_text, read_input

    ctx: dict = {}
    if path:
        try:
            ctx = json.loads(decode_text(read_input(path, what="context file"), path, "JSON"))
        except (ValueError, RecursionError) as exc:  # not JSON, 5,000-digit numbers, deep nesting
            raise ConfigurationError(
                f"Cannot read the context file {path}: {exc or 'nested too deeply'}"
            ) from None
        if not isinstance(ctx, dict):
            raise ConfigurationError(f"The context file {path} must hold a JSON object")
    ctx.setdefault("today", datetime.date.today().isoformat())
    return ctx


def _write(text: str, output: str | None) -> None:
    if output:
        from .._files import atomic_write

        atomic_write(output, text if text.endswith("\n") else text + "\n")
    else:
        click.echo(text)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
@click.option(
    "--profile",
    "-p",
    default="openminds",
    show_default=True,
    help="Profile name (see `ebrains-curation profiles`) or path to a profile .json file.",
)
@click.option(
    "--engine",
    type=click.Choice(["native", "shacl", "shacl-turbo"]),
    default="native",
    show_default=True,
    help="native is fast; shacl runs the exported SHACL shapes (same rule ids) with the "
    "--shacl-backend; shacl-turbo is --engine shacl --shacl-backend turbo.",
)
@click.option(
    "--shacl-backend",
    type=click.Choice(["fast", "pyshacl", "turbo"]),
    default=None,
    help="The SHACL engine under --engine shacl: fast (ours, the default), pyshacl (the reference) "
    "or turbo (the optional pyshacl-turbo); all give the same findings.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format; junit and sarif are for CI pipelines.",
)
@version_option
@context_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report to this file instead of standard output.",
)
@handle_errors
def validate(
    paths: tuple[str, ...],
    profile: str,
    engine: str,
    shacl_backend: str | None,
    fmt: str,
    om_version: str | None,
    context_file: str | None,
    output: str | None,
) -> None:
    """Validate openMINDS metadata files or folders (read together as one graph).

    Exit code 0 when the metadata conforms, 1 when errors were found, 2 when the
    input cannot be read or the options are wrong.
    """
    from ..graph.model import MetadataGraph
    from ..graph.readers import load
    from ..validate import get_profile
    from ..validate import validate as run

    prof = get_profile(profile)  # fail early (exit 2) on a bad profile
    context = _context(context_file)
    graphs = [load(p, om_version) for p in paths]
    if len(graphs) == 1:
        graph = graphs[0]
    else:
        versions = {g.version for g in graphs}
        if len(versions) > 1:
            raise ConfigurationError(
                f"The files use different openMINDS versions ({', '.join(sorted(versions))}); "
                "validate them separately or pass --version"
            )
        graph = MetadataGraph(graphs[0].version)
        for g in graphs:
            graph.add(g)
            graph.sources.update(g.sources)
    report = run(
        graph, profile=prof, engine=engine, version=om_version, context=context, backend=shacl_backend
    )
    text = report.render(fmt)
    if fmt == "html" and output:  # a file a browser opens: a whole page, UTF-8 declared
        from ..validate.readable import html_page

        text = html_page(text, f"Validation report ({report.profile})")
    _write(text, output)
    if output and fmt != "text":
        click.echo(report.summary(), err=True)
    raise SystemExit(EXIT_OK if report.conforms else EXIT_PROBLEMS)


@click.group()
def shapes() -> None:
    """SHACL shapes generated from the openMINDS specs and a validation profile."""


@shapes.command("export")
@version_option
@click.option("--profile", "-p", default="openminds", show_default=True, help="Profile name or profile file.")
@context_option
@click.option(
    "--type",
    "types",
    multiple=True,
    help="Only the shapes of this type (name or IRI; repeat for several). Default: every type.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the Turtle to this file instead of standard output.",
)
@handle_errors
def export(
    om_version: str | None, profile: str, context_file: str | None, types: tuple[str, ...], output: str | None
) -> None:
    """Export the SHACL shapes (Turtle) of one openMINDS version and profile.

    The file is self-contained: any SHACL engine runs it on the data alone (e.g. plain
    `pyshacl -s shapes.ttl data.ttl`), controlled terms included (as patterns of their IRIs). Each
    shape names the rule (ecv:ruleId) and property (ecv:key) the native engine reports.
    Rules that read the validation context (e.g. "today") are built with the values of
    --context (today's date by default).
    """
    from ..schemas import get_registry, get_version
    from ..validate import shacl_shapes

    version = get_version(om_version or DEFAULT_VERSION_KEY)
    iris = None
    if types:
        reg = get_registry(version)
        iris = []
        for t in types:
            spec = reg.find(t)
            if spec is None:
                raise ConfigurationError(f"{t!r} is not an openMINDS {version} type")
            iris.append(spec.iri)
    _write(shacl_shapes(version, profile, context=_context(context_file), types=iris), output)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def profiles(as_json: bool) -> None:
    """List the built-in validation profiles."""
    from ..validate import list_profiles

    found = list_profiles()
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in found], indent=2))
        return
    width = max((len(p.name) for p in found), default=0)
    for p in found:
        extra = f" (extends {p.extends})" if p.extends else ""
        click.echo(f"{p.name:<{width}}  {p.title}{extra}")
