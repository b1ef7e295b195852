"""The sandbox's query engine: the KG Query API language, evaluated over a :class:`GraphView`.

A query is a JSON-LD document (``@vocab`` ``https://core.kg.ebrains.eu/vocab/query/``).
As the KG does, it is first normalised (JSON-LD expansion, then compaction with an
empty context and no base IRI, so a relative ``propertyName`` such as ``familyName``
stays as it is), then read into a :class:`Spec`. The semantics follow kg-core's
``SpecificationInterpreter`` and ``DataQueryBuilder``:

* ``structure`` items have a ``path`` (an IRI, ``@id``, ``@type``, a list of steps, or
  ``{"@id": …, "reverse": true, "typeFilter": …}``), an optional ``propertyName`` (the key
  in the result; default: the last path step), nested ``structure``, ``required``,
  ``filter`` ``{op, value | parameter}``, ``singleValue`` (``FIRST`` or ``CONCAT``),
  ``ensureOrder`` and, on the root level only, ``sort``;
* a property with a nested structure or a path of several steps is a *traversal*: its value
  is the list (possibly empty) of the linked instances or embedded objects (links resolve
  through ``@id`` and ``http://schema.org/identifier``); a linked object is left out when
  all its fields are empty or it fails a filter of its own fields;
* filters compare case-insensitively (``LOWER`` on both sides); ``CONTAINS``,
  ``STARTS_WITH`` and ``ENDS_WITH`` are ``LIKE`` patterns (so ``%`` and ``_`` in the value
  are wildcards, as in the KG), ``REGEX`` is an unanchored search; a list value matches
  when one of its items does; a blank filter value means no filter; ``IS_EMPTY`` matches
  null, ``""`` and ``[]``; ``required`` excludes those;
* a ``parameter`` filter takes its value from the request's other query parameters,
  URL-decoded a second time as the KG does (a ``+`` becomes a space; see fairgraph PR #143);
* ``meta.responseVocab`` shortens the keys under that vocabulary and adds
  ``"@context": {"@vocab": …}`` to each item.

Simplifications: ``groupBy``/``merge`` and the instance filters ``MBB``/``TYPE``/``ID``
are not implemented (refused with a 400); without ``sort`` results come in label order
(the KG's order is undefined); ``ensureOrder`` or not, linked objects come in the order
the document lists them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from .documents import META, PayloadError
from .graphview import Node, StageView, node_types

__all__ = [
    "QUERY_TYPE",
    "QUERY_VOCAB",
    "Filter",
    "Prop",
    "QueryError",
    "Spec",
    "Step",
    "execute",
    "normalize_jsonld",
    "read_spec",
]

QUERY_VOCAB = "https://core.kg.ebrains.eu/vocab/query/"
QUERY_TYPE = META + "type/Query"
_OPS = {"IS_EMPTY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUALS", "REGEX"}
_UNSUPPORTED_OPS = {"MBB", "TYPE", "ID"}


class QueryError(PayloadError):
    """An invalid query (answered with a plain-text 400, like the KG's InvalidRequestException)."""


# -- normalisation ---------------------------------------------------------------------------------

_NULL = "https://core.kg.ebrains.eu/vocab/null-placeholder"


def _placeholders(value: Any, restore: bool) -> Any:
    """Swap JSON nulls for a placeholder (JSON-LD drops nulls; the KG keeps them) and back."""
    if isinstance(value, dict):
        return {k: _placeholders(v, restore) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v, restore) for v in value]
    if restore:
        return None if value == _NULL else value
    return _NULL if value is None else value


def normalize_jsonld(payload: Any) -> dict[str, Any]:
    """Normalise a JSON-LD payload as the KG does: expand, compact with ``{}`` (no base), nulls kept.

    ``@list`` wrappers are dropped and a string ``@type`` becomes a list. Remote contexts
    are refused (the sandbox works offline). Raises :class:`QueryError`.
    """
    if not isinstance(payload, dict):
        raise QueryError("The payload needs to be a JSON object")
    return json.loads(_normalize_cached(json.dumps(payload, sort_keys=True)))


@functools.lru_cache(maxsize=256)
def _normalize_cached(text: str) -> str:
    from pyld import jsonld

    remote: list[str] = []

    def no_remote(url: str, options: Any = None) -> Any:
        remote.append(url)
        raise QueryError(f"The sandbox cannot load the remote JSON-LD context {url}")

    options = {"documentLoader": no_remote, "base": None}
    try:
        expanded = jsonld.expand(_placeholders(json.loads(text), False), options)
        out = jsonld.compact(expanded, {}, options)
    except Exception as exc:
        if remote:  # pyld wraps the loader's error
            raise QueryError(f"The sandbox cannot load the remote JSON-LD context {remote[0]}") from None
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QueryError(f"The payload could not be normalized as JSON-LD: {first}") from None
    out.pop("@context", None)
    out = _unwrap_lists(_placeholders(out, True))
    if isinstance(out.get("@type"), str):
        out["@type"] = [out["@type"]]
    return json.dumps(out)


def _unwrap_lists(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"@list"}:
            return _unwrap_lists(value["@list"])
        return {k: _unwrap_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_lists(v) for v in value]
    return value


# -- the specification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of a path: a property IRI (or ``@id``/``@type``), maybe reversed and type-filtered."""

    iri: str
    reverse: bool = False
    types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Filter:
    """A property filter: ``op`` with a static ``value`` and/or a request ``parameter``."""

    op: str
    value: str | None = None
    parameter: str | None = None


@dataclass
class Prop:
    """One structure item of a query."""

    name: str
    path: tuple[Step, ...]
    props: list[Prop] = field(default_factory=list)
    required: bool = False
    sort: bool = False
    ensure_order: bool = False
    filter: Filter | None = None
    single: str | None = None

    @property
    def direct(self) -> bool:
        """A plain field of the instance (no traversal)."""
        return not self.props and len(self.path) < 2

    @property
    def filtering(self) -> bool:
        """Whether this property can exclude the object it belongs to."""
        return self.required or self.filter is not None


@dataclass
class Spec:
    """A parsed query: the root type, the response vocabulary and the structure."""

    root_type: str
    response_vocab: str | None
    props: list[Prop]


def _k(name: str) -> str:
    return QUERY_VOCAB + name


def _as_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise QueryError(f"'{key}' needs to be true or false, not {value!r}")


def _iri(value: Any, what: str) -> str:
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return str(value["@id"])
    if isinstance(value, str):
        return value
    raise QueryError(f"{what} needs to be an IRI, not {value!r}")


def read_spec(doc: dict[str, Any]) -> Spec:
    """Read a normalised query (see :func:`normalize_jsonld`) into a :class:`Spec`; :class:`QueryError` if invalid."""
    meta = doc.get(_k("meta"))
    root_type = meta.get(_k("type")) if isinstance(meta, dict) else None
    if isinstance(root_type, dict):
        root_type = root_type.get("@id")
    if not isinstance(root_type, str) or not root_type:
        raise QueryError(
            'The query needs a root type: "meta": {"type": "<type IRI>"} (and an @context with '
            '"@vocab": "https://core.kg.ebrains.eu/vocab/query/")'
        )
    vocab = meta.get(_k("responseVocab")) if isinstance(meta, dict) else None
    if vocab is not None and not isinstance(vocab, str):
        vocab = _iri(vocab, "meta.responseVocab")
    props = _props(doc.get(_k("structure")), root=True)
    if sum(p.sort for p in props) > 1:
        raise QueryError("Sorting is only allowed on one property of a query.")
    return Spec(root_type, vocab, props)


def _props(value: Any, root: bool) -> list[Prop]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise QueryError(f"A structure item needs to be an object, not {item!r}")
        prop = _prop(item, root)
        if prop is not None:
            out.append(prop)
    return out


def _prop(item: dict[str, Any], root: bool) -> Prop | None:
    raw_path = item.get(_k("path"))
    if raw_path is None:
        if _k("merge") in item:
            raise QueryError("'merge' is not supported by the sandbox")
        return None  # the KG ignores structure items without a path
    path = tuple(_step(p) for p in (raw_path if isinstance(raw_path, list) else [raw_path]) if p is not None)
    if not path:
        return None
    name = item.get(_k("propertyName"))
    name = _iri(name, "propertyName") if name is not None else path[-1].iri
    if _k("groupBy") in item:
        raise QueryError("'groupBy' is not supported by the sandbox")
    sort = _as_bool(item[_k("sort")], "sort") if _k("sort") in item else False
    if sort and not root:
        raise QueryError(
            "Sorting is only allowed on the root level of a query. If you want to sort by a nested value, "
            "please flatten it."
        )
    single = item.get(_k("singleValue"))
    if single is not None and single not in ("FIRST", "CONCAT"):
        raise QueryError(f"singleValue needs to be FIRST or CONCAT, not {single!r}")
    return Prop(
        name=name,
        path=path,
        props=_props(item.get(_k("structure")), root=False),
        required=_as_bool(item[_k("required")], "required") if _k("required") in item else False,
        sort=sort,
        ensure_order=_as_bool(item[_k("ensureOrder")], "ensureOrder") if _k("ensureOrder") in item else False,
        filter=_filter(item.get(_k("filter"))),
        single=single,
    )


def _step(value: Any) -> Step:
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        reverse = _as_bool(value[_k("reverse")], "reverse") if _k("reverse") in value else False
        tf = value.get(_k("typeFilter"))
        types = None
        if tf is not None:
            types = tuple(_iri(t, "typeFilter") for t in (tf if isinstance(tf, list) else [tf]))
        return Step(value["@id"], reverse, types)
    if isinstance(value, str):
        return Step(value)
    raise QueryError(f"A path step needs to be an IRI, not {value!r}")


def _filter(value: Any) -> Filter | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise QueryError(f"A filter needs to be an object with an 'op', not {value!r}")
    op = value.get(_k("op"))
    if op is None:
        return None
    op = str(op).upper()
    if op in _UNSUPPORTED_OPS:
        raise QueryError(f"The filter operation {op} is not supported by the sandbox")
    if op not in _OPS:
        raise QueryError(f"Unknown filter operation {op!r}; use one of {', '.join(sorted(_OPS))}")
    fv, param = value.get(_k("value")), value.get(_k("parameter"))
    return Filter(op, None if fv is None else str(fv), None if param is None else str(param))


# -- evaluation -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """What ArangoDB's LOWER() sees: strings as they are, null as "", anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


@functools.lru_cache(maxsize=512)
def _like(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


@functools.lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise QueryError(f"Invalid regular expression {pattern!r} in a REGEX filter: {exc}") from None


class Evaluator:
    """Evaluates one query (its filters resolved against the request parameters) on a stage view."""

    def __init__(
        self,
        view: StageView,
        params: dict[str, str],
        visible: Callable[[Node], bool],
        decode: Callable[[str], str] | None = None,
    ):
        self.view = view
        self.params = params
        self.visible = visible
        self.decode = decode or second_decode
        self._matchers: dict[Filter, Callable[[str], bool] | None] = {}

    # -- filters -------------------------------------------------------------------------------
    def matcher(self, flt: Filter) -> Callable[[str], bool] | None:
        """A test on lower-cased text, or None when the filter has no (non-blank) value."""
        if flt not in self._matchers:
            self._matchers[flt] = self._make_matcher(flt)
        return self._matchers[flt]

    def needle(self, flt: Filter) -> str | None:
        """The filter's effective value, lower-cased (request parameter first), or None when blank."""
        value = None
        if flt.parameter is not None and flt.parameter in self.params:
            value = self.decode(self.params[flt.parameter])
        if value is None:
            value = flt.value
        return None if value is None or not value.strip() else value.lower()

    def _make_matcher(self, flt: Filter) -> Callable[[str], bool] | None:
        value = None
        if flt.parameter is not None and flt.parameter in self.params:
            value = self.decode(self.params[flt.parameter])
        if value is None:
            value = flt.value
        if value is None or not value.strip():
            return None
        needle = value.lower()
        if flt.op == "EQUALS":
            return lambda s: s == needle
        if flt.op == "REGEX":
            rx = _regex(needle)
            return lambda s: rx.search(s) is not None
        if flt.op in ("CONTAINS", "STARTS_WITH", "ENDS_WITH") and not re.search(r"[%_\\]", needle):
            # no LIKE wildcard in the value: plain string tests give the same answer, much faster
            if flt.op == "CONTAINS":
                return lambda s: needle in s
            if flt.op == "STARTS_WITH":
                return lambda s: s.startswith(needle)
            return lambda s: s.endswith(needle)
        if flt.op in ("CONTAINS", "STARTS_WITH", "ENDS_WITH"):
            if flt.op in ("CONTAINS", "ENDS_WITH") and not needle.startswith("%"):
                needle = "%" + needle
            if flt.op in ("CONTAINS", "STARTS_WITH") and not needle.endswith("%"):
                needle = needle + "%"
            rx = _like(needle)
            return lambda s: rx.fullmatch(s) is not None
        return None

    def passes(self, prop: Prop, value: Any) -> bool:
        """Whether a property value passes the property's ``required`` and ``filter``."""
        if prop.required and _empty(value):
            return False
        flt = prop.filter
        if flt is None:
            return True
        if flt.op == "IS_EMPTY":
            return _empty(value)
        test = self.matcher(flt)
        if test is None:
            return True
        if isinstance(value, list):
            return any(test(_text(v).lower()) for v in value)
        return test(_text(value).lower())

    # -- values --------------------------------------------------------------------------------
    def follow(self, node: Node, step: Step) -> list[Node]:
        """The nodes one step away (outbound links and embedded objects, or inbound links)."""
        if step.reverse:
            if node.parent is not None and node.via == step.iri:
                found = [node.parent]
            else:
                found = self.view.incoming(node, step.iri)
        else:
            found = []
            value = node.doc.get(step.iri)
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict):
                    continue
                if isinstance(item.get("@id"), str):
                    target = self.view.resolve(item["@id"])
                    if target is not None:
                        found.append(target)
                elif "@value" not in item:
                    found.append(Node(item, node.space, parent=node, via=step.iri, types=node_types(item)))
        out = []
        for target in found:
            if not self.visible(target.root):
                continue
            if step.types is not None and not set(step.types) & set(target.types):
                continue
            out.append(target)
        return out

    def value(self, node: Node, prop: Prop) -> Any:
        """The value of one structure item for one node."""
        if prop.direct:
            return node.field(prop.path[0].iri)
        steps = prop.path if prop.props else prop.path[:-1]
        current = [node]
        for step in steps:
            current = [t for n in current for t in self.follow(n, step)]
        results: list[Any] = []
        if prop.props:
            for target in current:
                if all(self.passes(p, self.value(target, p)) for p in prop.props if p.filtering):
                    obj = {p.name: self.value(target, p) for p in prop.props}
                    if any(not (v is None or v == []) for v in obj.values()):
                        results.append(obj)
        else:
            leaf = prop.path[-1].iri
            for target in current:
                v = target.field(leaf)
                if v is not None:
                    results.extend(v if isinstance(v, list) else [v])
        results = _distinct(results)
        if prop.single == "FIRST":
            return results[0] if results else None
        if prop.single == "CONCAT":
            return ", ".join(_text(v) for v in results)
        return results

    def item(self, node: Node, props: Sequence[Prop]) -> dict[str, Any]:
        """The result object for one root instance."""
        return {p.name: self.value(node, p) for p in props}


def _distinct(values: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for v in values:
        key = json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _sort_key(value: Any) -> tuple[Any, ...]:
    """ArangoDB's order across types: null < bool < number < string < array < object."""
    if isinstance(value, list):
        return (4, [_sort_key(v) for v in value])
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value.casefold(), value)
    return (5, json.dumps(value, sort_keys=True))


def apply_vocab(item: Any, vocab: str) -> Any:
    """Shorten the keys under ``vocab`` (at any depth) and add ``"@context": {"@vocab": vocab}``."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {(k[len(vocab) :] if k.startswith(vocab) else k): strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {"@context": {"@vocab": vocab}, **strip(item)}


def second_decode(value: str) -> str:
    """The KG URL-decodes parameter filter values a second time (Java's URLDecoder: ``+`` is a space)."""
    if re.search(r"%(?![0-9a-fA-F]{2})", value):
        raise QueryError(f"URLDecoder: Illegal hex characters in escape (%) pattern - {value}")
    return unquote_plus(value)


@dataclass
class Outcome:
    """The matching root instances of a query (all of them) and the page of result items."""

    total: int
    items: list[dict[str, Any]]


def execute(
    spec: Spec,
    view: StageView,
    *,
    params: dict[str, str],
    visible: Callable[[Node], bool] | None = None,
    roots: list[Node] | None = None,
    from_: int = 0,
    size: int | None = None,
    decode: Callable[[str], str] | None = None,
) -> Outcome:
    """Run a query: filter the root instances, sort them, build the items of one page.

    ``roots`` restricts the root instances (``instanceId``); otherwise every instance of
    the root type that ``visible`` accepts (None: all) is a candidate. Filters and a sort
    on plain fields use the view's cached columns, so a query over many instances costs
    little more than the page it returns. ``decode`` is applied to ``parameter`` values
    (default: :func:`second_decode`, the KG's extra URL-decoding).
    """
    ev = Evaluator(view, params, visible or _everything, decode)
    filters = [p for p in spec.props if p.filtering]
    sort = next((p for p in spec.props if p.sort), None)
    end = None if size is None else from_ + size
    if roots is not None:
        candidates = [n for n in roots if ev.visible(n)]
    else:
        type_ = spec.root_type
        nodes = view.of_type(type_)
        rows = _matching_rows(ev, type_, [p for p in filters if p.direct], len(nodes))
        if visible is not None:
            rows = {i for i in (range(len(nodes)) if rows is None else rows) if visible(nodes[i])}
        filters = [p for p in filters if not p.direct]
        by_column = sort if sort is not None and sort.direct else None
        if not filters and (sort is None or by_column is not None):
            total = len(nodes) if rows is None else len(rows)
            page = _page_rows(view, type_, rows, by_column, len(nodes), end)[from_:end]
            return _outcome(ev, spec, total, [nodes[i] for i in page])
        candidates = [nodes[i] for i in _page_rows(view, type_, rows, by_column, len(nodes), None)]
        if by_column is not None:
            sort = None  # already in order
    for prop in filters:
        candidates = [n for n in candidates if ev.passes(prop, ev.value(n, prop))]
    if sort is not None:
        key = sort
        candidates = sorted(candidates, key=lambda n: _sort_key(ev.value(n, key)))
    return _outcome(ev, spec, len(candidates), candidates[from_:end])


def _everything(node: Node) -> bool:
    return True


def _outcome(ev: Evaluator, spec: Spec, total: int, page: list[Node]) -> Outcome:
    items = [ev.item(n, spec.props) for n in page]
    if spec.response_vocab:
        items = [apply_vocab(i, spec.response_vocab) for i in items]
    return Outcome(total, items)


def _matching_rows(ev: Evaluator, type_: str, filters: list[Prop], n: int) -> set[int] | None:
    """The rows of the root type passing the filters on plain fields (None: no filter, every row)."""
    rows: set[int] | None = None
    for prop in filters:
        rows = _column_filter(ev, type_, prop, rows, n)
    return rows


def _page_rows(
    view: StageView, type_: str, rows: set[int] | None, sort: Prop | None, n: int, end: int | None
) -> Sequence[int]:
    """``rows`` in result order (label order, or by the plain ``sort`` field); the first ``end`` suffice."""
    if sort is None:
        return range(n) if rows is None else sorted(rows)
    iri = sort.path[0].iri
    order = view.order(type_, iri, _sort_key)
    if rows is None:
        return order
    if end is not None and end * n < len(rows) ** 2:  # dense matches: walk the sorted order instead
        out = []
        for i in order:
            if i in rows:
                out.append(i)
                if len(out) >= end:
                    break
        return out
    return sorted(rows, key=view.rank(type_, iri, _sort_key).__getitem__)


def _indexed_rows(ev: Evaluator, type_: str, prop: Prop) -> set[int] | None:
    """The rows passing a plain-text filter, through the column's text index (None: not applicable)."""
    flt = prop.filter
    if flt is None or flt.op not in ("EQUALS", "CONTAINS", "STARTS_WITH", "ENDS_WITH"):
        return None
    needle = ev.needle(flt)
    if needle is None or "\x00" in needle or (flt.op != "EQUALS" and re.search(r"[%_\\]", needle)):
        return None
    index = ev.view.text_index(type_, prop.path[0].iri, _text)
    return index.find(needle, flt.op) if index.usable else None


def _column_filter(ev: Evaluator, type_: str, prop: Prop, rows: set[int] | None, n: int) -> set[int]:
    """``rows`` (None: all ``n``) that pass one filter on a plain field."""
    found = _indexed_rows(ev, type_, prop)
    if found is not None:  # a non-blank match implies a non-empty value, so `required` holds too
        return found if rows is None else found & rows
    candidates: Sequence[int] = range(n) if rows is None else sorted(rows)
    return {i for i in candidates if ev.passes(prop, ev.view.column(type_, prop.path[0].iri)[i])}
