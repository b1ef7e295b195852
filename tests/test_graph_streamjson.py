"""The JSON-LD reader's streamed lane (graph/streamjson.py): msgspec's parse of the whole file, or None.

Differential throughout: whatever the streamed reader returns must equal what msgspec (and the
json module) make of the whole file; where it cannot tell, it returns None and ``load`` reads
the file whole, with the same result and the same messages as before.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation.errors import LoadError
from ebrains_curation.graph import MetadataGraph, dump, load, streamjson
from ebrains_curation.graph.streamjson import read_graph

T = "https://openminds.om-i.org/types/"
V = "https://openminds.om-i.org/props/"


def _file(i: int, name: str | None = None) -> dict:
    return {
        "@id": f"https://ex.org/file/{i:05d}",
        "@type": T + "File",
        "name": name if name is not None else f"f{i}.json",
        "IRI": f"https://ex.org/data/f{i}.json",
        "hash": [{"@type": T + "Hash", "algorithm": "MD5", "digest": f"{i:032x}"}],
        "storageSize": {
            "@type": T + "QuantitativeValue",
            "value": 10 + i,
            "unit": {"@id": "https://openminds.om-i.org/instances/unitOfMeasurement/byte"},
        },
    }


def _doc(nodes: list) -> dict:
    return {"@context": {"@vocab": V}, "@graph": nodes}


def _write(tmp_path: Path, data: bytes, name: str = "g.jsonld") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _streamed(path: Path, chunk: int = 64) -> dict | None:
    runs: list[int] = []
    doc = read_graph(path, lambda nodes: runs.append(len(nodes)), chunk=chunk, min_size=0)
    if doc is not None:
        assert sum(runs) == len(doc["@graph"])  # every node was handed on, once
    return doc


def test_our_output_is_read_in_runs_and_equals_the_whole_parse(tmp_path: Path) -> None:
    g = MetadataGraph("v4", [_file(i) for i in range(60)])
    path = dump(g, tmp_path / "g.jsonld")[0]
    runs: list[int] = []
    doc = read_graph(path, lambda nodes: runs.append(len(nodes)), chunk=256, min_size=0)
    assert doc == msgspec.json.decode(path.read_bytes())
    assert len(runs) > 10  # (read piece by piece, not whole)


def test_the_official_writer_s_output_is_read_the_same(tmp_path: Path) -> None:
    import openminds.v4.core as core
    from openminds import Collection

    files = [core.File(id=f"https://ex.org/f/{i}", name=f"f{i}.json") for i in range(80)]
    path = tmp_path / "om.jsonld"
    Collection(*files).save(str(path))
    assert _streamed(path) == json.loads(path.read_text())


# texts made of JSON's structural characters and the separator itself (escaped inside strings)
_text = st.lists(
    st.sampled_from([*'ab{}[],:" \\\n\t/@é', "},\n    {", '"@graph": [', "\ud7ff"]), max_size=6
).map("".join)
_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), _text
)
_value = st.recursive(
    _leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=10,
)
_node = st.dictionaries(_text, _value, max_size=4).map(lambda d: {"@id": "x", **d})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nodes=st.lists(_node, min_size=1, max_size=8), indent=st.integers(1, 4), chunk=st.integers(1, 80))
def test_any_indented_document_is_read_as_the_json_module_reads_it(
    tmp_path: Path, nodes: list, indent: int, chunk: int
) -> None:
    text = json.dumps(_doc(nodes), indent=indent, ensure_ascii=False)
    path = _write(tmp_path, text.encode())
    assert _streamed(path, chunk) == json.loads(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    nodes=st.lists(_node, min_size=1, max_size=6),
    cut=st.integers(0, 10**6),
    length=st.integers(0, 40),
    insert=st.binary(max_size=6) | st.sampled_from([b"},\n  {", b"]", b"}", b"\n", b'"', b",", b"null"]),
    chunk=st.integers(1, 64),
)
def test_a_damaged_document_gives_none_or_exactly_msgspec_s_parse(
    tmp_path: Path, nodes: list, cut: int, length: int, insert: bytes, chunk: int
) -> None:
    data = json.dumps(_doc(nodes), indent=4, ensure_ascii=False).encode()
    at = cut % (len(data) + 1)
    damaged = data[:at] + insert + data[at + length :]
    got = _streamed(_write(tmp_path, damaged), chunk)
    if got is not None:  # never a document msgspec would not read, never a different one
        assert got == msgspec.json.decode(damaged)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(_doc([_file(1), _file(2)])),  # compact: a cut could not be told from a string
        json.dumps({"@graph": [_file(1), _file(2)], "@context": {"@vocab": V}}, indent=2),  # @graph not last
        json.dumps({"@graph": [], "x": [_file(1)]}, indent=2),
        json.dumps([_file(1), _file(2)], indent=2),  # a list of nodes
        json.dumps(_doc([_file(1)]), indent=2) + "\n}",  # trailing garbage
        json.dumps(_doc([_file(1), _file(2)]), indent=2)[:-3],  # truncated
        json.dumps(_doc([]), indent=2),
    ],
)
def test_what_it_cannot_tell_is_left_to_the_whole_file_reader(tmp_path: Path, text: str) -> None:
    assert _streamed(_write(tmp_path, text.encode())) is None


def test_bom_crlf_and_a_node_longer_than_many_chunks(tmp_path: Path) -> None:
    nodes = [_file(1), _file(2, name="x" * 5000), _file(3)]
    text = json.dumps(_doc(nodes), indent=2).replace("\n", "\r\n")
    path = _write(tmp_path, b"\xef\xbb\xbf" + text.encode())
    assert _streamed(path, chunk=16) == _doc(nodes)


@pytest.fixture
def streamed_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file through the streamed lane, in small pieces."""
    monkeypatch.setattr(streamjson, "MIN_SIZE", 0)
    monkeypatch.setattr(streamjson, "CHUNK", 512)


def test_load_gives_the_same_graph_streamed_or_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = [_file(i) for i in range(50)]
    nodes[7]["format"] = {"@id": "https://openminds.om-i.org/instances/contentTypes/application_json"}
    path = _write(tmp_path, json.dumps(_doc(nodes), indent=2).encode())
    whole = load(path)
    monkeypatch.setattr(streamjson, "MIN_SIZE", 0)
    monkeypatch.setattr(streamjson, "CHUNK", 512)
    streamed = load(path)
    assert streamed == whole and streamed.sources == whole.sources
    assert [streamed.nodes[n["@id"]] for n in nodes] == nodes
    # a node the fast lane leaves to the general reader (a full IRI key), in the last run
    nodes[-1] = {**nodes[-1], V + "name": "renamed"}
    del nodes[-1]["name"]
    path.write_text(json.dumps(_doc(nodes), indent=2))
    assert load(path).nodes[nodes[-1]["@id"]]["name"] == "renamed"


def _message(path: Path) -> str:
    with pytest.raises(LoadError) as err:
        load(path)
    return str(err.value)


def test_bad_files_give_the_same_messages_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(_doc([_file(i) for i in range(20)]), indent=2)
    bad = [
        text[:-40],
        text.replace('"MD5"', "MD5", 1),
        text + "]",
        text.replace('"value": 11', '"value": NaN'),
    ]
    for data in bad:
        path = _write(tmp_path, data.encode())
        whole = _message(path)
        with monkeypatch.context() as m:
            m.setattr(streamjson, "MIN_SIZE", 0)
            m.setattr(streamjson, "CHUNK", 512)
            assert _message(path) == whole
    monkeypatch.setattr(streamjson, "MIN_SIZE", 0)
    monkeypatch.setenv("EBRAINS_CURATION_MAX_INPUT_MB", str(len(text) / 2 / 1048576))
    assert "over the input limit" in _message(_write(tmp_path, text.encode()))


@pytest.mark.usefixtures("streamed_always")
def test_repeated_ids_in_a_clean_file_are_judged_as_before(tmp_path: Path) -> None:
    nodes = [_file(i) for i in range(20)]
    path = _write(tmp_path, json.dumps(_doc([*nodes, nodes[3]]), indent=2).encode())
    assert len(load(path)) == 20  # the same node twice: one node
    path.write_text(json.dumps(_doc([*nodes, {**nodes[3], "name": "other"}]), indent=2))
    with pytest.raises(LoadError, match="two different nodes share this @id"):
        load(path)


def test_the_file_s_bytes_never_sit_beside_all_its_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak memory while loading, over what the graph keeps: a slice of the file, not the file."""
    monkeypatch.setattr(streamjson, "MIN_SIZE", 1 << 16)
    monkeypatch.setattr(streamjson, "CHUNK", 1 << 15)  # (at most about three chunks at a time)
    path = dump(MetadataGraph("v4", [_file(i) for i in range(3000)]), tmp_path / "g.jsonld")[0]
    size = path.stat().st_size
    load(path)  # (imports and caches first)
    tracemalloc.start()
    try:
        g = load(path)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(g) == 3000
    assert peak - kept < size / 4, (peak - kept, size)  # whole: the file's bytes (and more) on top


_prop = st.sampled_from(["name", "IRI", "value", "unit", "hash", V + "name", "@context", "@list"])
_val = st.recursive(
    st.one_of(
        st.text(max_size=4),
        st.integers(),
        st.booleans(),
        st.none(),
        st.fixed_dictionaries({"@id": st.sampled_from(["https://ex.org/a", "", "_:b1"])}),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.builds(
            lambda t, d: {"@type": t, **d},
            st.sampled_from([T + "Hash", "Hash"]),
            st.dictionaries(_prop, inner, max_size=2),
        ),
    ),
    max_leaves=6,
)
_some_node = st.builds(
    lambda i, t, d: {"@id": f"https://ex.org/n/{i}", "@type": t, **d},
    st.integers(0, 30),
    st.sampled_from([T + "File", T + "Hash", "File"]),
    st.dictionaries(_prop, _val, max_size=3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nodes=st.lists(_some_node, min_size=1, max_size=12))
def test_load_streamed_or_whole_gives_the_same_graph_or_the_same_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nodes: list
) -> None:
    path = _write(tmp_path, json.dumps(_doc(nodes), indent=2).encode())

    def outcome() -> object:
        try:
            g = load(path)
        except LoadError as exc:
            return str(exc)
        return g.version, g.nodes, g.meta, g.sources

    whole = outcome()
    with monkeypatch.context() as m:
        m.setattr(streamjson, "MIN_SIZE", 0)
        m.setattr(streamjson, "CHUNK", 64)
        assert outcome() == whole


@pytest.mark.usefixtures("streamed_always")
def test_loaded_nodes_share_no_dict_or_list(tmp_path: Path) -> None:
    """Every node owns its containers (the same unit, format, link target 60 times): changing one changes one."""
    path = _write(tmp_path, json.dumps(_doc([_file(i) for i in range(60)]), indent=2).encode())
    g = load(path)
    seen: list[int] = []

    def walk(value: object) -> None:
        if isinstance(value, (dict, list)):
            seen.append(id(value))
            for v in value.values() if isinstance(value, dict) else value:
                walk(v)

    for node in g:
        walk(node)
    assert len(seen) == len(set(seen)) == 60 * 5  # (node, hash list, hash, storageSize, unit)
    first, second = (g.nodes[f"https://ex.org/file/{i:05d}"] for i in (0, 1))
    first["storageSize"]["unit"]["@id"] = "https://openminds.om-i.org/instances/unitOfMeasurement/kilobyte"
    assert second["storageSize"]["unit"]["@id"].endswith("/byte")
