"""``ebrains-curation inventory DIR --iri BASE -o OUT``: describe a data folder as openMINDS File metadata."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import click

from .._files import atomic_write
from ..errors import CurationWarning
from .common import EXIT_OK, EXIT_PROBLEMS, InputError, handle_errors, version_option


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        key, sep, val = v.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {v!r}", param_hint=option)
        out.append((key.strip(), val.strip()))
    return out


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--iri",
    "iri",
    required=True,
    metavar="BASE",
    help="Address of the repository; each file's IRI is BASE/relative/path.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSON-LD file to write (written atomically).",
)
@click.option(
    "--hash",
    "hashes",
    default="sha256",
    show_default=True,
    metavar="ALGS",
    help="Hash algorithms, comma-separated: sha256, md5, sha1 (all in one read).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Hashing threads (default: CPUs); 1 also turns off the helper process for many small files.",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE=GLOB",
    help='Special usage role by glob, e.g. "data descriptor=docs/*.pdf", "preview=*preview*.png". '
    "Repeatable; replaces the default pattern of that role.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="EXT=TYPE",
    help='Content type for an extension, e.g. ".mat=application/5-mat". Repeatable.',
)
@click.option(
    "--cache",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite cache file: unchanged files (same size, times and inode) are not read again.",
)
@click.option("--name", default=None, help="Repository name (default: the folder's name).")
@click.option("--hosted-by", default=None, help="Hosting organisation: full name or @id (default: EBRAINS).")
@click.option(
    "--type", "repo_type", default=None, help="Repository type: s3, swift, gitAnnex, git, ftp, gpfs, seafile."
)
@click.option(
    "--id-prefix",
    default=None,
    help='Give every node a UUID @id behind this prefix, e.g. "https://kg.ebrains.eu/api/instances/". '
    "Default: each file's own IRI (stable: a re-run merges into the saved file).",
)
@click.option("--follow-symlinks", is_flag=True, help="Follow links to folders and to places outside DIR.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write problems, hints and figures as JSON.",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bar and no summary (problems still set the exit code)."
)
@version_option
@handle_errors
def inventory(
    directory: Path,
    iri: str,
    output: Path,
    hashes: str,
    workers: int | None,
    roles: tuple[str, ...],
    formats: tuple[str, ...],
    cache: Path | None,
    name: str | None,
    hosted_by: str | None,
    repo_type: str | None,
    id_prefix: str | None,
    follow_symlinks: bool,
    report: Path | None,
    force: bool,
    quiet: bool,
    om_version: str | None,
) -> None:
    """Describe the files of DIRECTORY as an openMINDS FileRepository with one File per file.

    Exit code 0 when every file was inventoried, 1 when some could not be
    (listed in the summary), 2 on usage errors.
    """
    from ..errors import SerializationError
    from ..inventory import DEFAULT_ROLES
    from ..inventory import inventory as run

    if output.exists() and not force:
        raise InputError(f"{output} already exists; pass --force to replace it")
    role_map: dict[str, list[str]] = {k: list(v) for k, v in DEFAULT_ROLES.items()}
    given: dict[str, list[str]] = {}
    for role, glob in _pairs(roles, "--role"):
        given.setdefault(role, []).append(glob)
    role_map.update(given)
    fmt_map = {ext: (None if t.lower() == "none" else t) for ext, t in _pairs(formats, "--format")}

    with warnings.catch_warnings(record=True) as caught:  # shown as plain lines, after the run
        warnings.simplefilter("always", CurationWarning)
        result = run(
            directory,
            iri,
            name=name,
            hosted_by=hosted_by,
            repository_type=repo_type,
            algorithms=hashes,
            workers=workers,
            roles=role_map,
            cache=cache,
            exclude=[output, *([report] if report is not None else [])],  # never inventory our own output
            follow_symlinks=follow_symlinks,
            progress=False if quiet else None,
            version=om_version,
            formats=fmt_map or None,
            id_prefix=id_prefix,
        )
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    try:
        result.save(output, overwrite=True)
    except SerializationError as exc:
        raise InputError(str(exc)) from None
    if report is not None:
        atomic_write(report, json.dumps(result.report(), indent=2, ensure_ascii=False) + "\n")
    if not quiet:
        click.echo(result.summary())
        click.echo(f"wrote {output}")
    raise SystemExit(EXIT_PROBLEMS if result.problems else EXIT_OK)
