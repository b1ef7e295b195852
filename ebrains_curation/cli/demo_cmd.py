"""``ebrains-curation demo``: the whole journey on an example, against a local sandbox KG.

Builds a complete example DatasetVersion, writes and prints it as JSON-LD,
validates it (openMINDS and EBRAINS publication profiles, both engines), starts
a sandbox KG on 127.0.0.1, submits the metadata (twice: the second run changes
nothing), and searches the dataset version back.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from .common import handle_errors

DEMO_USERS = {"users": [{"username": "demo", "name": "Demo Curator", "spaces": {"collab-demo": "owner"}}]}


def _step(title: str) -> None:
    click.secho(f"\n== {title}", bold=True)


@click.command()
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    default="demo-output",
    show_default=True,
    help="Where to write the example metadata and reports.",
)
@click.option(
    "--print-jsonld/--no-print-jsonld",
    default=True,
    show_default=True,
    help="Print the example metadata as JSON-LD.",
)
@handle_errors
def demo(output_dir: str, print_jsonld: bool) -> None:
    """Build, validate, push files to a sandbox bucket, submit to a sandbox KG, search back an example."""
    from ..examples import example_dataset_version
    from ..graph.writers import dump, dumps
    from ..kg.submission import submit
    from ..testing import run_sandbox
    from ..validate.api import validate

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)

    _step("1. Build an example DatasetVersion with the typed builders (openMINDS v4)")
    graph = example_dataset_version()
    path = out / "dataset-version.jsonld"
    dump(graph, path, overwrite=True)
    click.echo(f"{len(graph)} nodes: " + ", ".join(f"{n} {t}" for t, n in graph.types().items()))
    click.echo(f"written to {path}")
    if print_jsonld:
        click.echo(dumps(graph))

    _step("2. Validate it")
    for profile in ("openminds", "ebrains-publication"):
        for engine in ("native", "shacl"):
            report = validate(graph, profile=profile, engine=engine)
            click.echo(f"{profile:<20} {engine:<7} {report.summary()}")
            if not report.conforms:
                click.echo(report.render("text"))
    report = validate(graph, profile="ebrains-publication")
    (out / "validation.json").write_text(report.to_json(), encoding="utf-8")
    (out / "validation.sarif").write_text(report.render("sarif"), encoding="utf-8")

    _step("3. Start a local sandbox KG and submit the metadata into space 'collab-demo'")
    with tempfile.TemporaryDirectory() as tmp, run_sandbox(DEMO_USERS, db=Path(tmp) / "kg.sqlite") as kg:
        client = kg.client("demo")
        click.echo(f"sandbox KG at {kg.url} (user {client.me().get('username', 'demo')})")
        _step("3b. Push the data files to the collab's bucket (Data Proxy sandbox), verify, describe")
        from .bucket_demo import push_demo_files

        files = push_demo_files(kg, out)
        for profile in ("openminds", "ebrains-publication"):
            click.echo(f"files metadata, {profile:<20} {validate(files, profile=profile).summary()}")
        click.echo(f"files metadata: {submit(files, client, 'collab-demo', progress=False).summary()}")
        first = submit(graph, client, "collab-demo", progress=False)
        click.echo(f"first submission : {first.summary()}")
        again = submit(graph, client, "collab-demo", progress=False)
        click.echo(f"second submission: {again.summary()}  (idempotent: nothing to change)")
        if not (first.ok and again.ok):
            raise click.ClickException("the submission failed: " + json.dumps(first.to_dict())[:500])

        _step("4. Search it back")
        hits = list(client.search("DatasetVersion", "mouse", stage="IN_PROGRESS", space="collab-demo"))
        for doc in hits:
            names = [v for k, v in doc.items() if k.endswith("/shortName")]
            click.echo(f"found {doc['@id']}  shortName={names[0] if names else '?'}")
        found = client.to_graph(hits)
        click.echo(f"loaded back into a MetadataGraph: {found}")
        if not hits:
            raise click.ClickException("the dataset version was not found again")
    click.secho("\nDemo complete.", fg="green", bold=True)
