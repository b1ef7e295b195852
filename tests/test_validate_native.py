"""The native engine on its own: inputs it accepts, checks that are easy to miss, and speed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ebrains_curation.graph.model import MetadataGraph
from ebrains_curation.validate import validate

T = "https://openminds.om-i.org/types/"
FIXTURES = Path(__file__).parent / "fixtures" / "validation"


def _valid_nodes() -> list[dict]:
    return json.loads((FIXTURES / "valid-dataset.json").read_text("utf-8"))["nodes"]


def test_accepts_graph_dicts_document_and_objects() -> None:
    """A MetadataGraph, node dicts, an @graph document and openminds objects all validate."""
    nodes = _valid_nodes()
    assert validate(MetadataGraph("v4", nodes=nodes)).conforms
    assert validate(nodes).conforms
    assert validate({"@context": {}, "@graph": nodes}).conforms
    from openminds.v4.core import Person

    r = validate(Person(given_name="Alice", family_name=3))
    assert [(i.rule_id, i.path) for i in r] == [("value-kind", ("familyName",))]


def test_path_input_is_loaded(tmp_path: Path) -> None:
    """A file path is read with the graph readers (the only I/O, before validation)."""
    path = tmp_path / "g.jsonld"
    path.write_text(
        json.dumps({"@context": {"@vocab": "https://openminds.om-i.org/props/"}, "@graph": _valid_nodes()}),
        "utf-8",
    )
    r = validate(path)
    assert r.conforms and r.nodes_checked == len(_valid_nodes())


def test_invalid_nodes_are_issues() -> None:
    """Things that are not nodes, or have a malformed @type, become invalid-node issues."""
    r = validate([42, "text", {"@id": "_:a", "@type": 7}, {"@id": "_:b", "@type": [T + "Person", 3]}])
    assert sorted(i.rule_id for i in r) == ["invalid-node"] * 4


def test_single_item_list_and_null_are_fine() -> None:
    """JSON-LD semantics: [x] equals x on a single-valued property, null means absent."""
    r = validate([{"@id": "_:p", "@type": T + "Person", "givenName": ["A"], "familyName": None}])
    assert r.conforms and len(r) == 0


def test_duplicates_do_not_count_twice() -> None:
    """Repeated values count once (RDF sees a set) but are reported as duplicates."""
    r = validate([{"@id": "_:p", "@type": T + "Person", "givenName": ["A", "A"]}])
    assert [i.rule_id for i in r] == []
    r = validate([{"@id": "_:p", "@type": T + "Person", "givenName": "A", "alternateName": ["B", "B"]}])
    assert [i.rule_id for i in r] == ["unique-items"]


def test_string_iri_on_link_property_is_a_link() -> None:
    """The JSON-LD context reads an IRI string on a link property as a link (so does RDF)."""
    r = validate(
        [
            {
                "@id": "_:p",
                "@type": T + "Person",
                "givenName": "A",
                "contactInformation": "https://ex.org/contact",
            }
        ]
    )
    assert [i.rule_id for i in r] == ["missing-link-target"]


def test_full_iri_keys_are_understood() -> None:
    """Expanded property keys are the same property; unknown ones are reported by short name."""
    r = validate(
        [
            {
                "@id": "_:p",
                "@type": T + "Person",
                "https://openminds.om-i.org/props/givenName": "A",
                "https://openminds.om-i.org/props/nick": "x",
            }
        ]
    )
    assert [(i.rule_id, i.path) for i in r] == [("unknown-property", ("nick",))]


def test_deep_embedding_is_reported_not_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedded nodes beyond the depth limit are reported as a check that could not run."""
    from ebrains_curation.validate import native

    monkeypatch.setattr(native, "_MAX_DEPTH", 0)
    r = validate(
        [
            {
                "@id": "_:x",
                "@type": T + "File",
                "name": "a",
                "IRI": "https://x.org/a",
                "storageSize": {"@type": T + "QuantitativeValue", "value": "big"},
            }
        ]
    )
    assert [(i.rule_id, i.severity.value, i.path) for i in r] == [
        ("check-not-run", "warning", ("storageSize",))
    ]


def test_cyclic_python_dicts_do_not_crash() -> None:
    """A dict that contains itself (only possible in Python) is checked without recursion errors."""
    node: dict = {"@id": "_:x", "@type": T + "File", "name": "a", "IRI": "https://x.org/a"}
    size: dict = {"@type": T + "QuantitativeValue", "value": 1}
    size["uncertainty"] = [size, size]
    node["storageSize"] = size
    node["self"] = node
    r = validate([node])
    assert {i.rule_id for i in r} >= {"unknown-property", "value-kind"}


def test_wrong_version_type_iri() -> None:
    """A v3 type IRI in a v4 graph is an unknown type (with the version in the message)."""
    node = {"@id": "_:p", "@type": "https://openminds.ebrains.eu/core/Person", "givenName": "A"}
    (issue,) = validate([node], version="v4").issues
    assert issue.rule_id == "unknown-type" and "v4" in issue.message
    report = validate([node])  # node dicts: the version is detected from the namespace
    assert report.version == "v3" and report.conforms


def test_validation_does_no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validating a graph opens no file and no socket."""
    import builtins
    import socket

    nodes = _valid_nodes()
    validate(nodes)  # warm the caches (specs, profiles, terms are read once)

    def boom(*a, **k):
        raise AssertionError("I/O during validation")

    monkeypatch.setattr(builtins, "open", boom)
    monkeypatch.setattr(socket, "socket", boom)
    assert validate(nodes).conforms


@pytest.mark.slow
def test_native_is_fast() -> None:
    """20,000 File nodes validate in well under a second per 10k (compiled per type)."""
    files = [
        {
            "@id": f"https://ex.org/f{i}",
            "@type": T + "File",
            "name": f"f{i}.nwb",
            "IRI": f"https://data.example.org/f{i}.nwb",
            "hash": [{"@type": T + "Hash", "algorithm": "MD5", "digest": f"{i:032x}"}],
            "storageSize": {"@type": T + "QuantitativeValue", "value": i},
        }
        for i in range(20_000)
    ]
    validate(files[:10])
    start = time.perf_counter()
    r = validate(MetadataGraph("v4", nodes=files))
    assert r.conforms
    assert time.perf_counter() - start < 2.0


def test_top_level_validate_is_callable_after_subpackage_import() -> None:
    """ec.validate(...) works even when the ebrains_curation.validate package was imported first."""
    import ebrains_curation as ec
    import ebrains_curation.validate.report  # binds the package on ebrains_curation

    r = ec.validate([{"@id": "_:p", "@type": T + "Person", "givenName": "A"}])
    assert r.conforms


def _file(n: int, repository: object) -> dict:
    node = {"@id": f"https://e.org/f{n}", "@type": T + "File", "name": f"f{n}", "IRI": "https://x.org/f"}
    return node | {"fileRepository": repository}


@pytest.mark.parametrize("stub_first", [True, False])
def test_a_typed_stub_met_after_a_link_to_its_target_still_counts(stub_first: bool) -> None:
    """Typed stubs are gathered as the nodes are checked: a stub met after a verdict on a link to the
    same outside target makes the engine look again, so the order of the nodes does not matter.

    The stub sits under a property openMINDS does not have, where no check of a File looks."""
    stub = {"@id": "https://e.org/nowhere", "@type": T + "FileRepository"}
    stubbed = _file(1, {"@id": "https://e.org/other"}) | {"seeAlso": [{"note": "x", "where": [stub]}]}
    linked = _file(2, {"@id": "https://e.org/nowhere"})
    nodes = [stubbed, linked] if stub_first else [linked, stubbed]
    native = validate(nodes).keys()
    assert native == validate(nodes, engine="shacl").keys()
    missing = {(k[0], k[2]) for k in native if k[1] == ("fileRepository",)}
    # the stub says what the target is: only the link to a target nothing describes is missing
    assert missing == {("https://e.org/f1", "missing-link-target")}


def test_the_second_pass_runs_only_when_a_late_stub_changed_a_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Gathering every stub first (a walk over every value) happens only when a stub turned up after
    a verdict on a link to its target: never on a graph without such stubs."""
    from ebrains_curation.validate import native

    walks: list[int] = []
    whole_walk = native._stub_index
    monkeypatch.setattr(native, "_stub_index", lambda nodes: walks.append(1) or whole_walk(nodes))
    assert validate(_valid_nodes()).conforms and walks == []
    typed = {"@id": "https://e.org/nowhere", "@type": T + "FileRepository"}
    validate([_file(1, typed), _file(2, {"@id": "https://e.org/nowhere"})])
    assert walks == []  # the stub came first
    validate([_file(2, {"@id": "https://e.org/nowhere"}), _file(1, typed)])
    assert walks == [1]


@pytest.mark.parametrize(
    "holder",
    [
        {"license": "NODE"},  # a property v5's DatasetVersion does not have
        {"seeAlso": {"note": "an untyped node", "holds": ["NODE"]}},
        {"shortName": "NODE"},  # a text property given a node
    ],
)
def test_nodes_embedded_where_no_check_looks_are_checked_as_their_type(holder: dict) -> None:
    """RDF sees an embedded node of an openMINDS type as one wherever it sits, and so do the shapes:
    native checks it too (found by the generated-graphs agreement test: v5 has no ``license``)."""
    embedded = {"@type": T + "FileRepository", "name": "in place"}
    value = json.loads(json.dumps(holder).replace('"NODE"', json.dumps(embedded)))
    node = {"@id": "https://e.org/dsv", "@type": T + "DatasetVersion", "releaseDate": "2024-05-01"} | value
    found = validate([node], version="v5").keys()  # (focus node, path, rule id)
    assert found == validate([node], version="v5", engine="shacl").keys()
    required = {k[1][-1] for k in found if k[2] == "required" and len(k[1]) > 1}
    assert {"IRI", "hostedBy"} <= required


def test_nodes_inside_a_node_of_an_unknown_type_are_checked() -> None:
    """A node of a type openMINDS does not have gets unknown-type; what it embeds is still checked."""
    node = {
        "@id": "https://e.org/d",
        "@type": "https://x.org/Thing",
        "holds": {"@type": T + "FileRepository"},
    }
    keys = validate([node], version="v4").keys()
    assert keys == validate([node], version="v4", engine="shacl").keys()
    assert ("https://e.org/d", ("holds", "hostedBy"), "required") in keys
