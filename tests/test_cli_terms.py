"""`ebrains-curation terms` and `types`: browsing openMINDS from the shell."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ebrains_curation.cli import cli


def test_terms_lookup_and_listing() -> None:
    """A term is found by name; the list of a kind is printed; JSON output parses."""
    runner = CliRunner()
    result = runner.invoke(cli, ["terms", "species", "mouse"])
    assert result.exit_code == 0, result.output
    assert "https://openminds.om-i.org/instances/species/musMusculus" in result.output
    result = runner.invoke(cli, ["terms", "license", "--json", "--version", "v3"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 32 and all(r["id"].startswith("https://openminds.ebrains.eu/") for r in rows)


def test_unknown_term_exits_2_with_suggestions() -> None:
    """No match: exit code 2 and the closest matches, no traceback."""
    result = CliRunner().invoke(cli, ["terms", "license", "CC-BY-5"])
    assert result.exit_code == 2
    assert "CC-BY-4.0" in result.output and "Traceback" not in result.output


def test_types_shows_properties() -> None:
    """`types NAME` prints the properties with required marks."""
    result = CliRunner().invoke(cli, ["types", "DatasetVersion"])
    assert result.exit_code == 0
    assert "* accessibility" in result.output and "license" in result.output
