"""``ebrains-curation terms KIND [NAME]`` and ``ebrains-curation types``: browse openMINDS."""

from __future__ import annotations

import json

import click

from ..schemas import get_registry, get_term_index
from .common import handle_errors, version_option


@click.command()
@click.argument("kind")
@click.argument("name", required=False)
@version_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def terms(kind: str, name: str | None, om_version: str | None, as_json: bool) -> None:
    """List the controlled terms of KIND (e.g. license, species), or look NAME up."""
    index = get_term_index(kind, om_version)
    if name:
        inst = index.get(name)
        rows = [(getattr(inst, "name", None) or getattr(inst, "short_name", None) or "", str(inst.id))]
    else:
        rows = [
            (getattr(i, "name", None) or getattr(i, "short_name", None) or "", str(i.id))
            for i in sorted(index.instances, key=lambda i: str(i.id))
        ]
    if as_json:
        click.echo(json.dumps([{"name": n, "id": i} for n, i in rows], indent=2))
    else:
        for n, i in rows:
            click.echo(f"{n}\t{i}")


@click.command(name="types")
@click.argument("name", required=False)
@version_option
@handle_errors
def types_(name: str | None, om_version: str | None) -> None:
    """List openMINDS types, or show the properties of type NAME."""
    reg = get_registry(om_version)
    if not name:
        for t in sorted(reg, key=lambda t: t.name):
            kind = "embedded" if t.embedded else ("term" if t.controlled_term else "linked")
            click.echo(f"{t.name}\t{kind}\t{t.iri}")
        return
    spec = reg.get(name)
    click.echo(f"{spec.name} ({spec.iri}, openMINDS {spec.version})")
    for p in spec.properties.values():
        card = "[]" if p.multiple else ""
        req = "*" if p.required else " "
        targets = " | ".join(p.target_names) or ", ".join(sorted(p.kinds))
        click.echo(f" {req} {p.key}{card}: {targets}")
