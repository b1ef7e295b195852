"""Read openMINDS metadata into a :class:`~ebrains_curation.graph.model.MetadataGraph`.

Accepted input (``load`` picks by type and file extension):

* a JSON-LD file (``.jsonld``/``.json``): one node, an ``@graph`` collection or a
  list of nodes; compact (short keys with an ``@vocab`` or one of our shipped
  contexts), expanded (full IRIs, ``@value``/``@id`` wrappers, lists of one) or a
  mix. Other contexts are expanded with pyld and the offline loader (a remote
  context we do not ship is a :class:`~ebrains_curation.errors.LoadError`);
* a folder of one-file-per-node JSON-LD (what ``openminds``' ``Collection.save(
  individual_files=True)`` writes), read recursively in sorted order;
* a Turtle (``.ttl``) or N-Triples (``.nt``) file, an ``rdflib.Graph``;
* a dict or list already parsed from JSON;
* a KG API response (:func:`load_kg_response`).

Everything is normalised to the graph's node format: short keys, ``@type`` as a
full IRI string, links ``{"@id": …}``, embedded nodes inline, literals as plain
JSON values (dates as ISO strings). Linked nodes written inline (``openminds``'
default ``to_jsonld()``) are pulled out into their own nodes. Unknown properties
are kept as they came (their full IRI, or the short key); KG bookkeeping fields
go to ``graph.meta``. Any problem is a :class:`LoadError` naming the file, the
node and the property: never a bare traceback.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from .._files import decode_text, read_input
from ..errors import CurationError, LoadError
from ..schemas.versions import OMI_NS, V3_NS, OpenMINDSVersion, VersionLike, get_version
from . import fastjson
from .context import context_for, version_for_context_url
from .fastread import NodeCheck, graph_is_clean
from .kgdocs import kg_nodes
from .model import MetadataGraph
from .normalize import _add_document, _embed_blank_nodes, gc_paused
from .rdf import from_rdflib
from .streamjson import read_graph
from .versiondetect import VersionGuess, guess_version

__all__ = ["detect_version", "load", "load_kg_response", "loads"]

_JSON_EXT = {".jsonld", ".json"}
_TURTLE_EXT = {".ttl", ".turtle"}
_NT_EXT = {".nt", ".ntriples"}


# ------------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------------
def load(source: Any, version: VersionLike = None, *, kind: str | None = None) -> MetadataGraph:
    """Load openMINDS metadata into a :class:`MetadataGraph`.

    ``source`` is a path (a JSON-LD file, a folder of one-file-per-node JSON-LD,
    a Turtle/N-Triples file), a dict or list parsed from JSON, an
    ``rdflib.Graph`` or a :class:`MetadataGraph` (copied). ``version`` is
    detected when not given (v3 from the ebrains.eu namespace; the shared
    om-i.org namespace is read as v4 unless you say ``version="v5"``).
    ``kind`` forces the reader: ``"jsonld"``, ``"folder"``, ``"turtle"`` or
    ``"ntriples"``. Raises :class:`LoadError` for unreadable input.
    """
    if isinstance(source, MetadataGraph):
        return source.copy()
    if isinstance(source, (dict, list)):
        # the graph must not share dicts with the caller's document (the fast path adopts nodes as they are)
        return _guard(lambda: _from_document(_copy_json(source), version, "<document>"), "<document>")
    if _is_rdflib_graph(source):
        return _guard(lambda: from_rdflib(source, version), "<rdflib graph>")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(path)
        if not path.exists():
            raise LoadError("no such file or folder", source=name)
        kind = _normalise_kind(kind) if kind else ("folder" if path.is_dir() else _kind_from_suffix(path))
        if kind == "folder":
            return _guard(lambda: _load_folder(path, version), name)
        if kind in ("turtle", "ntriples"):
            return _guard(lambda: _load_rdf_file(path, version, kind), name)
        return _guard(lambda: _from_file(path, version, name), name)
    raise LoadError(
        f"cannot load metadata from a {type(source).__name__}; give a path, a dict/list or an rdflib.Graph"
    )


def loads(text: str | bytes, version: VersionLike = None, format: str = "json-ld") -> MetadataGraph:
    """Load metadata from a string: ``format`` is ``"json-ld"`` (default), ``"turtle"`` or ``"ntriples"``."""
    kind = _normalise_kind(format)
    if kind == "folder":
        raise LoadError("loads() reads a string; use load() for a folder")
    if kind in ("turtle", "ntriples"):
        return _guard(lambda: _parse_rdf_text(text, version, kind, "<string>"), "<string>")
    return _guard(lambda: _from_text(text, version, "<string>"), "<string>")


def load_kg_response(payload: Any, version: VersionLike = None) -> MetadataGraph:
    """Load a KG API response; the same as :func:`load`, which recognises KG documents by itself.

    Kept for callers that know they hold a KG response: an envelope ``{"data": …}``
    (one instance, a page, or a by-id map), a list of instances, or Query-API
    results (see :mod:`ebrains_curation.graph.kgdocs`). KG meta fields and the KG's
    ``http://schema.org/identifier`` list go to ``graph.meta[@id]``; links given as
    bare UUIDs are expanded to ``https://kg.ebrains.eu/api/instances/<uuid>``.
    """
    source = "<KG response>"
    if isinstance(payload, dict) and not payload:
        raise LoadError("not a KG response: an empty object", source=source)
    if isinstance(payload, dict) and "data" not in payload and "@id" not in payload:
        raise LoadError("not a KG response: no 'data' member", source=source)
    return _guard(lambda: _from_document(_copy_json(payload), version, source), source)


def detect_version(doc: Any) -> str:
    """The openMINDS version of a parsed JSON-LD document (dict or list) or of a MetadataGraph, by content.

    The ``https://openminds.ebrains.eu/`` namespace means v3. In the
    ``https://openminds.om-i.org/`` namespace, which v4 and v5 share, types or
    properties that exist in only one of them decide (see
    :mod:`ebrains_curation.graph.versiondetect`); where nothing decides, v4 is
    assumed, and a graph loaded that way says so in ``graph.version_note``.
    """
    return _guess(doc).version


def _guess(doc: Any) -> VersionGuess:
    if isinstance(doc, MetadataGraph):
        return VersionGuess(doc.version, "the graph's own version")
    if isinstance(doc, dict) and "@context" in doc:
        named = _version_of_context(doc["@context"])
        if named:
            return VersionGuess(named, f"the document names the openMINDS {named} context")
    guess = guess_version(doc)
    if guess.ambiguous and _scan_namespace(doc, budget=[2000]) is OpenMINDSVersion.V3:
        return VersionGuess(
            OpenMINDSVersion.V3, "the document uses the openMINDS v3 namespace (openminds.ebrains.eu)"
        )
    return guess


def _version_of_context(ctx: Any) -> str | None:
    """The version a shipped context names (by URL, or inline and equal to the shipped one)."""
    if isinstance(ctx, str):
        return version_for_context_url(ctx)
    if isinstance(ctx, dict) and len(ctx) > 2:
        for v in (OpenMINDSVersion.V5, OpenMINDSVersion.V4, OpenMINDSVersion.V3):
            if ctx == context_for(v)["@context"]:
                return v
    return None


# ------------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------------
def _normalise_kind(kind: str) -> str:
    k = str(kind).lower().replace("-", "").replace("_", "")
    table = {
        "jsonld": "jsonld",
        "json": "jsonld",
        "compact": "jsonld",
        "expanded": "jsonld",
        "folder": "folder",
        "dir": "folder",
        "directory": "folder",
        "turtle": "turtle",
        "ttl": "turtle",
        "ntriples": "ntriples",
        "nt": "ntriples",
    }
    if k not in table:
        raise LoadError(f"unknown input format {kind!r}: use json-ld, folder, turtle or ntriples")
    return table[k]


def _kind_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _TURTLE_EXT:
        return "turtle"
    if suffix in _NT_EXT:
        return "ntriples"
    return "jsonld"


def _read_json(path: Path) -> Any:
    return _parse_json(read_input(path), str(path))


_SURROGATE_ESCAPE = re.compile(r"\\[uU]0*[dD][89a-fA-F]")


def _reject_lone_surrogates(text: str, source: str) -> None:
    """A lone UTF-16 surrogate (a JSON "\\ud800" escape) is not a character: no writer can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        around = text[max(0, exc.start - 30) : exc.start].encode("utf-8", "replace").decode()
        raise LoadError(
            f"a string holds an unpaired UTF-16 surrogate (\\u{ord(text[exc.start]):04x}), which is not a "
            f"Unicode character and cannot be written to any file; it follows …{around!r}",
            source=source,
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _from_text(text: str | bytes, version: str | None, source: str) -> MetadataGraph:
    doc, clean_graph = _read_document(text, source)
    return _from_document(doc, version, source, clean_graph=clean_graph)


def _from_file(path: Path, version: str | None, source: str) -> MetadataGraph:
    # a large file is parsed as it is read, its nodes checked batch by batch (streamjson): its
    # bytes never sit beside all its nodes (peak memory); anything else is read whole
    check = NodeCheck()
    doc = read_graph(path, check.run)
    if doc is not None:
        return _from_document(doc, version, source, clean_graph=doc["@graph"] if check.clean else None)
    # the file's bytes live only while they are parsed (not while the graph is built: peak memory)
    doc, clean_graph = _read_document(read_input(path), source)
    return _from_document(doc, version, source, clean_graph=clean_graph)


def _read_document(text: str | bytes, source: str) -> tuple[Any, list[Any] | None]:
    """The parsed document, and its @graph list when every node in it is already in node format."""
    doc = _parse_json(text, source)
    return doc, (doc["@graph"] if graph_is_clean(doc) else None)


def _parse_json(text: str | bytes, source: str) -> Any:
    # C speed, straight from the bytes when they parse: msgspec checks the UTF-8 and refuses lone
    # surrogates, and no decoded copy of the text sits beside the data (peak memory). Whatever it
    # refuses (or JSON null) takes the path below, with its messages.
    bom = isinstance(text, bytes) and text.startswith(b"\xef\xbb\xbf")
    doc = fastjson.loads(text[3:] if bom else text)
    if doc is not None:
        return doc
    if isinstance(text, bytes):
        text = decode_text(text, source, "JSON-LD")
    elif text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise LoadError("the file is empty: no JSON-LD document in it", source=source)
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise LoadError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{hint}", source=source
        ) from None
    except (ValueError, RecursionError) as exc:
        raise LoadError(f"not valid JSON: {exc}", source=source) from None
    if _SURROGATE_ESCAPE.search(text):
        _reject_lone_surrogates(json.dumps(doc, ensure_ascii=False), source)
    return doc


def _load_folder(path: Path, version: str | None) -> MetadataGraph:
    try:  # rglob() skips what it cannot read: an unreadable folder would look empty
        with os.scandir(path):
            pass
    except OSError as exc:
        raise LoadError(f"cannot read the folder: {exc.strerror or exc}", source=str(path)) from None
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _JSON_EXT)
    if not files:
        raise LoadError("the folder holds no .jsonld or .json files", source=str(path))
    docs = [(f, _read_json(f)) for f in files]
    note = None
    if version is None:  # recognised from all the files together (one file alone may be ambiguous)
        guess = _guess([doc for _, doc in docs])
        version, note = guess.version, (guess.reason if guess.ambiguous else None)
    graph = MetadataGraph(version)
    graph.version_note = note
    for f, doc in docs:
        _check_version(doc, graph.version, str(f))
        _add_document(graph, doc, str(f))
    _embed_blank_nodes(graph)
    return graph


def _load_rdf_file(path: Path, version: str | None, kind: str) -> MetadataGraph:
    return _parse_rdf_text(read_input(path), version, kind, str(path))


def _parse_rdf_text(text: str | bytes, version: str | None, kind: str, source: str) -> MetadataGraph:
    import rdflib

    g = rdflib.Graph()
    fmt = "turtle" if kind == "turtle" else "nt"
    label = "Turtle" if kind == "turtle" else "N-Triples"
    if isinstance(text, bytes):
        text = decode_text(text, source, label)
    text = text.removeprefix("\ufeff")  # a UTF-8 BOM is accepted as in JSON-LD
    _reject_lone_surrogates(text, source)
    try:
        g.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific exception types
        msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LoadError(f"not valid {label}: {msg}", source=source) from None
    if _SURROGATE_ESCAPE.search(text):  # \uD800 escapes decode to lone surrogates
        _reject_lone_surrogates(" ".join(str(term) for triple in g for term in triple), source)
    graph = from_rdflib(g, version)
    for nid in graph.nodes:
        graph.sources[nid] = source
    return graph


def _is_rdflib_graph(obj: Any) -> bool:
    return type(obj).__module__.startswith("rdflib") and hasattr(obj, "triples")


def _guard(fn: Any, source: str) -> MetadataGraph:
    """Run a reader; anything but our own errors becomes a LoadError naming the source."""
    try:
        with gc_paused(long_lived=True):
            return fn()
    except CurationError:
        raise
    except RecursionError:
        raise LoadError("the document is nested too deeply to read", source=source) from None
    except Exception as exc:  # a last safety net: never a deep traceback for bad input
        raise LoadError(f"cannot read the document: {type(exc).__name__}: {exc}", source=source) from None


# ------------------------------------------------------------------------------------------------
# documents
# ------------------------------------------------------------------------------------------------
def _from_document(
    doc: Any, version: str | None, source: str, *, kg: bool = False, clean_graph: list[Any] | None = None
) -> MetadataGraph:
    """``clean_graph``: the document's @graph list when all its nodes are known to be in node format."""
    nodes = kg_nodes(doc, source, get_version(version).vocab if version else None)
    if nodes is not None:  # a KG response, instance or query result: plain nodes, KG fields as meta
        doc, kg, clean_graph = nodes, True, None
    note = None
    if version is None:
        guess = _guess(doc)
        v = guess.version
        note = guess.reason if guess.ambiguous else None
    else:
        v = get_version(version)
        _check_version(doc, v, source)
    graph = MetadataGraph(v)
    graph.version_note = note
    _add_document(graph, doc, source, kg=kg, clean_graph=clean_graph)
    _embed_blank_nodes(graph)
    return graph


def _check_version(doc: Any, version: OpenMINDSVersion, source: str) -> None:
    found = _scan_namespace(doc, budget=[200])
    if found is None:
        return
    found_v3 = found is OpenMINDSVersion.V3
    if found_v3 != (version == OpenMINDSVersion.V3):
        raise LoadError(
            f"this is openMINDS {'v3 (openminds.ebrains.eu)' if found_v3 else 'v4/v5 (openminds.om-i.org)'} "
            f"metadata but openMINDS {version} was asked for; load it as "
            f"{'v3' if found_v3 else 'v4 or v5'} and use migrate()",
            source=source,
        )


def _scan_namespace(doc: Any, budget: list[int]) -> OpenMINDSVersion | None:
    """V3, V4 or None from the first openMINDS IRI found (a bounded walk)."""
    stack = [doc]
    while stack and budget[0] > 0:
        item = stack.pop()
        budget[0] -= 1
        if isinstance(item, str):
            if item.startswith(V3_NS):
                return OpenMINDSVersion.V3
            if item.startswith(OMI_NS):
                if "/contexts/v3" in item:
                    return OpenMINDSVersion.V3
                return OpenMINDSVersion.V4
        elif isinstance(item, dict):
            for k, val in item.items():
                if isinstance(k, str) and k.startswith(("https://openminds", "@vocab", "@type", "@context")):
                    stack.append(k)
                if k in ("@vocab", "@type", "@context", "@graph") or (
                    isinstance(k, str) and k.startswith("https://openminds")
                ):
                    stack.append(val)
            for k, val in item.items():
                if isinstance(val, (dict, list)) and k not in ("@context", "@graph"):
                    stack.append(val)
        elif isinstance(item, list):
            stack.extend(reversed(item[:50]))
    return None


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value
