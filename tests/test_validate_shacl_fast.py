"""The ``fast`` SHACL backend gives exactly pySHACL's results, and refuses what it does not implement.

Differential: on the same shapes graph and the same data, our evaluator and pySHACL (the
reference) must give the same set of (focus node, result path, source shape, value), on every
fixture of the corpus and on public openMINDS files we did not write. Paths are compared by
structure (a blank-node path as what it means), everything else as RDF terms.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import rdflib

from ebrains_curation.graph.model import MetadataGraph
from ebrains_curation.graph.rdf import build_triples, to_rdflib_typed
from ebrains_curation.validate import validate
from ebrains_curation.validate.plan import build_plan
from ebrains_curation.validate.profiles import get_profile
from ebrains_curation.validate.shacl import data_shapes, rdf_safe, result_records
from ebrains_curation.validate.shacl_eval import Evaluator, Unsupported
from ebrains_curation.validate.shacl_store import LightTerms, Store

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
T = "https://openminds.om-i.org/types/"
FIXTURES = Path(__file__).parent / "fixtures" / "validation"
CASES = sorted(FIXTURES.glob("*.json"))
PUBLIC = sorted((Path(__file__).parent / "fixtures" / "public").glob("*.jsonld"))
FULL = bool(os.environ.get("EBRAINS_CURATION_SHACL_FULL"))
# pySHACL takes about a second per fixture: `make test` runs every third one (a fixed, spread
# sample, plus the agreement-sensitive ones); EBRAINS_CURATION_SHACL_FULL=1 runs them all
_ALWAYS = {
    "two-types",
    "typed-link-stubs",
    "kg-shaped",
    "required",
    "term-kind",
    "unknown-term",
    "orcid-checksum",
}
SAMPLE = CASES if FULL else [c for i, c in enumerate(CASES) if i % 3 == 0 or c.stem in _ALWAYS]
# pySHACL on a public file takes tens of seconds: `make test` runs the smallest one
PUBLIC_SAMPLE = PUBLIC if FULL else [p for p in PUBLIC if "eeg_rest_fmri" in p.name]


def _path(node: Any, graphs: list[rdflib.Graph]) -> Any:
    """A result path as what it means: an IRI, or ("inv"|"alt"|"seq", parts)."""
    if node is None or isinstance(node, rdflib.URIRef):
        return None if node is None else str(node)
    for g in graphs:
        if (node, None, None) not in g:
            continue
        inv = g.value(node, SH.inversePath)
        if inv is not None:
            return ("inv", _path(inv, graphs))
        alt = g.value(node, SH.alternativePath)
        if alt is not None:
            return ("alt", tuple(_path(x, graphs) for x in rdflib.collection.Collection(g, alt)))
        return ("seq", tuple(_path(x, graphs) for x in rdflib.collection.Collection(g, node)))
    raise AssertionError(f"a path node found in no graph: {node}")


def _keys(records: list[Any], graphs: list[rdflib.Graph]) -> set[tuple[Any, ...]]:
    return {(r.focus, _path(r.path, graphs), str(r.shape), r.value) for r in records}


def differential(graph: MetadataGraph, profile: Any = "openminds", context: Any = None) -> set:
    """Run fast and pySHACL on the engine's shapes for ``graph``; assert they agree; their results."""
    import pyshacl

    plan = build_plan(graph.version, get_profile(profile), {"today": "2026-01-01", **(context or {})})
    safe = rdf_safe(graph, plan.version)
    store = Store(build_triples(safe, typed=True, terms=LightTerms))
    builder = data_shapes(plan, store)
    fast = Evaluator(builder.g).run(store)
    data = to_rdflib_typed(safe)
    _c, results, _t = pyshacl.validate(data, shacl_graph=builder.g, allow_warnings=True, allow_infos=True)
    ours = _keys(fast, [builder.g])
    theirs = _keys(result_records(results), [results, builder.g])
    assert ours == theirs, (
        f"only fast: {sorted(map(str, ours - theirs))[:5]}; only pyshacl: {sorted(map(str, theirs - ours))[:5]}"
    )
    return ours


@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLE, ids=[c.stem for c in SAMPLE])
def test_fast_gives_pyshacls_results_on_the_corpus(path: Path) -> None:
    """Every fixture: the fast backend's raw results are pySHACL's (focus, path, shape, value)."""
    fx = json.loads(path.read_text("utf-8"))
    profile = fx["profile"]
    if profile.endswith(".json"):
        profile = str(FIXTURES / profile)
    found = differential(MetadataGraph(fx["version"], nodes=fx["nodes"]), profile, fx.get("context"))
    in_rdf = {r for _n, _p, r in fx["expected"]} - {
        "unique-items",
        "invalid-node",
        "invalid-id",
        "empty-metadata",
    }
    assert bool(found) == bool(in_rdf)  # the broken fixtures give results to agree on


@pytest.mark.slow
@pytest.mark.parametrize("path", PUBLIC_SAMPLE, ids=[p.stem for p in PUBLIC_SAMPLE])
def test_fast_gives_pyshacls_results_on_public_files(path: Path) -> None:
    """Public openMINDS files (bids2openminds output): the same raw results as pySHACL, and some."""
    from ebrains_curation import load

    graph = load(path)
    assert differential(graph)  # these files are not valid openMINDS: there is something to agree on


def test_fast_agrees_on_embedded_nodes_and_inverse_paths() -> None:
    """Profile rules with inverse paths (publication profile) and embedded nodes: same as pySHACL."""
    nodes = [
        {
            "@id": "https://ex.org/dsv",
            "@type": T + "DatasetVersion",
            "shortName": "x",
            "author": [{"@id": "https://ex.org/p"}],
            "license": {"@id": "https://openminds.om-i.org/instances/licenses/CC-BY-4.0"},
        },
        {"@id": "https://ex.org/ds", "@type": T + "Dataset", "hasVersion": [{"@id": "https://ex.org/dsv"}]},
        {"@id": "https://ex.org/p", "@type": T + "Person", "givenName": 3, "contactInformation": {"x": 1}},
        {
            "@id": "https://ex.org/f",
            "@type": T + "File",
            "name": "a",
            "hash": [{"@type": T + "Hash", "algorithm": "MD5", "digest": 5}],
        },
    ]
    found = differential(MetadataGraph("v4", nodes=nodes), "ebrains-publication")
    assert any(isinstance(p, tuple) for _f, p, _s, _v in found) or found


def _evaluate(shapes_ttl: str | rdflib.Graph, data_ttl: str) -> list[Any]:
    shapes = (
        shapes_ttl
        if isinstance(shapes_ttl, rdflib.Graph)
        else rdflib.Graph().parse(data=shapes_ttl, format="turtle")
    )
    data = rdflib.Graph().parse(data=data_ttl, format="turtle")
    from ebrains_curation.validate.shacl_store import from_rdflib_term

    store = Store((from_rdflib_term(s), str(p), from_rdflib_term(o)) for s, p, o in data)
    return Evaluator(shapes).run(store)


PREFIXES = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://ex.org/> .\n"


@pytest.mark.parametrize(
    "construct",
    [
        "sh:equals ex:b",
        "sh:lessThan ex:b",
        "sh:languageIn ( 'en' )",
        "sh:minInclusive 3",
        "sh:uniqueLang true",
        "sh:path [ sh:zeroOrMorePath ex:a ]",
    ],
)
def test_unimplemented_constructs_are_refused(construct: str) -> None:
    """A SHACL construct the evaluator lacks raises Unsupported: never a silent pass."""
    shapes = PREFIXES + f"ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:a ; {construct} ."
    if "sh:path [" in construct:
        shapes = PREFIXES + f"ex:S a sh:PropertyShape ; sh:targetClass ex:C ; {construct} ; sh:minCount 1 ."
    with pytest.raises(Unsupported):
        _evaluate(shapes, PREFIXES + "ex:x a ex:C ; ex:a 1 ; ex:b 2 .")


def test_engine_reports_check_not_run_on_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through validate(): a construct the fast backend lacks is a check-not-run finding naming it."""
    from ebrains_curation.validate import shacl_eval

    monkeypatch.setattr(shacl_eval, "_PARAMS", shacl_eval._PARAMS - {shacl_eval.SH + "pattern"})
    r = validate(
        [{"@id": "https://ex.org/c", "@type": T + "ContactInformation", "email": "x"}], engine="shacl"
    )
    assert [i.rule_id for i in r] == ["check-not-run"]
    assert "sh:pattern" in r.issues[0].message and "pyshacl" in r.issues[0].message


def test_core_constructs_match_pyshacl_on_hand_written_shapes() -> None:
    """Shapes we did not generate (every construct the evaluator reads): pySHACL's results."""
    import pyshacl

    shapes = (
        PREFIXES
        + """
    ex:S1 a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) ;
        sh:property [ sh:path ex:a ; sh:datatype <http://www.w3.org/2001/XMLSchema#integer> ; sh:maxCount 1 ] ;
        sh:property [ sh:path ex:b ; sh:pattern "^h" ; sh:flags "i" ; sh:minLength 2 ; sh:maxLength 4 ] .
    ex:S2 a sh:PropertyShape ; sh:targetSubjectsOf ex:link ; sh:path ex:link ;
        sh:class ex:D ; sh:nodeKind sh:IRI ; sh:in ( ex:d1 ex:d2 ) .
    ex:S3 a sh:PropertyShape ; sh:targetClass ex:D ; sh:path [ sh:inversePath ex:link ] ; sh:minCount 1 .
    ex:S4 a sh:NodeShape ; sh:targetNode ex:x ; sh:xone ( [ sh:class ex:C ] [ sh:class ex:E ] ) ;
        sh:hasValue ex:x .
    ex:S5 a sh:PropertyShape ; sh:targetObjectsOf ex:link ; sh:path ( ex:next ex:next ) ;
        sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 .
    ex:S6 a sh:PropertyShape ; sh:targetClass ex:C ; sh:path [ sh:alternativePath ( ex:a ex:b ) ] ;
        sh:not [ sh:datatype <http://www.w3.org/2001/XMLSchema#string> ] ; sh:or ( [ sh:nodeKind sh:Literal ] [ sh:node ex:S1 ] ) .
    ex:S7 a sh:NodeShape ; sh:targetClass ex:C ; sh:deactivated true ; sh:class ex:Nothing .
    ex:S8 a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:a ; sh:sparql [ sh:select
        "SELECT $this ?value WHERE { $this $PATH ?value . FILTER (?value > 1) }" ] .
    """
    )
    data = (
        PREFIXES
        + """
    ex:x a ex:C ; ex:a 1, 2 ; ex:b "Hello", "hi", "x" ; ex:c "closed" ; ex:link ex:d1, ex:y .
    ex:z a ex:C, ex:E ; ex:a "7" ; ex:link ex:d3 .
    ex:d1 a ex:D ; ex:next ex:d2 . ex:d2 ex:next ex:d1 . ex:d3 a ex:D .
    ex:y ex:next [ ex:next ex:d1 ] .
    """
    )
    sg = rdflib.Graph().parse(data=shapes, format="turtle")
    ours = _evaluate(sg, data)
    _c, results, _t = pyshacl.validate(rdflib.Graph().parse(data=data, format="turtle"), shacl_graph=sg)
    theirs = result_records(results)
    assert _keys(ours, [sg]) == _keys(theirs, [results, sg])
    assert len(ours) >= 8  # every shape has something to report on this data


# the backends other than fast (it runs on every fixture in test_validate_fixtures) against the
# native engine, on the fixtures the differential test above leaves out (all of them when FULL)
OTHERS = CASES if FULL else [c for i, c in enumerate(CASES) if i % 6 == 1]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["pyshacl", "turbo"])
@pytest.mark.parametrize("path", OTHERS, ids=[c.stem for c in OTHERS])
def test_every_backend_agrees_with_native(path: Path, backend: str) -> None:
    """pyshacl (the reference) and pyshacl-turbo behind the shacl engine: the native (node, path, rule) set."""
    if backend == "turbo":
        pytest.importorskip("pyshacl_turbo")
        if path.stem == "invalid-id":  # known: turbo refuses the whole data graph (check-not-run)
            pytest.xfail("pyshacl-turbo rejects an @id that is not an IRI ('Invalid IRI code point')")
    fx = json.loads(path.read_text("utf-8"))
    profile = fx["profile"]
    if profile.endswith(".json"):
        profile = str(FIXTURES / profile)
    graph = MetadataGraph(fx["version"], nodes=fx["nodes"])
    native = validate(graph, profile=profile, context=fx.get("context"))
    shacl = validate(graph, profile=profile, context=fx.get("context"), engine="shacl", backend=backend)
    assert shacl.keys() == native.keys()
    assert "check-not-run" not in {i.rule_id for i in shacl.issues}


def test_backend_choice_in_the_api_and_the_cli(tmp_path: Path) -> None:
    """backend= and --shacl-backend pick the backend; a wrong choice is a clear error (exit code 2)."""
    from click.testing import CliRunner

    from ebrains_curation.cli import cli
    from ebrains_curation.errors import ConfigurationError

    nodes = [{"@id": "https://ex.org/c", "@type": T + "ContactInformation", "email": "nope"}]
    for backend in ("fast", "pyshacl"):
        assert [i.rule_id for i in validate(nodes, engine="shacl", backend=backend)] == ["email-format"]
    with pytest.raises(ConfigurationError, match="engine='shacl' only"):
        validate(nodes, backend="pyshacl")
    with pytest.raises(ConfigurationError, match="Unknown SHACL backend"):
        validate(nodes, engine="shacl", backend="jena")
    doc = tmp_path / "c.jsonld"
    doc.write_text(json.dumps({"@context": {"@vocab": "https://openminds.om-i.org/props/"}, "@graph": nodes}))
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(doc), "--engine", "shacl", "--shacl-backend", "pyshacl"])
    assert res.exit_code == 1 and "email" in res.output
    res = runner.invoke(cli, ["validate", str(doc), "--shacl-backend", "fast"])
    assert res.exit_code == 2 and "engine='shacl' only" in res.output
    res = runner.invoke(cli, ["validate", str(doc), "--engine", "shacl", "--shacl-backend", "nope"])
    assert res.exit_code == 2


_BASE = json.loads((FIXTURES / "valid-dataset.json").read_text("utf-8"))
_VALUES = [
    None,
    True,
    3,
    2.5,
    -1,
    "",
    "x",
    "2024-02-30",
    "2024-05-01",
    "not an iri",
    "https://ex.org/a",
    "https://openminds.om-i.org/instances/licenses/MIT",
    "https://openminds.om-i.org/instances/licenses/Nope",
    "https://orcid.org/0000-0002-1825-0097",
    "https://orcid.org/0000-0002-1825-0098",
    {"@id": "https://example.org/alice"},
    {"@id": "https://openminds.om-i.org/instances/contentTypes/application_json"},
    {"@id": "https://ex.org/zz", "@type": T + "Person"},
    {"@type": T + "Hash", "algorithm": "MD5", "digest": 5},
    {"@type": T + "QuantitativeValue", "value": "x"},
    {"x": 1},
    ["a", "a", 1],
]


@pytest.mark.slow
def test_fast_gives_pyshacls_results_on_random_damage() -> None:
    """Hypothesis: a valid graph damaged at random gives the same raw results in both engines."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    keys = sorted({k for n in _BASE["nodes"] for k in n if k != "@id"} | {"x", "hash", "IRI", "identifier"})

    @settings(max_examples=40 if FULL else 5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(_BASE["nodes"]))), st.sampled_from(keys), st.sampled_from(_VALUES))
    def run(index: int, key: str, value: object) -> None:
        nodes = json.loads(json.dumps(_BASE["nodes"]))
        nodes[index][key] = value
        differential(MetadataGraph(_BASE["version"], nodes=nodes), _BASE["profile"])

    run()


def test_size_limit_depends_on_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast backend has its own (higher) size limit; pyshacl keeps the low one; the env var sets both."""
    from ebrains_curation.errors import ConfigurationError
    from ebrains_curation.validate import api

    nodes = [{"@id": f"https://ex.org/p{i}", "@type": T + "Person", "givenName": f"A{i}"} for i in range(30)]
    monkeypatch.setattr(api, "DEFAULT_SHACL_MAX_VALUES", 50)
    monkeypatch.setattr(api, "DEFAULT_SHACL_FAST_MAX_VALUES", 500)
    assert validate(nodes, engine="shacl").nodes_checked == 30
    with pytest.raises(ConfigurationError, match="more than 50 values"):
        validate(nodes, engine="shacl", backend="pyshacl")
    monkeypatch.setattr(api, "DEFAULT_SHACL_FAST_MAX_VALUES", 20)
    with pytest.raises(ConfigurationError, match="more than 20 values"):
        validate(nodes, engine="shacl")
    monkeypatch.setenv("EBRAINS_CURATION_SHACL_MAX_VALUES", "0")
    assert validate(nodes, engine="shacl", backend="pyshacl").nodes_checked == 30
