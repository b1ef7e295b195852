"""Write a :class:`~ebrains_curation.graph.model.MetadataGraph` as JSON-LD (compact or expanded) or RDF.

Output is deterministic, so files diff cleanly in git: keys sorted, nodes sorted
by @id (named nodes first, then blank nodes), and blank nodes relabelled
``_:b0, _:b1 …`` in the order a sorted walk from the named nodes first reaches
them (unreached blank nodes follow, ordered by content).

Every form says the same thing, in openMINDS's own convention by default
(``context="vocab"``): ``{"@context": {"@vocab": <the version's property
namespace>}}``, exactly what openMINDS instance files and ``openminds``'
``Collection.save`` write. IRI-valued and date-valued properties (``homepage``,
``releaseDate``) are then plain string literals, as openMINDS and the KG store
them; links are ``{"@id": …}`` objects. ``context="typed"`` (alias ``"inline"``;
``"url"`` refers to the same context by its URL) writes our shipped typed context
instead, where IRI-valued strings are IRIs and dates ``xsd:date``: a richer RDF
reading, but not what openMINDS tools or the KG expect. The expanded, Turtle and
N-Triples forms follow the same choice, so all four forms of a graph are
RDF-isomorphic.

* **compact**: ``{"@context": …, "@graph": [nodes]}``; nodes are the graph's node
  dicts as they are (short keys, full type IRIs).
* **expanded**: a list of nodes with full property IRIs, ``@type`` lists, values
  as ``{"@id": …}`` / ``{"@value": …}`` objects in lists. It equals pyld's
  expansion of the compact form, and is what the KG stores (use
  :func:`expand_node` for one node).
* **turtle** / **ntriples**: through :mod:`ebrains_curation.graph.rdf`. RDF keeps
  no order of repeated values: when an ordered property (``author``,
  ``custodian``…) has several values, an :class:`OrderLostWarning` says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .._files import atomic_write
from ..errors import CurationError, SerializationError
from ..schemas.versions import OpenMINDSVersion, VersionLike, get_version
from . import fastjson
from .context import XSD, context_for, context_url, value_rules
from .model import MetadataGraph
from .normalize import gc_paused
from .order import _copy, export_nodes
from .rdf import rdf_text

__all__ = ["dump", "dumps", "expand_node", "export_nodes", "to_jsonld"]

#: the context options: openMINDS's own ``@vocab`` convention, or our typed context (inline or by URL)
CONTEXT_OPTIONS = ("vocab", "typed", "inline", "url")

_FORMATS = {
    "jsonld": "compact",
    "json-ld": "compact",
    "json": "compact",
    "compact": "compact",
    "expanded": "expanded",
    "turtle": "turtle",
    "ttl": "turtle",
    "ntriples": "ntriples",
    "nt": "ntriples",
}
_SUFFIX_FORMAT = {".jsonld": "compact", ".json": "compact", ".ttl": "turtle", ".nt": "ntriples"}


# ------------------------------------------------------------------------------------------------
# JSON-LD
# ------------------------------------------------------------------------------------------------
def _context(version: OpenMINDSVersion, context: str | dict | None) -> Any:
    if isinstance(context, dict):
        return context
    if context in (None, "vocab"):
        return {"@vocab": get_version(version).vocab}
    if context in ("typed", "inline"):
        return context_for(version)["@context"]
    if context == "url":
        return context_url(version)
    raise SerializationError(
        f"unknown context option {context!r}: use 'vocab' (openMINDS's own, the default), "
        "'typed' (links as @id, dates as xsd:date) or 'url' (the typed context by its URL)"
    )


def is_typed(context: str | dict | None) -> bool:
    """Whether a context option means our typed context (IRIs as @id, dates as xsd:date)."""
    if isinstance(context, dict):
        return any(isinstance(t, dict) and "@type" in t for t in context.values())
    return context in ("typed", "inline", "url")


def to_jsonld(
    graph: MetadataGraph,
    form: str = "compact",
    *,
    graph_container: bool = True,
    context: str | dict | None = "vocab",
    relabel: bool = True,
) -> dict[str, Any] | list[Any]:
    """The graph as a JSON-LD document (fresh objects, safe to modify).

    ``form="compact"`` gives ``{"@context": …, "@graph": [...]}`` (with
    ``graph_container=False``: a single node with its ``@context``, or a list of
    such nodes); ``form="expanded"`` gives the expanded node list (always a list,
    as JSON-LD expansion does). ``context`` is ``"vocab"`` (openMINDS's own
    convention, the default), ``"typed"`` or ``"url"``; see the module notes.
    The expanded form follows the same choice.
    """
    if form not in ("compact", "expanded"):
        raise SerializationError(f"unknown JSON-LD form {form!r}: use 'compact' or 'expanded'")
    if form == "expanded":
        rules = value_rules(graph.version, typed=is_typed(context))
        vocab = get_version(graph.version).vocab
        return [_expand_node(n, rules, vocab) for n in export_nodes(graph, relabel=relabel)]
    nodes = export_nodes(graph, relabel=relabel, copy=True)
    ctx = _context(graph.version, context)
    if graph_container:
        return {"@context": ctx, "@graph": nodes}
    docs = [{"@context": _copy(ctx), **n} for n in nodes]
    return docs[0] if len(docs) == 1 else docs


def expand_node(node: dict[str, Any], version: VersionLike = None, *, typed: bool = False) -> dict[str, Any]:
    """One node dict in expanded JSON-LD (full IRIs; what the KG API accepts as a payload).

    IRI and date strings stay plain ``{"@value": …}`` as the KG stores them;
    ``typed=True`` writes them as ``{"@id": …}`` / ``xsd:date`` values instead.
    """
    v = get_version(version).key
    return _expand_node(node, value_rules(v, typed=typed), get_version(v).vocab)


def _expand_node(node: dict[str, Any], rules: dict[str, Any], vocab: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@id":
            out["@id"] = value
            continue
        if key == "@type":
            types = value if isinstance(value, list) else [value]
            out["@type"] = [t if ":" in t else vocab + t for t in types]
            continue
        if key[0] == "@":
            out[key] = value
            continue
        rule = rules.get(key)
        if rule is not None:
            iri, coercion = rule.iri, rule.coercion
        elif ":" in key:
            iri = XSD + key[4:] if key.startswith("xsd:") else key
            coercion = None
        else:
            iri, coercion = vocab + key, None
        if isinstance(value, list):
            out[iri] = [_expand_value(v, coercion, rules, vocab) for v in value if v is not None]
        elif value is not None:
            out[iri] = [_expand_value(value, coercion, rules, vocab)]
    return out


def _expand_value(value: Any, coercion: str | None, rules: dict[str, Any], vocab: str) -> Any:
    if isinstance(value, dict):
        if "@value" in value:
            t = value.get("@type")
            if isinstance(t, str) and t.startswith("xsd:"):
                return {**value, "@type": XSD + t[4:]}
            return value
        if "@id" in value:
            if "@type" in value:
                types = value["@type"] if isinstance(value["@type"], list) else [value["@type"]]
                return {"@id": value["@id"], "@type": [t if ":" in t else vocab + t for t in types]}
            return {"@id": value["@id"]}
        return _expand_node(value, rules, vocab)
    if coercion is None:
        return {"@value": value}
    if coercion == "@id":
        return {"@id": value} if isinstance(value, str) else {"@value": value}
    return {"@value": value, "@type": coercion}


# ------------------------------------------------------------------------------------------------
# text and files
# ------------------------------------------------------------------------------------------------
def _normalise_format(format: str) -> str:
    f = _FORMATS.get(str(format).lower())
    if f is None:
        raise SerializationError(
            f"unknown output format {format!r}: use jsonld (compact), expanded, turtle or ntriples"
        )
    return f


def _encode(doc: Any, indent: int | None) -> str:
    fast = fastjson.dumps(doc, indent)  # C speed; None leaves the value to the json module
    if fast is not None:
        return fast + "\n"
    try:
        if indent is None:
            return (
                json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                + "\n"
            )
        try:
            return _pretty(doc, " " * indent, "") + "\n"
        except _Unusual:
            return json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=indent, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"the graph holds a value that JSON cannot represent: {exc}") from None


class _Unusual(Exception):
    """A value the fast pretty-printer leaves to the json module (which then raises or handles it)."""


_estr = json.encoder.encode_basestring
_INF = float("inf")


def _pretty(v: Any, ind: str, cur: str) -> str:
    """``json.dumps(v, indent=…, sort_keys=True, ensure_ascii=False)`` for plain JSON data, faster.

    The json module's indenting encoder is pure Python and generic; this one
    handles only str/int/float/bool/None/dict/list and hands anything else back.
    """
    t = type(v)
    if t is str:
        return _estr(v)
    if t is dict:
        if not v:
            return "{}"
        nxt = cur + ind
        try:
            keys = sorted(v)
        except TypeError:
            raise _Unusual from None
        parts = []
        for k in keys:
            if type(k) is not str:
                raise _Unusual
            parts.append(f"{nxt}{_estr(k)}: {_pretty(v[k], ind, nxt)}")
        return "{\n" + ",\n".join(parts) + "\n" + cur + "}"
    if t is list:
        if not v:
            return "[]"
        nxt = cur + ind
        return "[\n" + ",\n".join(nxt + _pretty(x, ind, nxt) for x in v) + "\n" + cur + "]"
    if t is int:
        return int.__repr__(v)
    if t is bool:
        return "true" if v else "false"
    if v is None:
        return "null"
    if t is float and v == v and v not in (_INF, -_INF):
        return float.__repr__(v)
    raise _Unusual


def _encode_graph(ctx: Any, nodes: list[Any], indent: int | None, key: str = "@graph") -> Iterator[str]:
    """``{"@context": ctx, "@graph": nodes}`` as text chunks, the nodes encoded one by one.

    Joined, the same text as ``json.dumps(..., indent=indent, sort_keys=True)``;
    chunked so a large graph is written without holding its whole text twice.
    """
    for chunk in _encode_graph_bytes(ctx, nodes, indent, key):
        yield bytes(chunk).decode("utf-8")


def _encode_graph_bytes(
    ctx: Any, nodes: list[Any], indent: int | None, key: str = "@graph"
) -> Iterator[bytes | memoryview]:
    """:func:`_encode_graph` as UTF-8 chunks (what the file writer takes: no decoding and encoding again)."""
    if indent is None:
        yield _encode({"@context": ctx, key: nodes}, None).encode("utf-8")
        return
    pad = " " * indent
    head = _encode(ctx, indent).rstrip("\n").replace("\n", "\n" + pad)
    if not nodes:
        yield ("{\n" + f'{pad}"@context": {head},\n{pad}"{key}": []\n' + "}\n").encode("utf-8")
        return
    yield ("{\n" + f'{pad}"@context": {head},\n{pad}"{key}": [\n').encode("utf-8")
    inner = pad * 2
    batch: list[str] = []
    open_ = ("{\n" + f'{pad}"{key}": [\n').encode("utf-8")
    close = (f"\n{pad}]\n" + "}").encode("utf-8")
    for start in range(0, len(nodes), 1000):
        # a thousand nodes encoded in C, as {key: [nodes]} so that they come out at their final
        # indentation: the text between the brackets is theirs (when msgspec must not write them,
        # node by node as before)
        chunk = nodes[start : start + 1000]
        fast = fastjson.dumps_bytes_checked({key: chunk}, indent, large=len(chunk) >= 100)
        if fast is not None and fast.startswith(open_) and fast.endswith(close):
            if start:
                yield b",\n"
            yield memoryview(fast)[len(open_) : -len(close)]  # (a view: no copy of the batch)
            continue
        for i, n in enumerate(chunk, start):
            text = inner + _encode(n, indent).rstrip("\n").replace("\n", "\n" + inner)
            batch.append(text if i == 0 else ",\n" + text)
        yield "".join(batch).encode("utf-8")
        batch = []
    yield (f"\n{pad}]\n" + "}\n").encode("utf-8")


def dumps(
    graph: MetadataGraph,
    format: str = "jsonld",
    *,
    indent: int | None = 2,
    context: str | dict | None = "vocab",
) -> str:
    """The graph as text: ``"jsonld"`` (compact, default), ``"expanded"``, ``"turtle"`` or ``"ntriples"``.

    ``context`` (``"vocab"``, ``"typed"``, ``"url"``) applies to every format: see the module notes.
    """
    fmt = _normalise_format(format)
    with _serializing(fmt):
        text = _dumps(graph, fmt, indent, context)
        # the file writers fail on a lone surrogate when encoding; text must fail the same way
        bad = _SURROGATE.search(text)
        if bad:
            raise UnicodeEncodeError("utf-8", text, bad.start(), bad.end(), "surrogates not allowed")
        return text


_SURROGATE = re.compile(r"[\ud800-\udfff]")


@contextlib.contextmanager
def _serializing(fmt: str) -> Iterator[None]:
    """Turn what the encoders raise on odd content into a :class:`SerializationError` naming the cause."""
    try:
        yield
    except CurationError:
        raise
    except RecursionError:
        raise SerializationError(
            f"the graph is nested too deeply to write as {fmt} (embedded nodes inside embedded nodes, "
            "hundreds of levels); link the inner nodes by @id instead of embedding them"
        ) from None
    except UnicodeEncodeError as exc:
        raise SerializationError(
            f"a text value holds {exc.object[exc.start : exc.end]!r}, which is not a Unicode character "
            "(an unpaired UTF-16 surrogate) and cannot be written; fix the text"
        ) from None
    except Exception as exc:  # rdflib raises a bare Exception for IRIs it cannot write
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        bad_iri = re.match(r'"(.*)" does not look like a valid URI', first)
        if bad_iri:
            first = (
                f"{bad_iri[1]!r} (an @id or a link) is not an IRI; RDF needs absolute IRIs such as "
                "https://example.org/my-node (validation reports it as invalid-id)"
            )
        raise SerializationError(f"cannot write the graph as {fmt}: {first}") from None


def _dumps(graph: MetadataGraph, fmt: str, indent: int | None, context: str | dict | None) -> str:
    if fmt == "compact":
        nodes = export_nodes(graph)
        return "".join(_encode_graph(_context(graph.version, context), nodes, indent))
    if fmt == "expanded":
        return _encode(to_jsonld(graph, "expanded", context=context), indent)
    return rdf_text(graph, fmt, typed=is_typed(context))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _file_stem(node_id: str) -> str:
    seg = node_id.rstrip("/").rsplit("/", 1)[-1]
    seg = seg.rsplit("#", 1)[-1] if "#" in seg else seg
    if seg.startswith("_:"):
        seg = "_" + seg[2:]
    stem = _UNSAFE.sub("_", seg).strip("._") or "node"
    return stem[:120]


def _per_node_names(ids: list[str]) -> dict[str, str]:
    """@id → file name, unique (case-insensitively, for macOS/Windows) and stable for sorted ids."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for nid in ids:
        stem = _file_stem(nid)
        name = f"{stem}.jsonld"
        n = 2
        while name.lower() in used:
            name = f"{stem}-{n}.jsonld"
            n += 1
        used.add(name.lower())
        names[nid] = name
    return names


def dump(
    graph: MetadataGraph,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    per_node: bool = False,
    overwrite: bool = False,
    indent: int | None = 2,
    context: str | dict | None = None,
) -> list[Path]:
    """Write the graph to ``path``; returns the files written.

    One file (format from ``format`` or the extension: ``.jsonld``/``.json``
    compact, ``.ttl`` Turtle, ``.nt`` N-Triples), or with ``per_node=True`` one
    compact JSON-LD file per node in the folder ``path``, named after the last
    segment of the @id (clashes get ``-2``, ``-3`` … suffixes, never a silent
    overwrite). Existing files are an error unless ``overwrite=True``. Each file
    is written to a temporary file first and moved into place.
    """
    with gc_paused(), _serializing(str(format or Path(path).suffix.lstrip(".") or "jsonld")):
        return _dump(graph, Path(path), format, per_node, overwrite, indent, context)


def _dump(
    graph: MetadataGraph,
    target: Path,
    format: str | None,
    per_node: bool,
    overwrite: bool,
    indent: int | None,
    context: str | dict | None,
) -> list[Path]:
    if per_node:
        fmt = _normalise_format(format or "jsonld")
        if fmt != "compact":
            raise SerializationError("per-node output is compact JSON-LD only")
        if target.exists() and not target.is_dir():
            raise SerializationError(f"{target} exists and is not a folder")
        nodes = export_nodes(graph)
        names = _per_node_names([n["@id"] for n in nodes])
        files = [target / names[n["@id"]] for n in nodes]
        clashes = [f for f in files if f.exists()]
        if clashes and not overwrite:
            shown = ", ".join(f.name for f in clashes[:5]) + (" …" if len(clashes) > 5 else "")
            raise SerializationError(
                f"{len(clashes)} file(s) already exist in {target} ({shown}); pass overwrite=True (--overwrite) to replace them"
            )
        ctx = _context(graph.version, context or "vocab")
        for node, f in zip(nodes, files, strict=True):
            atomic_write(f, _encode({"@context": ctx, **node}, indent))
        return files
    fmt = _normalise_format(format) if format else _SUFFIX_FORMAT.get(target.suffix.lower(), "compact")
    if target.exists() and not overwrite:
        raise SerializationError(
            f"{target} already exists; pass overwrite=True (--overwrite on the command line) to replace it"
        )
    if target.is_dir():
        raise SerializationError(f"{target} is a folder; use per_node=True to write one file per node")
    if fmt == "compact":
        text: str | Iterable[str] | Iterable[bytes | memoryview] = _encode_graph_bytes(
            _context(graph.version, context or "vocab"), export_nodes(graph), indent
        )
    else:
        text = dumps(graph, fmt, indent=indent, context=context)
    atomic_write(target, text)
    return [target]
