"""Versions recognised by content, on real files: v3 namespace, v5-only types/properties, ambiguous v4/v5."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_graph_fidelity import BIDS, library_document

from ebrains_curation import OrderLostWarning, load
from ebrains_curation.cli import cli
from ebrains_curation.graph import detect_version, dumps

T = "https://openminds.om-i.org/types/"


@pytest.mark.parametrize("version", ["v3", "v4", "v5"])
def test_library_files_are_recognised(version: str) -> None:
    """openMINDS's own instance library of each version, written by openminds, is recognised as it."""
    doc = library_document(version, per_class=3)
    assert detect_version(doc) == version
    graph = load(doc)
    assert graph.version == version and graph.version_note is None


def test_public_files_are_recognised() -> None:
    """bids2openminds' v3 and v4 files."""
    found = {p.stem: load(p).version for p in BIDS}
    assert found == {
        "bids2openminds-ds005": "v4",
        "bids2openminds_ds005_v3": "v3",
        "bids2openminds_eeg_rest_fmri": "v4",
    }


def test_ambiguous_documents_assume_v4_and_say_so() -> None:
    """A Person alone exists alike in v4 and v5: v4 is assumed, and the graph says so."""
    doc = {"@id": "https://ex.org/p", "@type": T + "Person", "givenName": "Ada"}
    graph = load(doc)
    assert graph.version == "v4" and graph.version_note and "assumed" in graph.version_note
    v5 = {"@id": "https://ex.org/p", "@type": T + "Person", "givenName": "Ada", "preferredName": "Ada"}
    assert detect_version(v5) == "v5"  # preferredName is a v5-only property of Person
    assert (
        detect_version({"@graph": [doc, {"@id": "https://ex.org/a", "@type": T + "AnatomicalAtlas"}]}) == "v5"
    )


def test_convert_to_v4_migrates_a_v5_file(tmp_path: Path) -> None:
    """`convert --to v4` on a v5 file migrates it (nothing labelled a version it is not)."""
    src = tmp_path / "v5.jsonld"
    src.write_text(json.dumps(library_document("v5", per_class=1)), "utf-8")
    out = tmp_path / "v4.jsonld"
    res = CliRunner().invoke(cli, ["convert", str(src), "--to", "v4", "-o", str(out)])
    assert res.exit_code in (0, 1), res.output
    assert "openMINDS v4" in res.output
    back = load(out, "v4")
    types = set(back.types())
    assert "AnatomicalAtlas" not in types and "BrainAtlas" in types  # renamed back
    res = CliRunner().invoke(cli, ["convert", str(src), "--to", "turtle"])
    assert res.exit_code == 0 and "note:" not in res.output


def test_order_loss_is_a_warning_and_a_cli_message(tmp_path: Path) -> None:
    """Turtle output of several authors: an OrderLostWarning in Python, a warning line on the CLI."""
    doc = {
        "@context": {"@vocab": "https://openminds.om-i.org/props/"},
        "@graph": [
            {
                "@id": "https://ex.org/dsv",
                "@type": T + "DatasetVersion",
                "author": [{"@id": "https://ex.org/b"}, {"@id": "https://ex.org/a"}],
            }
        ],
    }
    graph = load(doc)
    with pytest.warns(OrderLostWarning, match="'author' on https://ex.org/dsv"):
        dumps(graph, "turtle")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OrderLostWarning)
        assert json.loads(dumps(graph))["@graph"][0]["author"][0] == {
            "@id": "https://ex.org/b"
        }  # JSON-LD keeps it
    path = tmp_path / "d.jsonld"
    path.write_text(json.dumps(doc), "utf-8")
    res = CliRunner().invoke(cli, ["convert", str(path), "--to", "ntriples"])
    assert res.exit_code == 0 and "warning: N-Triples keeps no order" in res.output
