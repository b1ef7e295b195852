"""The JSON-LD reader's fast lane and the schema facts it reads: same results as the general reader."""

from __future__ import annotations

import copy
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebrains_curation.graph import load, loads
from ebrains_curation.graph.fastread import NodeCheck, _schema_validator, _walker, graph_is_clean
from ebrains_curation.graph.normalize import _clean_node
from ebrains_curation.graph.schemafacts import compute, iri_keys, iri_keys_any, version_markers

T = "https://openminds.om-i.org/types/"
V = "https://openminds.om-i.org/props/"


def test_shipped_schema_facts_equal_the_installed_openminds() -> None:
    # schema_facts.json is written from the registries (python -m ebrains_curation.graph.schemafacts)
    facts = compute()
    for version, keys in facts["iri_keys"].items():
        assert iri_keys(version) == frozenset(keys)
    types, props = version_markers()
    assert types == facts["version_markers"]["types"]
    assert props == {(t, k): v for t, k, v in facts["version_markers"]["properties"]}
    assert "BrainAtlas" in types and "homepage" in iri_keys_any()


def _file(i: int) -> dict:
    return {
        "@id": f"https://ex.org/file/{i}",
        "@type": T + "File",
        "name": f"f{i}.json",
        "IRI": f"https://ex.org/data/f{i}.json",
        "hash": [{"@type": T + "Hash", "algorithm": "MD5", "digest": f"{i:032x}"}],
        "storageSize": {
            "@type": T + "QuantitativeValue",
            "value": 10 + i,
            "unit": {"@id": "https://openminds.om-i.org/instances/unitOfMeasurement/byte"},
        },
        "format": {"@id": "https://openminds.om-i.org/instances/contentTypes/application_json"},
    }


def _doc(nodes: list) -> dict:
    return {"@context": {"@vocab": V}, "@graph": nodes}


def test_clean_documents_take_the_lane_and_load_the_same() -> None:
    doc = _doc([_file(i) for i in range(5)])
    assert graph_is_clean(doc)
    text = json.dumps(doc)
    g = loads(text.encode())
    assert [g.nodes[n["@id"]] for n in doc["@graph"]] == doc["@graph"]


@pytest.mark.parametrize(
    "change",
    [
        lambda n: n.update(homepage={"@id": "https://ex.org"}),  # an IRI key as a link: becomes a string
        lambda n: n.update(name=None),  # null: dropped by the general reader
        lambda n: n.update({V + "name": "x"}),  # a full IRI key
        lambda n: n.update({"@context": {"@vocab": V}}),  # a node's own context
        lambda n: n["hash"].append([1]),  # a list in a list
        lambda n: n["storageSize"].pop("@type"),  # an embedded node without @type
        lambda n: n["format"].update({"@type": T + "ContentType"}),  # a typed link stub
        lambda n: n.update({"@id": ""}),  # an empty @id: the general reader refuses it
    ],
)
def test_anything_unusual_leaves_the_lane(change) -> None:
    nodes = [_file(i) for i in range(3)]
    change(nodes[1])
    doc = _doc(nodes)
    assert not graph_is_clean(doc)
    assert not _clean_node(nodes[1], iri_keys("v4")) or "@context" in nodes[1] or nodes[1]["@id"] == ""


_keys = st.sampled_from(["name", "IRI", "homepage", "@id", "@type", "@context", "x:y", "", "value", "unit"])
_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.fixed_dictionaries({"@id": st.text(max_size=3)}),
)
_values = st.recursive(
    _leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5))
def test_the_lane_agrees_with_the_general_check(extra: dict) -> None:
    node = {**_file(1), **extra}
    general = (
        isinstance(node.get("@id"), str)
        and bool(node["@id"])
        and isinstance(node.get("@type"), str)
        and ":" in node["@type"]
        and "@context" not in node
        and _clean_node(copy.deepcopy(node), iri_keys_any())
    )
    assert graph_is_clean(_doc([node])) == general


def test_a_fresh_process_reads_a_file_without_building_schema_registries(tmp_path) -> None:
    import subprocess
    import sys

    path = tmp_path / "g.jsonld"
    path.write_text(json.dumps(_doc([_file(i) for i in range(3)])))
    code = (
        "from ebrains_curation.graph import load; from ebrains_curation.schemas import specs;"
        f"g = load({str(path)!r}); assert len(g) == 3;"
        "print(sorted(str(v) for v, r in specs._REGISTRIES.items() if r._built))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out  # no registry was built (0.7 s and 80 MB before)
    assert load(path).nodes["https://ex.org/file/1"] == _file(1)


# -- the node-format check as a JSON Schema (jsonschema-rs, in Rust) -----------------------------------
_short = st.sampled_from(["name", "IRI", "homepage", "value", "unit", "x:y", "@type", "@id", "", "@list"])
_type = st.sampled_from([T + "Hash", "Hash", ""])
_nearly = st.recursive(
    st.one_of(
        st.text(max_size=3),
        st.integers(-(2**63), 2**63 - 1),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.fixed_dictionaries({"@id": st.text(max_size=3)}),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.builds(lambda t, d: {"@type": t, **d}, _type, st.dictionaries(_short, inner, max_size=3)),
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_short, _nearly, max_size=4) | st.dictionaries(_keys, _values, max_size=5))
def test_the_schema_agrees_with_the_walk(extra: dict) -> None:
    """The same verdict as the Python walk (and so as the general reader's check), node for node."""
    node = {**_file(1), **extra}
    schema_ok = _schema_validator()
    assert schema_ok is not None  # jsonschema-rs is a dependency
    assert schema_ok([node]) == _walker(iri_keys_any())(copy.deepcopy(node))


def test_the_walk_judges_when_the_schema_cannot() -> None:
    nodes = [_file(i) for i in range(5)]
    big = {**_file(9), "storageSize": {**_file(9)["storageSize"], "value": 10**30}}
    schema_ok = _schema_validator()
    assert schema_ok is not None and schema_ok(nodes) and schema_ok([big])
    assert not schema_ok([{**_file(1), "name": float("inf")}])

    def refuses(_nodes: list) -> bool:
        raise ValueError("cannot take this")

    for fake in (refuses, lambda _nodes: False, None):
        check = NodeCheck()
        check._schema_ok = fake
        assert check(nodes) and check([big]) and not check([{**_file(1), "name": None}])
    check = NodeCheck()
    check.run(nodes)
    check.run([{**_file(1), "name": None}])
    check.run(nodes)
    assert not check.clean  # one run that is not clean: the document is not


def test_deeply_embedded_nodes_are_left_to_the_walk() -> None:
    """The schema stops at SCHEMA_DEPTH levels; deeper, the walk judges (and refuses what it always refused)."""
    from ebrains_curation.graph.fastread import SCHEMA_DEPTH

    def nested(levels: int) -> dict:
        inner: dict = {"@type": T + "Hash", "algorithm": "MD5"}
        for _ in range(levels - 1):
            inner = {"@type": T + "Hash", "inner": [inner]}
        return {**_file(1), "hash": inner}

    schema_ok = _schema_validator()
    assert schema_ok is not None
    assert schema_ok([nested(SCHEMA_DEPTH)]) and not schema_ok([nested(SCHEMA_DEPTH + 1)])
    assert NodeCheck()([nested(SCHEMA_DEPTH + 1)])  # the walk's verdict
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # (Python's default; a library in the suite raises it)
    try:
        with pytest.raises(RecursionError):  # as before the schema: load says "nested too deeply"
            NodeCheck()([nested(2000)])
    finally:
        sys.setrecursionlimit(limit)
