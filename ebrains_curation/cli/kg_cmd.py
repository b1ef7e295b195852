"""``ebrains-curation kg …``: talk to the EBRAINS Knowledge Graph, or run a local sandbox of it.

The access token comes from the ``KG_AUTH_TOKEN`` environment variable or from a
file (``--token-file``), never from a command-line argument, which would land in
the shell history and in the process list.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from ..constants import DEFAULT_VERSION_KEY
from .common import EXIT_PROBLEMS, handle_errors, version_option

host_option = click.option(
    "--host",
    envvar="KG_HOST",
    default=None,
    help="KG host or base URL (default: $KG_HOST, else the pre-production KG core.kg-ppd.ebrains.eu).",
)
token_file_option = click.option(
    "--token-file",
    envvar="KG_TOKEN_FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="Read the access token from this file instead of $KG_AUTH_TOKEN.",
)
stage_option = click.option(
    "--stage",
    type=click.Choice(["RELEASED", "IN_PROGRESS"], case_sensitive=False),
    default="RELEASED",
    show_default=True,
    help="RELEASED data, or IN_PROGRESS (your unreleased changes).",
)


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the results as an openMINDS JSON-LD graph to this file (.jsonld, .ttl or .nt), "
    "ready for `ebrains-curation validate FILE`.",
)
overwrite_option = click.option("--overwrite", is_flag=True, help="Replace the --output file if it exists.")
terms_option = click.option(
    "--kg-term-ids",
    is_flag=True,
    help="In --output, keep links to controlled terms as KG ids instead of openMINDS IRIs.",
)


def _write_graph(
    client: Any, docs: list[dict[str, Any]], output: str, overwrite: bool, kg_term_ids: bool
) -> None:
    """Write KG documents as a metadata graph (term links as openMINDS IRIs unless asked otherwise)."""
    from ..graph.writers import dump

    graph = client.to_graph(docs, resolve_terms=not kg_term_ids)
    dump(graph, output, overwrite=overwrite)
    click.echo(
        f"wrote {len(graph)} node{'s' * (len(graph) != 1)} (openMINDS {graph.version}) to {output}", err=True
    )


def _client(host: str | None, token_file: str | None, om_version: str | None = None) -> Any:
    from ..kg.auth import file_token
    from ..kg.client import DEFAULT_HOST, KGClient

    kwargs: dict[str, Any] = {"openminds_version": om_version or DEFAULT_VERSION_KEY}
    if token_file:
        return KGClient(host or DEFAULT_HOST, token_provider=file_token(token_file), **kwargs)
    if not os.environ.get("KG_AUTH_TOKEN", "").strip():
        # no token in the environment: a service account or the 'ebrains-curation login' cache
        from ..net.auth import default_provider

        return KGClient(
            host or os.environ.get("KG_HOST") or DEFAULT_HOST, token_provider=default_provider(), **kwargs
        )
    return KGClient.from_env(host, **kwargs)


@click.group()
def kg() -> None:
    """Search, fetch and submit metadata in the EBRAINS Knowledge Graph, or run a local sandbox."""


@kg.command()
@host_option
@token_file_option
@handle_errors
def whoami(host: str | None, token_file: str | None) -> None:
    """Show the user the access token belongs to."""
    me = _client(host, token_file).me()
    click.echo(f"{me.get('http://schema.org/alternateName', '?')} ({me.get('http://schema.org/name', '')})")


@kg.command()
@click.argument("type_name", metavar="TYPE")
@click.argument("text", required=False)
@click.option("--space", default=None, help="Only this space.")
@stage_option
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many results (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the KG documents as JSON.")
@output_option
@overwrite_option
@terms_option
@host_option
@token_file_option
@version_option
@handle_errors
def search(
    type_name: str,
    text: str | None,
    space: str | None,
    stage: str,
    limit: int,
    as_json: bool,
    output: str | None,
    overwrite: bool,
    kg_term_ids: bool,
    host: str | None,
    token_file: str | None,
    om_version: str | None,
) -> None:
    """Find instances of a TYPE such as DatasetVersion whose name contains TEXT.

    With -o FILE the results are also saved as a metadata graph (links to controlled
    terms as openMINDS IRIs), which `ebrains-curation validate FILE` checks like any other.
    """
    from ..kg.client import label_for

    client = _client(host, token_file, om_version)
    results = client.search(
        type_name,
        text,
        space=space,
        stage=stage.upper(),
        limit=limit or None,
        page_size=min(limit or 100, 100),
    )
    docs = list(results)
    if output:
        _write_graph(client, docs, output, overwrite, kg_term_ids)
    if as_json:
        click.echo(json.dumps(docs, indent=2))
        return
    for doc in docs:
        click.echo(f"{doc['@id']}\t{label_for(doc)}")
    total = results.total if results.total is not None else len(docs)
    click.echo(f"{len(docs)} of {total} {type_name} shown", err=True)


@kg.command()
@click.argument("query")
@stage_option
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Value of a `parameter` filter.")
@click.option("--instance", default=None, help="Only this root instance (UUID or KG IRI).")
@click.option("--limit", type=int, default=100, show_default=True, help="At most this many results (0: all).")
@output_option
@overwrite_option
@terms_option
@host_option
@token_file_option
@version_option
@handle_errors
def query(
    query: str,
    stage: str,
    params: tuple[str, ...],
    instance: str | None,
    limit: int,
    output: str | None,
    overwrite: bool,
    kg_term_ids: bool,
    host: str | None,
    token_file: str | None,
    om_version: str | None,
) -> None:
    """Run a KG query: QUERY is a query JSON file or the id of a stored query; prints the results as JSON.

    With -o FILE the results are written as a metadata graph instead (for queries that
    return @id and @type, as those built with ebrains_curation.kg.Query do).
    """
    from pathlib import Path

    from ..errors import ConfigurationError

    values: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigurationError(f"--param needs NAME=VALUE, not {item!r}")
        values[name] = value
    if Path(query).is_file():
        try:
            spec: Any = json.loads(Path(query).read_text("utf-8"))
        except ValueError as exc:
            raise ConfigurationError(f"{query} is not valid JSON: {exc}") from None
        if not isinstance(spec, dict):
            raise ConfigurationError(f"{query} must hold a JSON object (a KG query)")
    else:
        spec = query  # the id of a stored query (checked by the client)
    client = _client(host, token_file, om_version)
    results = client.query(
        spec, stage=stage.upper(), params=values, instance_id=instance, limit=limit or None
    )
    docs = list(results)
    if output:
        _write_graph(client, docs, output, overwrite, kg_term_ids)
    else:
        click.echo(json.dumps(docs, indent=2))
    total = results.total if results.total is not None else len(docs)
    click.echo(f"{len(docs)} of {total} results", err=True)


@kg.command()
@click.argument("instance_ids", metavar="ID...", nargs=-1, required=True)
@stage_option
@output_option
@overwrite_option
@terms_option
@host_option
@token_file_option
@version_option
@handle_errors
def get(
    instance_ids: tuple[str, ...],
    stage: str,
    output: str | None,
    overwrite: bool,
    kg_term_ids: bool,
    host: str | None,
    token_file: str | None,
    om_version: str | None,
) -> None:
    """Print instances (by UUID or KG IRI) as JSON: one document, or a list for several IDs.

    With -o FILE they are written as a metadata graph instead (links to controlled terms
    as openMINDS IRIs), ready for `ebrains-curation validate FILE`.
    """
    from ..kg.errors import KGNotFound

    client = _client(host, token_file, om_version)
    if len(instance_ids) == 1:
        docs = [client.get(instance_ids[0], stage=stage.upper())]
    else:
        found = client.get_many(instance_ids, stage=stage.upper())
        missing = [i for i, doc in found.items() if doc is None]
        if missing:
            raise KGNotFound(
                f"not found at stage {stage.upper()} (or not readable with this token): {', '.join(missing)}",
                method="POST",
                url=client.base_url + "instancesByIds",
                status=404,
            )
        docs = [doc for doc in found.values() if doc is not None]
    if output:
        _write_graph(client, docs, output, overwrite, kg_term_ids)
        return
    click.echo(json.dumps(docs[0] if len(instance_ids) == 1 else docs, indent=2))


@kg.command()
@click.argument("path", type=click.Path(exists=True))
@click.option("--space", required=True, help="The KG space to write to (e.g. myspace or collab-<name>).")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be created, updated or left alone; write nothing."
)
@click.option(
    "--namespace", default=None, help="Namespace for the deterministic KG ids (default: from the space)."
)
@click.option(
    "--workers", type=click.IntRange(1, 32), default=4, show_default=True, help="Parallel requests."
)
@click.option("--stop-on-error", is_flag=True, help="Stop at the first failing node instead of going on.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--no-validate",
    is_flag=True,
    help="Submit even when the metadata has errors for the submission profile (not recommended).",
)
@click.option(
    "--profile",
    default="ebrains-submission",
    show_default=True,
    help="Validation profile checked before writing (name or profile file).",
)
@click.option(
    "--record",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Submission record (YAML/JSON) for the profile; default: submission-record.yaml next to PATH.",
)
@host_option
@token_file_option
@version_option
@handle_errors
def submit(
    path: str,
    space: str,
    dry_run: bool,
    namespace: str | None,
    workers: int,
    stop_on_error: bool,
    as_json: bool,
    no_validate: bool,
    profile: str,
    record: str | None,
    host: str | None,
    token_file: str | None,
    om_version: str | None,
) -> None:
    """Validate the metadata in PATH (a file or folder) with the submission profile, then submit it to a KG
    space; safe to run again. Nothing is written when the metadata has errors (exit code 1), unless
    --no-validate."""
    from ..curation.submission import check_before_submit
    from ..graph.readers import load
    from ..kg.errors import KGSubmissionError
    from ..kg.submission import submit as do_submit
    from ..validate.profiles import get_profile
    from .curation_cmd import find_record

    graph = load(path, om_version)
    if not no_validate:
        report = check_before_submit(graph, profile=get_profile(profile), record=find_record(path, record))
        if report.issues:
            click.echo(report.render("text"), err=True)
        if report.errors:
            click.echo(
                f"not submitted: {len(report.errors)} error(s) for the {report.profile!r} profile; "
                "fix them, or submit anyway with --no-validate",
                err=True,
            )
            sys.exit(EXIT_PROBLEMS)
    client = _client(host, token_file, graph.version)
    try:
        result = do_submit(
            graph,
            client,
            space,
            dry_run=dry_run,
            namespace=namespace,
            workers=workers,
            stop_on_error=stop_on_error,
        )
    except KGSubmissionError as exc:
        result = exc.result
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        if dry_run:
            click.echo(result.format_plan())
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        for nid, error in result.errors.items():
            click.echo(f"failed: {nid}: {error}", err=True)
        click.echo(result.summary())
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


@kg.command()
@click.argument("instance_ids", metavar="ID...", nargs=-1, required=True)
@click.option("--undo", is_flag=True, help="Unrelease instead.")
@click.option("--status", "status_only", is_flag=True, help="Only show the release status.")
@host_option
@token_file_option
@handle_errors
def release(
    instance_ids: tuple[str, ...], undo: bool, status_only: bool, host: str | None, token_file: str | None
) -> None:
    """Release instances (or --undo a release, or show their --status)."""
    client = _client(host, token_file)
    if not status_only:
        for iid in instance_ids:
            (client.unrelease if undo else client.release)(iid)
    for iid, status in client.release_statuses(instance_ids).items():
        click.echo(f"{iid}\t{status or 'NOT FOUND'}")


@kg.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0: any free port).")
@click.option(
    "--db", default=":memory:", show_default=True, help="SQLite file that keeps the data across restarts."
)
@click.option(
    "--users",
    "users_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Users file (JSON or TOML): tokens, spaces and permissions.",
)
@version_option
@click.option("--with-atlases", is_flag=True, help="Also seed the atlas instances (large).")
@click.option(
    "--fault-503-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests answered 503."
)
@click.option("--drop-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of connections dropped.")
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Latency added to every request.")
@click.option("--fault-seed", type=int, default=None, help="Seed for reproducible faults.")
@click.option(
    "--dataproxy-port",
    type=int,
    default=8001,
    show_default=True,
    help="Also serve a Data Proxy + EBRAINS IAM sandbox on this port (0: any free port, -1: none).",
)
@handle_errors
def serve(
    host: str,
    port: int,
    db: str,
    users_file: str | None,
    om_version: str | None,
    with_atlases: bool,
    fault_503_rate: float,
    drop_rate: float,
    latency_ms: float,
    fault_seed: int | None,
    dataproxy_port: int,
) -> None:
    """Run a local KG-compatible sandbox (API under /v3/ and /v3-beta/) until Ctrl-C.

    Beside it, a Data Proxy (buckets) and EBRAINS IAM (login) sandbox that accepts the same tokens.
    """
    from ..kg.sandbox import Faults, SandboxServer
    from ..net.urls import is_loopback_host

    faults = Faults(rate_503=fault_503_rate, drop_rate=drop_rate, latency_ms=latency_ms, seed=fault_seed)
    server = SandboxServer(
        host,
        port,
        db=db,
        users=users_file,
        version=om_version or DEFAULT_VERSION_KEY,
        with_atlases=with_atlases,
        faults=faults,
    )
    click.echo(f"KG sandbox on {server.url}/v3/ (openMINDS {om_version or 'v4'}, database {db})", err=True)
    if is_loopback_host(
        host
    ):  # kg_core and fairgraph use plain http only for hosts starting with "localhost"
        click.echo(
            f'fairgraph / kg_core: host="localhost:{server.port}"  e.g. '
            f'fairgraph.KGClient(token=..., host="localhost:{server.port}")',
            err=True,
        )
    if not is_loopback_host(host):
        click.echo(
            "warning: listening beyond this machine over plain http; tokens travel unencrypted", err=True
        )
    if users_file is None:
        click.echo("Users (random tokens for this run):", err=True)
        for user, token in server.tokens.items():
            click.echo(f"  {user}: export KG_AUTH_TOKEN={token}", err=True)
    if faults.active:
        click.echo(
            f"Injecting faults: {fault_503_rate:.0%} 503s, {drop_rate:.0%} dropped connections, "
            f"{latency_ms:g} ms latency",
            err=True,
        )
    dataproxy = None
    if dataproxy_port >= 0:
        from ..dataproxy.sandbox import Faults as DPFaults
        from .sandbox_link import dataproxy_beside

        dp_faults = DPFaults(
            rate_503=fault_503_rate, drop_rate=drop_rate, latency_ms=latency_ms, seed=fault_seed
        )
        try:
            dataproxy = dataproxy_beside(server, host, dataproxy_port, faults=dp_faults)
        except OSError:  # the port is taken (another sandbox?): any free one will do
            dataproxy = dataproxy_beside(server, host, 0, faults=dp_faults)
        click.echo(f"Data Proxy sandbox: export EBRAINS_DATAPROXY_URL={dataproxy.api_url}", err=True)
        click.echo(f"EBRAINS IAM sandbox: export EBRAINS_IAM_URL={dataproxy.iam_url}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        if dataproxy is not None:
            dataproxy.stop()
