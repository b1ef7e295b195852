"""Issue 18: Turtle/N-Triples output of huge graphs is refused at once, naming the limit and how to raise it."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

import ebrains_curation as ec
from ebrains_curation.cli import cli
from ebrains_curation.errors import ConfigurationError, SerializationError
from ebrains_curation.graph.limits import count_values
from ebrains_curation.graph.rdf import DEFAULT_RDF_MAX_VALUES, RDF_MAX_VALUES_ENV

OM = "https://openminds.om-i.org/"


def _people(n: int) -> ec.MetadataGraph:
    graph = ec.MetadataGraph("v4")
    for i in range(n):
        graph.add_node(
            {
                "@id": f"https://example.org/p{i}",
                "@type": OM + "types/Person",
                "givenName": f"G{i}",
                "familyName": "F",
            }
        )
    return graph


def test_values_are_counted_as_rdf_sees_them() -> None:
    """One value per triple: types, strings, links and embedded nodes (plus their values); @id is none."""
    graph = ec.MetadataGraph("v4")
    graph.add_node(
        {
            "@id": "https://example.org/p",
            "@type": OM + "types/Person",
            "givenName": "G",
            "alternateName": ["a", "b", "c"],
            "affiliation": {"@type": OM + "types/Affiliation", "memberOf": {"@id": "https://example.org/o"}},
        }
    )
    assert count_values(graph) == 8
    assert count_values(graph, stop_above=2) == 3
    assert len(rdflib.Graph().parse(data=ec.dumps(graph, "ntriples"), format="nt")) == 8  # + the bnode link


@pytest.mark.parametrize("fmt", ["turtle", "ntriples"])
def test_rdf_output_over_the_limit_is_refused_naming_it(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = _people(400)  # 1,200 values: a type and two names each
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "1000")
    with pytest.raises(SerializationError, match=r"more than 1,000 values \(400 nodes\).*--max-rdf-values"):
        ec.dumps(graph, fmt)
    with pytest.raises(SerializationError, match=RDF_MAX_VALUES_ENV):
        ec.dump(graph, tmp_path / "out.txt", fmt)
    assert list(tmp_path.iterdir()) == []
    assert ec.dumps(graph, "jsonld")  # JSON-LD has no such limit
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "1200")  # at the limit: written
    assert (
        len(rdflib.Graph().parse(data=ec.dumps(graph, fmt), format="nt" if fmt == "ntriples" else "turtle"))
        == 1200
    )
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "0")  # no limit
    assert ec.dumps(graph, fmt)
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "lots")
    with pytest.raises(ConfigurationError, match="not a whole number"):
        ec.dumps(graph, fmt)


def test_the_cli_option_sets_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the option sets the variable for the run: set (empty = default) so monkeypatch restores it
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "")
    src = tmp_path / "in.jsonld"
    src.write_text(ec.dumps(_people(3), "jsonld"))  # 9 values
    runner = CliRunner()
    refused = runner.invoke(cli, ["--max-rdf-values", "5", "convert", str(src), "--to", "ntriples"])
    assert (
        refused.exit_code == 2
        and "more than 5 values" in refused.output
        and "Traceback" not in refused.output
    )
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "")
    written = runner.invoke(cli, ["--max-rdf-values", "12", "convert", str(src), "--to", "turtle"])
    assert written.exit_code == 0, written.output
    monkeypatch.setenv(RDF_MAX_VALUES_ENV, "5")
    assert runner.invoke(cli, ["convert", str(src), "--to", "turtle"]).exit_code == 2


def test_a_million_value_list_is_refused_at_once_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default limit: a million-value list (minutes and GBs through rdflib) is refused in well under a second."""
    monkeypatch.delenv(RDF_MAX_VALUES_ENV, raising=False)
    graph = ec.MetadataGraph("v4")
    graph.add_node(
        {
            "@id": "https://example.org/p",
            "@type": OM + "types/Person",
            "alternateName": [f"n{i}" for i in range(10**6)],
        }
    )
    assert DEFAULT_RDF_MAX_VALUES < 10**6
    for fmt in ("turtle", "ntriples"):
        started = time.perf_counter()
        with (
            warnings.catch_warnings(),
            pytest.raises(SerializationError, match=f"more than {DEFAULT_RDF_MAX_VALUES:,}"),
        ):
            ec.dumps(graph, fmt)
        assert time.perf_counter() - started < 5
