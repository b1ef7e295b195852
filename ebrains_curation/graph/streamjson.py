"""Read a large JSON-LD file's ``@graph`` piece by piece: never the whole file's bytes beside its nodes.

A compact JSON-LD file as we, ``openminds``' ``Collection.save`` and most tools write it
is ``{"@context": …, "@graph": [node, node, …]}``, indented. Parsing it in one go holds
the file's bytes and all its parsed nodes at once (87 MB of text beside 240 MB of nodes
for 100,000 Files); here the file is read in slices of :data:`CHUNK` bytes, and each
slice's complete nodes are parsed (msgspec, in C) and handed on before the next slice is
read. The result is msgspec's parse of the whole file, or ``None`` when this reader cannot
tell (then the caller reads the file whole, with its own checks and messages): it changes
memory and speed, never the result.

Why a cut is safe: the nodes are cut apart where ``}`` + ``,`` + the whitespace that
preceded the first node + ``{`` occurs, and only when that whitespace holds a line break
(an indented file). A raw line break never occurs inside a JSON string, so such a cut is
between two tokens; each run of nodes between cuts is then parsed as ``[`` + run + ``]``.
JSON is parsed by a deterministic pushdown automaton, so such a run parses as an array
only when it is a sequence of whole values at the level of the ``@graph`` array: a cut
inside a deeper object or array leaves a bracket open or closes one too many, and the
parse fails (then ``None``). The head (up to the ``[`` after ``"@graph":``) is checked by
parsing it closed with ``]}``, the tail must be ``]`` and ``}`` with whitespace around.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import msgspec

from .._files import max_input_bytes, open_input

__all__ = ["CHUNK", "MIN_SIZE", "read_graph"]

#: bytes read at a time (measured on 100,000 Files: 256 KiB parses faster than 64 KiB, 1 MiB or the whole file)
CHUNK = 1 << 18
#: smaller files are read whole (nothing to gain)
MIN_SIZE = 1 << 20
#: the head (up to the first node) must be in the first this many bytes
_HEAD_MAX = 1 << 16
_HEAD_KEYS = frozenset({"@context", "@graph", "@id"})
_WS = b" \t\r\n"
_decoder = msgspec.json.Decoder()


def read_graph(
    path: Any,
    on_nodes: Callable[[list[Any]], object] | None = None,
    *,
    chunk: int | None = None,
    min_size: int | None = None,
) -> dict[str, Any] | None:
    """The parsed document ``{"@context"?, "@id"?, "@graph": [nodes]}`` of a JSON-LD file, or None.

    ``on_nodes`` is called with each run of parsed nodes as it comes (a check, while they are
    fresh in the CPU caches). None: the file is smaller than ``min_size`` (default
    :data:`MIN_SIZE`), not in this shape, not valid JSON, or over the input size limit
    (:func:`~ebrains_curation._files.read_input` says why when the caller reads it whole).
    Special files are refused as ``read_input`` refuses them. ``chunk``: bytes read at a time
    (default :data:`CHUNK`).
    """
    chunk = chunk or CHUNK
    min_size = MIN_SIZE if min_size is None else min_size
    with open_input(path) as fh:
        if os.fstat(fh.fileno()).st_size < min_size:
            return None
        try:
            return _read_runs(fh, chunk, on_nodes)
        except OSError:  # (read_input says what went wrong when the caller reads it whole)
            return None


def _read_runs(fh: Any, chunk: int, on_nodes: Callable[[list[Any]], object] | None) -> dict[str, Any] | None:
    """:func:`read_graph` from an open file: the head, then each run of nodes as its text is complete."""
    limit = max_input_bytes()
    head = _read_head(fh, chunk)
    if head is None:
        return None
    doc, first, head_end, sep = head
    nodes: list[Any] = []
    doc["@graph"] = nodes
    # the pending text always starts with "[": a run of nodes is parsed in place, its closing
    # "]" written over the comma of the separator after it (one copy of the run, no more)
    pending = bytearray(b"[")
    pending += memoryview(first)[head_end:]
    total = len(first)
    del first
    searched = 0  # the separator is not in pending[:searched] (a node longer than a chunk)
    while more := fh.read(chunk):
        total += len(more)
        if limit is not None and total > limit:
            return None  # the file grew past the limit: read_input says so
        pending += more
        cut = pending.rfind(sep, searched)
        if cut < 0:
            searched = max(0, len(pending) - len(sep) + 1)
            continue
        comma = cut + 1
        pending[comma] = 0x5D  # "]"
        run = _parse_run(pending[: comma + 1])
        if run is None:
            return None
        if on_nodes is not None:
            on_nodes(run)
        nodes += run
        del pending[:comma]
        pending[0] = 0x5B  # "[" (where the comma was)
        searched = 0
    end = _tail(pending)
    run = None if end is None else _parse_run(pending[:end])
    if run is None:
        return None
    if on_nodes is not None:
        on_nodes(run)
    nodes += run
    return doc


def _read_head(fh: Any, chunk: int) -> tuple[dict[str, Any], bytes, int, bytes] | None:
    """The head parsed (``@graph`` empty), the bytes read so far, where the nodes begin, the separator."""
    first = fh.read(chunk)
    start = _head(first)
    while start is None and len(first) < _HEAD_MAX:  # (a head longer than a chunk)
        more = fh.read(chunk)
        if not more:
            break
        first += more
        start = _head(first)
    if start is None:
        return None
    skip, head_end, sep = start
    try:
        doc = _decoder.decode(first[skip:head_end] + b"]}")
    except msgspec.DecodeError:
        return None
    return (doc, first, head_end, sep) if _head_ok(doc) else None


def _head(first: bytes) -> tuple[int, int, bytes] | None:
    """Where the document begins (after a UTF-8 byte-order mark), where its nodes begin (after the
    ``[`` of ``"@graph":``), and the separator between nodes."""
    skip = 3 if first.startswith(b"\xef\xbb\xbf") else 0
    key = first.find(b'"@graph"', skip)
    if key < 0:
        return None
    i = _skip_ws(first, key + len(b'"@graph"'))
    if first[i : i + 1] != b":":
        return None
    i = _skip_ws(first, i + 1)
    if first[i : i + 1] != b"[":
        return None
    head_end = i + 1
    j = _skip_ws(first, head_end)
    if first[j : j + 1] != b"{":
        return None
    indent = first[head_end:j]
    if b"\n" not in indent:
        return None  # not indented: a cut could not be told from text inside a string
    return skip, head_end, b"}," + indent + b"{"


def _skip_ws(data: bytes, i: int) -> int:
    n = len(data)
    while i < n and data[i] in _WS:
        i += 1
    return i


def _head_ok(doc: Any) -> bool:
    """The head closed with ``]}``: an object whose last member is the empty ``@graph`` just opened."""
    return (
        doc.__class__ is dict
        and doc.get("@graph") == []
        and set(doc) <= _HEAD_KEYS
        and next(reversed(doc)) == "@graph"
    )


def _tail(pending: bytearray) -> int | None:
    """The end of the last run (just after the ``]`` that closes ``@graph``), if ``}`` and whitespace follow."""
    i = len(pending)
    while i and pending[i - 1] in _WS:
        i -= 1
    if not i or pending[i - 1] != 0x7D:  # "}"
        return None
    i -= 1
    while i and pending[i - 1] in _WS:
        i -= 1
    if i < 2 or pending[i - 1] != 0x5D:  # "]" (and at least "[" before it)
        return None
    return i


def _parse_run(data: bytearray) -> list[Any] | None:
    try:
        run = _decoder.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    return run if run.__class__ is list else None
