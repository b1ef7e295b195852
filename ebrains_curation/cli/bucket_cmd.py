"""``ebrains-curation bucket …``: push a folder to an EBRAINS bucket with a plan, list and describe buckets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .common import EXIT_PROBLEMS, handle_errors, version_option

_url = click.option(
    "--url",
    envvar="EBRAINS_DATAPROXY_URL",
    default="https://data-proxy.ebrains.eu/api",
    show_default=True,
    help="Data Proxy API root ($EBRAINS_DATAPROXY_URL).",
)
_anonymous = click.option("--anonymous", is_flag=True, help="No token (public buckets only).")


def _client(url: str, anonymous: bool = False, **kwargs: Any) -> Any:
    from ..dataproxy import DataProxyClient
    from ..net.auth import default_provider

    provider = None if anonymous else default_provider()
    return DataProxyClient(url, token_provider=provider, **kwargs)


@click.group()
def bucket() -> None:
    """Work with EBRAINS collab buckets (the Data Proxy)."""


@bucket.command("ls")
@click.argument("bucket_name", metavar="BUCKET")
@click.option("--prefix", default="", help="Only objects whose name starts with this.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@_url
@_anonymous
@handle_errors
def ls(bucket_name: str, prefix: str, as_json: bool, url: str, anonymous: bool) -> None:
    """List the objects of BUCKET: size, MD5 (or hash) and name."""
    client = _client(url, anonymous)
    n = size = 0
    for obj in client.list(bucket_name, prefix):
        n += 1
        size += obj.bytes
        if as_json:
            click.echo(json.dumps(obj._asdict()))
        else:
            click.echo(f"{obj.bytes:>14}  {obj.hash:<36}  {obj.name}")
    if not as_json:
        click.echo(f"{n} objects, {size} bytes", err=True)


@bucket.command()
@click.argument("bucket_name", metavar="BUCKET")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write JSON-LD here.")
@click.option("--prefix", default="", help="Only objects whose name starts with this.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@version_option
@_url
@_anonymous
@handle_errors
def describe(
    bucket_name: str,
    output: str | None,
    prefix: str,
    force: bool,
    om_version: str | None,
    url: str,
    anonymous: bool,
) -> None:
    """Describe BUCKET as an openMINDS FileRepository with its Files, from the listing (no download)."""
    from ..dataproxy.describe import describe_bucket
    from ..graph.writers import dump, dumps

    result = describe_bucket(_client(url, anonymous), bucket_name, prefix=prefix, version=om_version)
    if output:
        dump(result.graph, output, overwrite=force)
    else:
        click.echo(dumps(result.graph))
    click.echo(result.summary(), err=True)


@bucket.command("push")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("bucket_name", metavar="BUCKET")
@click.option("--dry-run", is_flag=True, help="Print the plan; upload and delete nothing.")
@click.option("--prefix", default="", help="Put the files under this folder of the bucket.")
@click.option("--overwrite", is_flag=True, help="Replace objects whose content differs (conflicts).")
@click.option("--delete", is_flag=True, help="Delete objects that are only in the bucket (under --prefix).")
@click.option(
    "--workers", type=click.IntRange(1, 128), default=16, show_default=True, help="Parallel uploads."
)
@click.option(
    "--cache", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Inventory cache."
)
@click.option(
    "--metadata",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the FileRepository/File JSON-LD (IRIs in the bucket) here.",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when on a terminal).")
@version_option
@_url
@handle_errors
def push_cmd(
    directory: Path,
    bucket_name: str,
    dry_run: bool,
    prefix: str,
    overwrite: bool,
    delete: bool,
    workers: int,
    cache: Path | None,
    metadata: str | None,
    progress: bool | None,
    om_version: str | None,
    url: str,
) -> None:
    """Upload DIRECTORY to BUCKET: plan (upload/skip/conflict/only-remote), upload, verify.

    Re-running an unchanged push uploads nothing. Exit code 1 when a file failed or
    does not verify (e.g. a conflict left in place).
    """
    from ..curation.push import plan_push, push

    client = _client(url)
    plan = plan_push(directory, client, bucket_name, prefix=prefix, cache=cache, version=om_version)
    click.echo(plan.render(), err=True)
    for problem in getattr(plan.inventory, "problems", [])[:20]:
        click.echo(f"not inventoried: {problem}", err=True)
    result = push(
        directory,
        client,
        bucket_name,
        plan=plan,
        dry_run=dry_run,
        overwrite=overwrite,
        delete=delete,
        workers=workers,
        progress=progress,
        metadata=metadata,
    )
    for name, why in sorted({**result.failed, **result.mismatches}.items())[:50]:
        click.echo(f"  {name}: {why}", err=True)
    click.echo(result.summary())
    if metadata and not dry_run:
        click.echo(f"metadata written to {metadata}")
    if not result.ok:
        raise SystemExit(EXIT_PROBLEMS)


__all__ = ["bucket"]
