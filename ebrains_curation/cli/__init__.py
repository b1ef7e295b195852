"""The ``ebrains-curation`` command line: a thin click layer over the library.

Sub-commands are imported only when used (a lazy group), so ``--help`` is fast
and one broken optional piece cannot break the others. Exit codes: 0 success
(or metadata conforms), 1 problems found, 2 usage errors or unreadable input.
"""

from __future__ import annotations

import importlib
import os
import signal
import threading
from typing import Any

import click

from .. import __version__

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "terms": "ebrains_curation.cli.terms_cmd:terms",
    "types": "ebrains_curation.cli.terms_cmd:types_",
    "convert": "ebrains_curation.cli.convert_cmd:convert",
    "validate": "ebrains_curation.cli.validate_cmd:validate",
    "shapes": "ebrains_curation.cli.validate_cmd:shapes",
    "profiles": "ebrains_curation.cli.validate_cmd:profiles",
    "check": "ebrains_curation.cli.curation_cmd:check",
    "descriptor": "ebrains_curation.cli.curation_cmd:descriptor",
    "record-template": "ebrains_curation.cli.curation_cmd:record_template",
    "datacite": "ebrains_curation.cli.curation_cmd:datacite",
    "kg": "ebrains_curation.cli.kg_cmd:kg",
    "inventory": "ebrains_curation.cli.inventory_cmd:inventory",
    "graph": "ebrains_curation.cli.graph_cmd:graph",
    "demo": "ebrains_curation.cli.demo_cmd:demo",
    "bucket": "ebrains_curation.cli.bucket_cmd:bucket",
    "login": "ebrains_curation.cli.auth_cmd:login",
    "logout": "ebrains_curation.cli.auth_cmd:logout",
    "whoami": "ebrains_curation.cli.auth_cmd:whoami",
}


class LazyGroup(click.Group):
    """A click group that imports each sub-command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                return None
            return getattr(module, attr)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="ebrains-curation")
@click.option(
    "--max-input-mb",
    type=click.FloatRange(min=0),
    default=None,
    envvar="EBRAINS_CURATION_MAX_INPUT_MB",
    help="Refuse input files larger than this many MB (default 512; 0 = no limit; "
    "env EBRAINS_CURATION_MAX_INPUT_MB).",
)
@click.option(
    "--max-rdf-values",
    type=click.IntRange(min=0),
    default=None,
    envvar="EBRAINS_CURATION_RDF_MAX_VALUES",
    help="Refuse Turtle/N-Triples output of metadata holding more values than this (default 250,000; "
    "0 = no limit; env EBRAINS_CURATION_RDF_MAX_VALUES).",
)
def cli(max_input_mb: float | None, max_rdf_values: int | None) -> None:
    """Author, check and publish openMINDS metadata for the EBRAINS Knowledge Graph."""
    if max_input_mb is not None:
        os.environ["EBRAINS_CURATION_MAX_INPUT_MB"] = f"{max_input_mb:g}"
    if max_rdf_values is not None:
        os.environ["EBRAINS_CURATION_RDF_MAX_VALUES"] = str(max_rdf_values)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``ebrains-curation`` console script."""
    if threading.current_thread() is threading.main_thread():
        # a plain `kill` ends the run through SystemExit, so temporary files are cleaned up
        signal.signal(signal.SIGTERM, _terminate)
    return cli.main(args=argv, prog_name="ebrains-curation")


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
