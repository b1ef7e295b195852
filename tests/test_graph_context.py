"""Shipped JSON-LD contexts and the offline pyld document loader."""

from __future__ import annotations

import pytest
from pyld import jsonld

from ebrains_curation.errors import LoadError
from ebrains_curation.graph import context_for, offline_loader, pyld_options
from ebrains_curation.graph.context import CONTEXT_URLS, build_context, conflicting_keys
from ebrains_curation.graph.gencontexts import main as gencontexts


def test_shipped_contexts_are_up_to_date() -> None:
    """The committed context files equal what the generator makes from the installed specs."""
    assert gencontexts(["--check"]) == 0
    for v in ("v3", "v4", "v5"):
        assert context_for(v) == build_context(v)


def test_context_terms() -> None:
    """Link and IRI keys are @id, dates typed, text plain; conflicting keys get no coercion."""
    ctx = context_for("v4")["@context"]
    assert ctx["author"] == {"@id": "https://openminds.om-i.org/props/author", "@type": "@id"}
    assert ctx["homepage"]["@type"] == "@id"
    assert ctx["releaseDate"]["@type"] == "xsd:date"
    assert "@type" not in ctx["shortName"]
    conflicts = conflicting_keys("v4")
    assert "ontologyIdentifier" in conflicts and "@type" not in ctx["ontologyIdentifier"]
    assert "@type" not in ctx["modificationDate"]
    assert ctx["specification"]["@type"] == "@id"  # IRI in one type, link in another: compatible
    assert context_for("v3")["@context"]["@vocab"] == "https://openminds.ebrains.eu/vocab/"
    assert context_for("latest") == context_for("v5")


def test_loader_serves_shipped_contexts_only() -> None:
    """The loader serves our URLs and refuses anything else with a LoadError."""
    for v, url in CONTEXT_URLS.items():
        assert offline_loader(url)["document"] == context_for(v)
    with pytest.raises(LoadError, match="never fetches"):
        offline_loader("https://schema.org/")


def test_pyld_never_uses_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """With our options pyld resolves our context offline and fails cleanly for others."""
    import requests

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(requests, "get", boom)
    monkeypatch.setattr(requests.Session, "request", boom)
    doc = {"@context": CONTEXT_URLS["v4"], "@id": "https://ex.org/p", "givenName": "A"}
    out = jsonld.expand(doc, pyld_options())
    assert out[0]["https://openminds.om-i.org/props/givenName"] == [{"@value": "A"}]
    with pytest.raises(Exception) as exc:
        jsonld.expand({"@context": "https://schema.org/", "name": "x"}, pyld_options())
    assert "network used" not in str(exc.value)
    assert jsonld.get_document_loader() is not offline_loader  # never installed globally
