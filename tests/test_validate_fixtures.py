"""The shared fixture corpus: each engine finds exactly the expected issues, and both engines agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ebrains_curation.graph.model import MetadataGraph
from ebrains_curation.validate import RULES, validate

FIXTURES = Path(__file__).parent / "fixtures" / "validation"
CASES = sorted(FIXTURES.glob("*.json"))
# rules that only exist as graph/profile bookkeeping and are covered by unit tests instead
NOT_IN_CORPUS = {
    "empty-metadata",  # an empty graph: tests/test_security_inputs.py
    "invalid-node",
    "check-not-run",
    "profile-version",
    "profile-not-applicable",
    "must-be-linked",
    "conditional-required",
    "conditional-value",
    "conditional-absent",
    "date-order",
    "path-required",
    "path-value",
    "any-of",
    "context-required",
}


def _run(path: Path, engine: str):
    fx = json.loads(path.read_text("utf-8"))
    profile = fx["profile"]
    if profile.endswith(".json"):
        profile = str(FIXTURES / profile)
    graph = MetadataGraph(fx["version"], nodes=fx["nodes"])
    report = validate(graph, profile=profile, engine=engine, context=fx.get("context"))
    expected = {(n, tuple(p.split(".")) if p else (), r) for n, p, r in fx["expected"]}
    return report, expected


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_native_finds_expected(path: Path) -> None:
    """The native engine reports exactly the fixture's expected (node, path, rule) set."""
    report, expected = _run(path, "native")
    assert report.keys() == expected


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_engines_agree(path: Path) -> None:
    """The shacl engine reports the same (node, path, rule) set as the native engine."""
    native, expected = _run(path, "native")
    shacl, _ = _run(path, "shacl")
    assert shacl.engine == "shacl"
    assert shacl.keys() == native.keys() == expected
    assert shacl.conforms == native.conforms


def test_corpus_covers_every_rule() -> None:
    """Every built-in content rule has at least one broken fixture."""
    seen = set()
    for path in CASES:
        seen |= {r for _, _, r in json.loads(path.read_text("utf-8"))["expected"]}
    missing = set(RULES) - NOT_IN_CORPUS - seen
    assert not missing, f"no fixture for {sorted(missing)}"
    assert any("valid" in c.stem for c in CASES)
