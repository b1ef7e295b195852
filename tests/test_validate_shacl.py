"""SHACL shapes export and the shacl engine's own behaviour."""

from __future__ import annotations

import builtins

import pytest
import rdflib

from ebrains_curation.validate import shacl_shapes, validate
from ebrains_curation.validate.shacl import ECV, shapes_graph

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
T = "https://openminds.om-i.org/types/"


@pytest.mark.parametrize("version", ["v3", "v4", "v5"])
def test_shapes_for_every_version(version: str) -> None:
    """Shapes target the version's types and tag every check with a rule id."""
    g = shapes_graph(version, "openminds")
    targets = set(g.objects(None, SH.targetClass))
    assert len(targets) > 100
    ns = "https://openminds.ebrains.eu/" if version == "v3" else T
    assert all(str(t).startswith(ns) for t in targets)
    rule_ids = {str(o) for o in g.objects(None, rdflib.URIRef(ECV + "ruleId"))}
    assert {
        "required",
        "value-kind",
        "unknown-property",
        "link-target-type",
        "pattern",
        "date-format",
        "orcid-checksum",
        "missing-link-target",
        "unknown-type",
        "missing-type",
    } <= rule_ids


def test_shapes_export_is_turtle() -> None:
    """The exported text is Turtle that parses back to the same shapes."""
    text = shacl_shapes("v4", "openminds")
    assert text.startswith("# SHACL shapes for openMINDS v4")
    g = rdflib.Graph().parse(data=text, format="turtle")
    rule = rdflib.URIRef(ECV + "ruleId")
    assert set(g.triples((None, rule, None))) == set(
        shapes_graph("v4", "openminds").triples((None, rule, None))
    )


def test_draft_shapes_have_no_required() -> None:
    """The draft profile's shapes contain no 'required' rule."""
    g = shapes_graph("v4", "draft")
    assert "required" not in {str(o) for o in g.objects(None, rdflib.URIRef(ECV + "ruleId"))}


def test_pyshacl_validates_with_generated_shapes() -> None:
    """The shapes work with plain pyshacl on the RDF view of a graph."""
    import pyshacl

    from ebrains_curation.graph.model import MetadataGraph
    from ebrains_curation.graph.rdf import to_rdflib

    shapes = shapes_graph("v4", "openminds", types=[T + "ContactInformation"])
    data = to_rdflib(
        MetadataGraph(
            "v4", nodes=[{"@id": "https://ex.org/c", "@type": T + "ContactInformation", "email": "nope"}]
        )
    )
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=shapes, advanced=True)
    assert not conforms
    ids = {
        str(shapes.value(shape, rdflib.URIRef(ECV + "ruleId")))
        for shape in results.objects(None, SH.sourceShape)
    }
    assert ids == {"email-format"}


def test_missing_pyshacl_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pyshacl the engine reports that its checks could not run (never a silent pass)."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "pyshacl":
            raise ImportError("No module named 'pyshacl'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    node = {"@id": "_:p", "@type": T + "Person", "givenName": "A"}
    r = validate([node], engine="shacl", backend="pyshacl")
    assert [i.rule_id for i in r] == ["check-not-run"]
    assert "pyshacl" in r.issues[0].message and r.engine == "shacl"


def test_unknown_engine() -> None:
    """Asking for an engine that does not exist is a configuration error."""
    from ebrains_curation.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="native"):
        validate([], engine="fast")
