"""graph.fastjson (msgspec) against the json module: the same data in and out, else None (json decides)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebrains_curation.graph import fastjson, loads

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)  # beyond 64 bits too
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # lone surrogates included
)
_values = st.recursive(
    _scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON data (NaN equal to NaN; int and float kept apart, as JSON-LD keeps them)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=400, deadline=None)
@given(_values, st.sampled_from([None, 1, 2, 4]))
def test_dumps_writes_what_json_writes(value: Any, indent: int | None) -> None:
    fast = fastjson.dumps(value, indent)
    if fast is None:
        return  # left to the json module: nothing to compare
    seps = (",", ":") if indent is None else None
    slow = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, separators=seps)
    assert fast == slow


@settings(max_examples=400, deadline=None)
@given(_values)
def test_loads_reads_what_json_reads(value: Any) -> None:
    try:
        text = json.dumps(value, ensure_ascii=False)  # NaN and Infinity written as json writes them
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value)  # a lone surrogate: as an escape
    fast = fastjson.loads(text)
    if fast is None:
        return
    assert _same(fast, json.loads(text))


def test_nan_is_still_refused_and_null_still_written() -> None:
    assert fastjson.loads("[NaN]") is None and fastjson.loads('{"a": 1e400}') is None
    assert fastjson.dumps({"v": float("nan")}, 2) is None  # msgspec would write null
    assert fastjson.dumps({"v": None}, 2) is None  # json writes the null itself: same text, one path
    assert fastjson.loads("1" * 30) == int("1" * 30)  # exact, not a float
    assert fastjson.dumps([1e16, 1e-05], None) is None  # msgspec would write 1e16 and 0.00001
    assert fastjson.dumps({"a": "x,1.5"}, None) == '{"a":"x,1.5"}'  # a float in a text is text
    assert fastjson.dumps({"digest": "00e3", "value": 1001, "IRI": "https://x.org:80/a"}, 2) is not None
    assert fastjson.dumps({"b": [1, "é\n"], "a": {}}, 2) == json.dumps(
        {"b": [1, "é\n"], "a": {}}, sort_keys=True, ensure_ascii=False, indent=2
    )


def test_a_document_with_nan_is_refused_with_the_known_message() -> None:
    import pytest

    from ebrains_curation.errors import LoadError

    with pytest.raises(LoadError, match="NaN"):
        loads('{"@id": "https://example.org/x", "https://example.org/v": NaN}')


@pytest.mark.parametrize("indent", [2, 4, None])
def test_graph_text_in_batches_is_json_dumps_text(indent: int | None) -> None:
    """The writer's batched graph text is json.dumps' text, with a float (node-by-node batch) in the middle."""
    from ebrains_curation.graph.writers import _encode_graph

    nodes: list[dict[str, Any]] = [{"@id": f"x{i}", "b": [i, {"c": "é\n"}], "a": {}} for i in range(2500)]
    nodes[1500]["f"] = 1.5e16  # msgspec writes 1.5e16, json 1.5e+16: that batch goes node by node
    ctx = {"@vocab": "https://openminds.om-i.org/props/"}
    for part in (nodes, nodes[:1], nodes[:1000], nodes[:1001]):
        seps = (",", ":") if indent is None else None
        doc = {"@context": ctx, "@graph": part}
        ref = json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=indent, separators=seps) + "\n"
        assert "".join(_encode_graph(ctx, part, indent)) == ref


@settings(max_examples=400, deadline=None)
@given(_values, st.sampled_from([None, 2]))
def test_the_float_walk_lets_dumps_skip_its_probes_only_when_that_is_safe(
    value: Any, indent: int | None
) -> None:
    def floats_in(v: Any) -> bool:
        if isinstance(v, dict):
            return any(floats_in(x) for x in v.values())
        if isinstance(v, list):
            return any(floats_in(x) for x in v)
        return isinstance(v, float)

    assert fastjson.has_float(value) == floats_in(value)
    if fastjson.has_float(value):
        return
    fast = fastjson.dumps(value, indent, floats=False)  # no probe: must still be json's text
    if fast is None:
        return
    seps = (",", ":") if indent is None else None
    assert fast == json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, separators=seps)


def test_has_float_counts_unknown_values_as_floats() -> None:
    class F(float):
        pass

    assert fastjson.has_float([{"a": F(1.5)}]) and fastjson.has_float({"a": (1,)})
    assert not fastjson.has_float({"a": [1, True, None, "x", {"b": []}]})


def test_the_file_gets_the_bytes_of_the_text(tmp_path) -> None:
    """dump() writes byte chunks (views of the encoders' output); dumps() gives the same text."""
    from ebrains_curation._files import atomic_write
    from ebrains_curation.graph import MetadataGraph, dump, dumps

    g = MetadataGraph("v4")
    for i in range(2500):  # three batches, one with a float (written node by node)
        g.add_node(
            {"@id": f"https://ex.org/{i}", "@type": "https://openminds.om-i.org/types/File", "name": f"é{i}"}
        )
    g.nodes["https://ex.org/1500"]["storageSize"] = {
        "@type": "https://openminds.om-i.org/types/QuantitativeValue",
        "value": 1e16,
    }
    path = tmp_path / "g.jsonld"
    dump(g, path)
    assert path.read_bytes() == dumps(g).encode("utf-8")
    assert '"value": 1e+16' in path.read_text("utf-8")  # json's spelling, not msgspec's or orjson's
    atomic_write(tmp_path / "t", iter(["a", "b"]))
    atomic_write(tmp_path / "b", iter([b"a", memoryview(b"xbx")[1:2]]))
    atomic_write(tmp_path / "e", iter([]))
    assert [(tmp_path / n).read_bytes() for n in "tbe"] == [b"ab", b"ab", b""]


_whole = st.integers(min_value=-(2**70), max_value=2**70).map(float)  # whole numbers, written as floats
_mixed = st.recursive(
    _scalars | _whole,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(_mixed, st.sampled_from([None, 2, 4]))
def test_the_checked_writer_writes_what_json_writes(value: Any, indent: int | None) -> None:
    """The writer's path (whole-number floats cleared in Rust, the rest walked): json's bytes or None."""
    fast = fastjson.dumps_bytes_checked(value, indent)
    if fast is None:
        return
    seps = (",", ":") if indent is None else None
    slow = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, separators=seps)
    assert fast == slow.encode("utf-8")


def test_whole_numbers_only_clears_what_orjson_writes_as_json_does() -> None:
    assert fastjson._whole_numbers_check() is not None  # this orjson spells whole floats as repr()
    assert fastjson.whole_numbers_only({"a": [1, 2.0, 1e16, -0.0, 10**30, "x", None, True, {"b": []}]})
    for bad in (1.5, 1e-05, float("nan"), float("inf"), {1: 2}, object()):
        assert not fastjson.whole_numbers_only({"a": [bad]}), bad
    assert fastjson.dumps_bytes_checked({"a": ["\ud800"]}, 2) is None  # (orjson refuses it: json decides)


def test_a_value_nested_hundreds_of_thousands_deep_is_refused_not_a_crash() -> None:
    """The Rust float check recurses on the machine stack: past orjson's own 255 levels it says
    "cannot tell" (the json module's path then refuses the graph with a clear error), where an
    unbounded check crashed the whole process (found by a 200,000-level graph: signal 11)."""
    import subprocess
    import sys

    code = """
import os, tempfile
from ebrains_curation import MetadataGraph, dump
from ebrains_curation.errors import CurationError
from ebrains_curation.graph.fastjson import whole_numbers_only
deep = 1
for _ in range(200_000):
    deep = [deep]
assert whole_numbers_only([deep]) is False
shallow = 1
for _ in range(200):
    shallow = [shallow]
assert whole_numbers_only([shallow]) is True
t = "https://openminds.om-i.org/types/"
size = {"@type": t + "QuantitativeValue", "value": 1}
for _ in range(200_000):
    size = {"@type": t + "QuantitativeValue", "value": 1, "uncertainty": [size]}
nodes = [{"@id": f"https://e.org/f{i}", "@type": t + "File", "name": "f"} for i in range(150)]
nodes[0]["storageSize"] = size
try:
    with tempfile.TemporaryDirectory() as d:
        dump(MetadataGraph("v4", nodes=nodes), os.path.join(d, "g.jsonld"))
except CurationError as exc:
    print("refused:", exc)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: the graph is nested too deeply" in done.stdout
