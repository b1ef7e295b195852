"""The native engine: checks JSON-LD node dicts directly, compiled once per type from the plan.

It never builds openminds objects and never does I/O. Every value is looked at with
``isinstance`` only, so any garbage (wrong types, cycles, huge or deeply nested
values) becomes issues, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from ..constants import KG_INSTANCE_NS
from ..schemas import term_by_iri
from ..schemas.versions import OpenMINDSVersion
from .conditions import Req, RPath, Test
from .formats import orcid_checksum_ok
from .plan import Meta, NodeRule, Plan, PropPlan, TypePlan
from .profiles import lexical
from .report import Issue
from .rules import format_message

__all__ = ["NativeEngine"]

_MAX_DEPTH = 32
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")  # as the RDF conversion
_XSD = "http://www.w3.org/2001/XMLSchema#"  # embedded nodes deeper than this are not checked (reported once)

Emit = Callable[..., None]
_UNSET: Any = object()


class _Ctx:
    """Where we are: the top-level node, its type name and source file."""

    __slots__ = ("node_id", "node_type", "source")

    def __init__(self, node_id: str | None, node_type: str | None, source: str | None):
        self.node_id = node_id
        self.node_type = node_type
        self.source = source


class NativeEngine:
    """Validate node dicts against a :class:`~.plan.Plan`.

    ``engine_name`` is what issues report (the shacl engine reuses the JSON-level checks
    that RDF cannot see and reports them under its own name).
    """

    def __init__(self, plan: Plan, engine_name: str = "native", only_json_level: bool = False):
        self.plan = plan
        self._only_json = only_json_level
        self.engine = engine_name
        self.instance_ns = plan.instance_ns
        self.vocab = plan.vocab
        self._checkers: dict[str, Callable[..., None]] = {}
        self._regex: dict[str, re.Pattern[str]] = {}
        self._term_types: dict[str, str | None] = {}
        self._coercions = _coercions(plan.version)
        self.issues: list[Issue] = []
        self._link_verdicts: dict[tuple[int, str, Any], Any] = {}
        self._run_caches: list[dict[Any, Any]] = []  # per-property caches that depend on the nodes of a run
        self._by_type: dict[str, Callable[..., None] | None] = {}  # @type string → its compiled check
        #: whether the last run met a link to a KG id (``validate()`` looks for unresolved KG-id terms only then)
        self.saw_kg_ids = False

    # -- issues -----------------------------------------------------------------------------------
    def _emit(
        self,
        meta: Meta | None,
        ctx: _Ctx,
        prefix: tuple[str, ...],
        prefix_iri: tuple[str, ...],
        value: Any = None,
        *,
        type_name: str | None = None,
        expected: str | None = None,
        key: str | None = None,
        iri: str | None = None,
    ) -> None:
        if meta is None:
            return
        k = key if key is not None else meta.key
        i = iri if iri is not None else meta.iri
        path = (*prefix, *split_key(k)) if k else prefix
        path_iri = (*prefix_iri, i) if i else prefix_iri
        exp = expected if expected is not None else meta.expected
        shown = _show(value)
        fields = dict(
            type=type_name or ctx.node_type or "This node", property=k or "", value=shown, expected=exp or ""
        )
        message = format_message(meta.template, **fields)
        self.issues.append(
            Issue(
                rule_id=meta.rule_id,
                severity=meta.severity,
                message=message,
                node_id=ctx.node_id,
                node_type=ctx.node_type,
                path=path,
                path_iri=path_iri,
                value=shown,
                expected=exp,
                hint=format_message(meta.hint, **fields) if meta.hint else None,
                engine=self.engine,
                source=ctx.source,
            )
        )

    # -- entry point ------------------------------------------------------------------------------
    def run(self, nodes: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> list[Issue]:
        """Check every node; returns the issues (also kept in ``self.issues``).

        With ``only_json_level`` (constructor) only the checks that RDF cannot see run
        (duplicates in lists).
        """
        # Typed link stubs are gathered while the nodes are checked (a walk of its own over every value
        # was most of validate()'s time on large graphs). A verdict on a link leaving the graph uses the
        # stubs seen so far; if a stub of such a target turns up later, the run is repeated with all the
        # stubs gathered first (rare: a stub after a link to the same outside target).
        sources = sources or {}
        issues = self._run_once(nodes, sources, None)
        if self._stubs_consulted and (self._stubs_stale or self._stubs_partial):
            issues = self._run_once(nodes, sources, _stub_index(nodes))
        return issues

    def _run_once(
        self, nodes: Mapping[str, Any], sources: Mapping[str, str], stubs: dict[str, set[str]] | None
    ) -> list[Issue]:
        """One pass over the nodes; ``stubs``: every typed stub of the graph, or None to gather them."""
        self.issues = []
        self._nodes = nodes
        self._reverse_cache: dict[str, dict[str, list[tuple[Any, str | None]]]] = {}
        self._inherit_cache: dict[Any, dict[str, list[str]]] = {}
        self._linked_sets = {} if self._only_json else self._cross_node_sets(nodes)
        self._link_verdicts = {}
        self._stubs_reported: set[str] = set()
        self.saw_kg_ids = False
        self._stub_index: dict[str, set[str]] = stubs if stubs is not None else {}
        self._stubs_complete = stubs is not None  # else gathered by _gather_stubs as the pass goes
        self._stubs_consulted: set[str] = set()  # outside targets whose verdict used the stubs
        self._stubs_stale = False  # a stub of a consulted target was found after its verdict
        self._stubs_partial = False  # a node was not walked to the end (nested too deeply)
        self._walked: set[int] = set()  # ids of the lists and dicts the stub walk has seen
        self._below: set[int] = set()  # ids of the dicts _check_below has looked into
        for c in self._run_caches:
            c.clear()
        by_type, check_node = self._by_type, self._check_node
        # one context object for the whole run, refilled per node (issues copy what they show from it
        # when they are made; a new object per node was measurable)
        ctx = _Ctx(None, None, None)
        issues = self.issues
        for node_id, node in nodes.items():
            ctx.node_id = node_id if node_id.__class__ is str else repr(node_id)
            ctx.node_type = None
            ctx.source = sources.get(node_id) if sources else None
            try:
                # a node of a type seen before goes straight to its compiled check (most nodes)
                t = node.get("@type") if node.__class__ is dict else None
                checker = by_type.get(t) if t.__class__ is str else None
                if checker is not None:
                    ctx.node_type = checker.type_name  # type: ignore[attr-defined]
                    found = len(issues)
                    checker(node, ctx, (), (), 0)
                    # A typed link stub (an IRI node without a value in any property) describes nothing:
                    # what its check found (required properties) does not apply. Asked only when the
                    # check found something, as a stub has nothing else to check (most nodes find nothing).
                    if len(issues) > found and _is_reference(node, ctx.node_id):
                        del issues[found:]
                else:
                    check_node(node, ctx)
            except RecursionError:
                self.saw_kg_ids = True  # (not every link was looked at)
                self._stubs_partial = True
                self._emit(
                    self.plan.metas["check-not-run"],
                    ctx,
                    (),
                    (),
                    expected="the node is nested too deeply to be checked",
                )
        return self.issues

    def _cross_node_sets(self, nodes: Mapping[str, Any]) -> dict[tuple[Any, ...], set[str]]:
        """For "linked" tests/requirements: the @ids linked from nodes of some types through some keys."""
        wanted: set[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = set()
        for rr in self.plan.profile.rules:
            for ns in rr.nodes:
                for t in ns.tests:
                    if t.kind == "linked":
                        wanted.add((t.from_types, t.via))
                if ns.req.kind == "linked":
                    wanted.add((ns.req.from_types, ns.req.via))
        out: dict[tuple[Any, ...], set[str]] = {}
        for types, via in wanted:
            targets: set[str] = set()
            tset = set(types)
            for node in nodes.values():
                if not isinstance(node, dict) or not (_types_of(node.get("@type")) & tset):
                    continue
                for key, iri in via:
                    for v in _items(node.get(key, node.get(iri))):
                        if isinstance(v, dict) and isinstance(v.get("@id"), str):
                            targets.add(v["@id"])
            out[(types, via)] = targets
        return out

    def _reverse(self, key: str) -> dict[str, list[tuple[Any, str | None]]]:
        """target @id -> [(source node dict, source @id or None for embedded)] for links through ``key``."""
        index = self._reverse_cache.get(key)
        if index is not None:
            return index
        index = {}
        iri = self.vocab + key
        for nid, node in self._nodes.items():
            stack: list[tuple[Any, Any, int]] = [(node, nid, 0)]
            while stack:
                obj, oid, depth = stack.pop()
                if not isinstance(obj, dict) or depth > _MAX_DEPTH:
                    continue
                for k, value in obj.items():
                    if not isinstance(k, str) or k.startswith("@"):
                        continue
                    for v in _items(value):
                        if isinstance(v, dict):
                            vid = v.get("@id")
                            if isinstance(vid, str):
                                if k in (key, iri):
                                    index.setdefault(vid, []).append((obj, oid))
                            else:
                                stack.append((v, None, depth + 1))
        self._reverse_cache[key] = index
        return index

    def _along(self, node: Any, node_id: str | None, path: RPath) -> list[tuple[Any, str | None]]:
        """The values reached from a node along a path: (value or node dict, @id when it is a link)."""
        current: list[tuple[Any, str | None]] = [(node, node_id)]
        for step in path.steps:
            nxt: list[tuple[Any, str | None]] = []
            for obj, oid in current:
                if step.inverse:
                    if oid is not None:
                        nxt.extend(self._reverse(step.key).get(oid, ()))
                    continue
                if not isinstance(obj, dict):
                    continue
                coerce_id = self._coercions.get(step.key) == "@id"
                for v in _items(self._get(obj, step.key)):
                    if isinstance(v, dict) and "@value" in v and "@id" not in v:
                        v = v["@value"]
                    if isinstance(v, dict):
                        vid = v.get("@id")
                        if isinstance(vid, str):
                            nxt.append((self._nodes.get(vid), vid))
                        elif vid is None:
                            nxt.append((v, None))
                    elif isinstance(v, str) and coerce_id and _ABSOLUTE_IRI.match(v):
                        nxt.append((self._nodes.get(v), v))
                    elif isinstance(v, (str, int, float)):
                        nxt.append((v, None))
            current = nxt
        return current

    @staticmethod
    def _text(item: tuple[Any, str | None]) -> str | None:
        """Text of a reached value for comparisons: an IRI, or a text literal (not numbers or nodes)."""
        obj, vid = item
        if vid is not None:
            return vid
        return obj if isinstance(obj, str) else None

    def _count(self, items: list[tuple[Any, str | None]]) -> int:
        return _count_distinct(_value_key(obj, vid) for obj, vid in items)

    def _test(self, t: Test, node: dict[str, Any], node_id: str | None) -> bool:
        if t.kind == "const":
            return t.truth
        if t.kind == "linked":
            return node_id is not None and node_id in self._linked_sets.get((t.from_types, t.via), set())
        assert t.path is not None
        items = self._along(node, node_id, t.path)
        if t.values is None:
            return bool(items)
        return any(self._text(i) in t.values for i in items)

    def _req(self, r: Req, node: dict[str, Any], node_id: str | None) -> tuple[bool, list[str]]:
        """Whether the requirement holds, and the offending values (for per-value requirements)."""
        k = r.kind
        if k == "const":
            return r.truth, []
        if k == "linked":
            return node_id is not None and node_id in self._linked_sets.get((r.from_types, r.via), set()), []
        if k in ("any_of", "all_of"):
            results = [self._req(a, node, node_id)[0] for a in r.alternatives]
            return (any(results) if k == "any_of" else all(results)), []
        assert r.path is not None
        items = self._along(node, node_id, r.path)
        if k == "present":
            if self._count(items) >= r.min_count:
                return True, []
            if r.inherit is not None and node_id is not None:
                sources = self._linked_sets_inherit(r.inherit)
                for src_id in sources.get(node_id, ()):
                    if self._count(self._along(self._nodes.get(src_id), src_id, r.path)) >= r.min_count:
                        return True, []
            return False, []
        if k == "absent":
            return not items, []
        rx = self._re(r.pattern or "(?!)")
        texts = [t for t in (self._text(i) for i in items) if t is not None]
        if k == "has_value":
            return any(rx.search(t) for t in texts), []
        bad = [t for t in texts if rx.search(t) is None]
        if k == "equals":
            return bool(items) and not bad, bad
        return not bad, bad  # all_in

    def _linked_sets_inherit(self, inh: Any) -> dict[str, list[str]]:
        """target @id -> @ids of nodes of the inherit types that link it through the inherit key."""
        key = ("inherit", inh.from_types, inh.via)
        cached = self._inherit_cache.get(key)
        if cached is None:
            cached = {}
            tset = set(inh.from_types)
            for nid, node in self._nodes.items():
                if isinstance(node, dict) and _types_of(node.get("@type")) & tset:
                    for v in _items(self._get(node, inh.via)):
                        if isinstance(v, dict) and isinstance(v.get("@id"), str):
                            cached.setdefault(v["@id"], []).append(nid)
            self._inherit_cache[key] = cached
        return cached

    # -- nodes ------------------------------------------------------------------------------------
    def _check_node(self, node: Any, ctx: _Ctx) -> None:
        metas = self.plan.metas
        if not isinstance(node, dict):
            self._emit(metas["invalid-node"], ctx, (), (), node, expected="a JSON object")
            return
        self._gather_node_stubs(node)  # (nodes of a type not seen before in the run, or of no known type)
        t = node.get("@type")
        if t is not None and not (
            isinstance(t, str) or (isinstance(t, list) and all(isinstance(x, str) for x in t))
        ):
            self._emit(metas["invalid-node"], ctx, (), (), t, expected="@type must be a type IRI string")
            return
        checker = self._by_type.get(t) if t.__class__ is str else None
        if checker is not None:  # the common case: a type seen before
            ctx.node_type = checker.type_name  # type: ignore[attr-defined]
            if not _is_reference(node, ctx.node_id):
                checker(node, ctx, (), (), 0)
            return
        plans = self._plans_for(t)
        if not plans:
            if self._only_json:
                return
            if not _types_of(t):
                if set(node) - {"@id"}:  # a bare {"@id"} stub is a reference, not content
                    self._emit(metas["missing-type"], ctx, (), (), expected=self._example_type())
            else:
                self._emit(
                    metas["unknown-type"],
                    ctx,
                    (),
                    (),
                    t if isinstance(t, str) else t[0],  # type: ignore[index]  # a list here: _types_of found types
                    expected=self.plan.version,
                )
            # what it holds is still checked: an embedded node of an openMINDS type is one wherever it is
            self._check_props_below(node, ctx, (), (), 0)
            return
        ctx.node_type = plans[0].spec.name
        if t.__class__ is str:
            self._by_type[t] = self._checker(plans[0])
        if _is_reference(node, ctx.node_id):
            return  # a typed link stub {"@id", "@type"} refers to a node; it does not describe it
        # a node with several openMINDS types is an instance of each (as in RDF): checked as each
        for plan in plans:
            self._checker(plan)(node, ctx, (), (), 0)

    def _example_type(self) -> str:
        from ..schemas import get_version

        return get_version(self.plan.version).type_iri("Dataset")

    def _plan_for(self, t: Any) -> TypePlan | None:
        if isinstance(t, str):
            return self.plan.type_plan(t)
        if isinstance(t, list):
            for x in t:
                if isinstance(x, str):
                    p = self.plan.type_plan(x)
                    if p is not None:
                        return p
        return None

    def _checker(self, tp: TypePlan) -> Callable[..., None]:
        fn = self._checkers.get(tp.spec.iri)
        if fn is None:
            fn = self._checkers[tp.spec.iri] = self._compile(tp)
        return fn

    # -- compiling one type -----------------------------------------------------------------------
    def _compile(self, tp: TypePlan) -> Callable[..., None]:
        props = {key: self._compile_prop(pp) for key, pp in tp.props.items()}
        iri_keys = tp.iri_keys
        required = tp.required
        unknown = tp.unknown_property
        node_rules = tp.node_rules
        emit = self._emit
        type_name = tp.spec.name
        vocab = self.vocab
        only_json = self._only_json
        gather = self._gather_stubs
        below = self._check_below
        # The loop below settles most values of a node without calling the property's check (measured:
        # one call per value was most of the engine's time): a text where the property takes text with
        # at most one pattern (which it matches), a whole number where it takes numbers, @id / @type
        # strings, a link whose target's verdict is already known to be "fine", and an embedded node
        # handed straight to its type's check. Everything else goes to the property's check, which gives
        # the same verdicts (its fast paths are these, see _compile_prop).
        str_noop = {"@id", "@type"} | {k for k, fn in props.items() if fn.str_noop}  # type: ignore[attr-defined]
        str_rx = {k: fn.str_rx for k, fn in props.items() if fn.str_rx is not None}  # type: ignore[attr-defined]
        int_noop = {k for k, fn in props.items() if fn.int_noop}  # type: ignore[attr-defined]
        link_noop = {k: fn.verdicts for k, fn in props.items() if fn.link_noop}  # type: ignore[attr-defined]
        emb_direct = {k: fn.emb for k, fn in props.items() if fn.emb is not None}  # type: ignore[attr-defined]

        def check(
            node: dict[str, Any], ctx: _Ctx, prefix: tuple[str, ...], prefix_iri: tuple[str, ...], depth: int
        ) -> None:
            for key, value in node.items():
                cls = value.__class__
                if cls is str:
                    if key in str_noop:
                        continue
                    rx = str_rx.get(key)
                    if rx is not None and rx.search(value) is not None:
                        continue
                elif cls is int:
                    if key in int_noop:
                        continue
                else:
                    d = value if cls is dict else None
                    if cls is list and len(value) == 1 and value[0].__class__ is dict:
                        d = value[0]  # one item in a list is that item (JSON-LD sees a set)
                    if d is not None:
                        vid = d.get("@id")
                        if vid is not None:
                            if len(d) == 1 and vid.__class__ is str:  # {"@id": …} alone, no @type hint
                                verdicts = link_noop.get(key)
                                if verdicts is not None and verdicts.get(vid, _UNSET) is None:
                                    continue
                        else:
                            emb = emb_direct.get(key)
                            et = d.get("@type")
                            if (
                                emb is not None
                                and et.__class__ is str
                                and depth < _MAX_DEPTH
                                and "@value" not in d
                            ):
                                sub = emb[0].get(et)  # (only types the property takes are in there)
                                if sub is not None:
                                    if prefix:
                                        sub(d, ctx, (*prefix, emb[1]), (*prefix_iri, emb[3]), depth + 1)
                                    else:
                                        sub(d, ctx, emb[2], emb[4], depth + 1)
                                    continue
                if (cls is list or (cls is dict and len(value) > 1)) and not (
                    key.__class__ is str and key[:1] == "@"
                ):
                    gather(value)  # what no fast path above walked may hold typed stubs
                fn = props.get(key)  # the common case first: a known property
                if fn is not None:
                    fn(value, ctx, prefix, prefix_iri, depth)
                    continue
                if not isinstance(key, str):
                    if not only_json:
                        emit(
                            unknown, ctx, prefix, prefix_iri, key, type_name=type_name, key=repr(key), iri=""
                        )
                    continue
                if not key or key[0] == "@":  # "" is not a JSON-LD term: ignored, as by JSON-LD processors
                    continue
                short = iri_keys.get(key)  # its full IRI form, or not a property of the type
                if short is None:
                    if not only_json and _has_value(value):  # null / [] is no data (RDF agrees)
                        short_key, key_iri = _key_names(key, vocab)
                        emit(
                            unknown,
                            ctx,
                            prefix,
                            prefix_iri,
                            key,
                            type_name=type_name,
                            key=short_key,
                            iri=key_iri,
                        )
                        if cls is list or cls is dict:
                            below(value, ctx, (*prefix, short_key), (*prefix_iri, key_iri), depth)
                    continue
                fn = props[short]
                fn(value, ctx, prefix, prefix_iri, depth)
            if only_json:
                return
            for key, meta in required:
                v = node.get(key)
                if v is None:
                    v = node.get(vocab + key)
                if v is None or (isinstance(v, list) and all(x is None for x in v)):  # [] too
                    emit(meta, ctx, prefix, prefix_iri, type_name=type_name)
            for nr in node_rules:
                self._node_rule(nr, node, ctx, prefix, prefix_iri, type_name)

        check.type_name = type_name  # type: ignore[attr-defined]
        return check

    def _compile_str_checks(
        self, pp: PropPlan
    ) -> Callable[[str, _Ctx, tuple[str, ...], tuple[str, ...]], None]:
        """The check of one text (or IRI) value against the pattern, format, length and value checks of ``pp``."""
        emit = self._emit
        str_checks = [(c, self._re(c.pattern) if c.pattern else None) for c in pp.str_checks]
        patterns = [
            (c.meta, rx) for c, rx in str_checks if c.kind in ("pattern", "format") and rx is not None
        ]
        only_patterns = len(patterns) == len(str_checks)
        single_rx = patterns[0][1] if only_patterns and len(patterns) == 1 else None

        def check_str(text: str, ctx: _Ctx, prefix: tuple[str, ...], prefix_iri: tuple[str, ...]) -> None:
            if only_patterns:  # the usual case (an IRI's or identifier's format): no dispatch on kinds
                for meta, prx in patterns:
                    if prx.search(text) is None:
                        emit(meta, ctx, prefix, prefix_iri, text)
                return
            for c, rx in str_checks:
                if c.kind in ("pattern", "format"):
                    if rx is not None and rx.search(text) is None:
                        emit(c.meta, ctx, prefix, prefix_iri, text)
                elif c.kind == "orcid":
                    if rx is not None and rx.search(text) is not None and not orcid_checksum_ok(text):
                        emit(c.meta, ctx, prefix, prefix_iri, text)
                elif c.kind == "min-length":
                    if len(text) < (c.limit or 0):
                        emit(c.meta, ctx, prefix, prefix_iri, text)
                elif c.kind == "max-length":
                    if len(text) > (c.limit or 0):
                        emit(c.meta, ctx, prefix, prefix_iri, text)
                elif c.kind == "one-of" and c.values is not None and text not in c.values:
                    emit(c.meta, ctx, prefix, prefix_iri, text)

        check_str.single_rx = single_rx  # type: ignore[attr-defined]  # the one pattern, if only one
        return check_str

    def _compile_prop(self, pp: PropPlan) -> Callable[..., None]:
        """Compile the check of one property's values into a closure.

        Long on purpose (with its inner ``check``): it runs once per property value (260,000 calls for a
        DatasetVersion with 20,000 Files), so the ~20 compiled facts of the property are cell variables of
        one closure rather than attributes or arguments, and the fast paths (one text, one link, one
        embedded node) return before the general code. Measured (``benchmarks/bench_frame_cost.py``):
        one more Python frame per value costs +2 to 4 % of ``validate()`` there (loaded machine). The string
        checks are compiled apart (:meth:`_compile_str_checks`).
        """
        emit = self._emit
        kinds = pp.kinds
        str_ok = bool(kinds & {"string", "iri", "date", "datetime", "time"})
        iri_ok = "iri" in kinds
        link_ok = "link" in kinds
        emb_ok = "embedded" in kinds
        num_ok = "number" in kinds
        int_ok = "integer" in kinds
        single = pp.single
        unique = pp.unique
        lo_items, hi_items = pp.min_items, pp.max_items
        counts = pp.count_checks
        value_kind = pp.value_kind
        emb_types = frozenset(pp.embedded_types)
        only_json = self._only_json
        coercion = self._coercions.get(pp.key)
        coerce_id = coercion == "@id"
        date_coerced = bool(coercion and coercion.startswith(_XSD) and str_ok)

        str_checks = pp.str_checks
        check_str = self._compile_str_checks(pp)

        # one value passes every count check (the common case: the fast paths below rely on it)
        one_ok = (
            (lo_items is None or lo_items[0] <= 1)
            and (hi_items is None or hi_items[0] >= 1)
            and all((lo is None or lo <= 1) and (hi is None or hi >= 1) for lo, hi, _, _ in counts)
        )
        str_fast = one_ok and (only_json or str_ok)
        check_strs = bool(str_checks) and not only_json
        int_fast = one_ok and (only_json or ((num_ok or int_ok) and not date_coerced))
        link_fast = one_ok and link_ok and not only_json
        emb_fast = one_ok and emb_ok and not only_json
        link_verdict = self._link_verdict
        embedded = self._embedded
        # Thousands of nodes link to the same few targets (their repository, a content type, a unit):
        # the verdict depends on the target and the type hint only, so it is kept (cleared by each run)
        verdicts: dict[Any, Any] = {}
        self._run_caches.append(verdicts)
        emb_checkers: dict[str, Any] = {}  # embedded @type → its compiled check (None: not checked)
        emb_key, emb_iri = (pp.key,), (pp.iri,)

        def check(
            value: Any, ctx: _Ctx, prefix: tuple[str, ...], prefix_iri: tuple[str, ...], depth: int
        ) -> None:
            """One property's values (long on purpose: see :meth:`_compile_prop`)."""
            # Fast paths for the two values most nodes are made of (a text, one link): the same
            # verdicts as the general code below, without building a list of items first.
            cls = value.__class__
            if cls is list and len(value) == 1:  # one item in a list is that item (JSON-LD sees a set)
                first = value[0]
                if first is not None and first.__class__ is not list:
                    value, cls = first, first.__class__
            if cls is str:
                if str_fast:
                    if check_strs:
                        check_str(value, ctx, prefix, prefix_iri)
                    return
            elif cls is dict:
                vid = value.get("@id")
                if vid.__class__ is str:
                    if link_fast:
                        hint = value.get("@type")
                        k = vid if hint is None else (vid, hint) if hint.__class__ is str else None
                        verdict = verdicts.get(k, _UNSET) if k is not None else _UNSET
                        if verdict is _UNSET:
                            verdict = link_verdict(pp, vid, hint)
                            if k is not None:
                                verdicts[k] = verdict
                        if verdict is not None:
                            emit(verdict[0], ctx, prefix, prefix_iri, verdict[1])
                        if str_checks:
                            check_str(vid, ctx, prefix, prefix_iri)
                        return
                elif vid is None and emb_fast and "@value" not in value:
                    et = value.get("@type")
                    if et.__class__ is str and et in emb_types:
                        sub = emb_checkers.get(et, _UNSET)
                        if sub is _UNSET:
                            plan = self._plan_for(et)
                            sub = emb_checkers[et] = None if plan is None else self._checker(plan)
                        if sub is None or depth >= _MAX_DEPTH:  # (deep: reported by the general path)
                            embedded(pp, value, ctx, prefix, prefix_iri, depth)
                        elif prefix:
                            sub(value, ctx, (*prefix, pp.key), (*prefix_iri, pp.iri), depth + 1)
                        else:
                            sub(value, ctx, emb_key, emb_iri, depth + 1)
                        return
            elif cls is int and int_fast:
                return
            items = flat_values(value) if isinstance(value, list) else ([] if value is None else [value])
            n = len(items)
            if only_json:
                if unique is not None and n > 1:
                    self._duplicates(items, unique, ctx, prefix, prefix_iri)
                for v in items:
                    if emb_ok and isinstance(v, dict) and "@id" not in v:
                        self._embedded(pp, v, ctx, prefix, prefix_iri, depth)
                    elif link_ok and isinstance(v, dict) and "@id" not in v and "@value" not in v:
                        # a node described in place of a link: RDF cannot tell it from a link
                        # to a blank node (the shapes judge it so), only the JSON can
                        emit(value_kind, ctx, prefix, prefix_iri, v)
                return
            if n > 1:
                n = _distinct(items)  # RDF (and JSON-LD) see a set: repeated values count once
                if single is not None and n > 1:
                    emit(single, ctx, prefix, prefix_iri, n)
                if unique is not None:
                    self._duplicates(items, unique, ctx, prefix, prefix_iri)
            if n:
                if lo_items is not None and n < lo_items[0]:
                    emit(lo_items[1], ctx, prefix, prefix_iri, n)
                if hi_items is not None and n > hi_items[0]:
                    emit(hi_items[1], ctx, prefix, prefix_iri, n)
                for lo, hi, mlo, mhi in counts:
                    if lo is not None and n < lo:
                        emit(mlo, ctx, prefix, prefix_iri, n)
                    if hi is not None and n > hi:
                        emit(mhi, ctx, prefix, prefix_iri, n)
            for v in items:
                if isinstance(v, dict) and "@value" in v and "@id" not in v:
                    v = v["@value"]  # an expanded literal: check what it holds
                    if isinstance(v, (dict, list)):
                        emit(value_kind, ctx, prefix, prefix_iri, v)
                        continue
                if isinstance(v, str):
                    if not str_ok:
                        if link_ok and coerce_id and (_ABSOLUTE_IRI.match(v) or v.startswith("_:")):
                            # the JSON-LD context reads a string here as a link (RDF agrees)
                            self._link(pp, v, None, ctx, prefix, prefix_iri)
                        else:
                            emit(value_kind, ctx, prefix, prefix_iri, v)
                    if str_checks:  # RDF sees text (or an IRI) either way
                        check_str(v, ctx, prefix, prefix_iri)
                elif isinstance(v, dict):
                    vid = v.get("@id")
                    if vid is not None:
                        if not isinstance(vid, str):
                            emit(value_kind, ctx, prefix, prefix_iri, vid)
                            continue
                        if vid.startswith(KG_INSTANCE_NS):
                            self.saw_kg_ids = True
                        if link_ok:
                            self._link(pp, vid, v.get("@type"), ctx, prefix, prefix_iri)
                        elif not iri_ok:
                            emit(value_kind, ctx, prefix, prefix_iri, v)
                        if str_checks:
                            check_str(vid, ctx, prefix, prefix_iri)
                    elif "@value" in v or not emb_ok:
                        emit(value_kind, ctx, prefix, prefix_iri, v)
                        if link_ok and "@value" not in v:
                            self._inline_target(pp, v, ctx, prefix, prefix_iri, depth)
                        elif "@value" not in v:  # a node where text is expected: RDF still sees it
                            self._check_below(v, ctx, (*prefix, pp.key), (*prefix_iri, pp.iri), depth)
                    else:
                        et = v.get("@type")
                        if not (isinstance(et, str) and et in emb_types) and not (
                            isinstance(et, list) and emb_types & {x for x in et if isinstance(x, str)}
                        ):
                            emit(
                                pp.embedded_type,
                                ctx,
                                prefix,
                                prefix_iri,
                                _short_type(et) if et else "node without @type",
                            )
                        self._embedded(pp, v, ctx, prefix, prefix_iri, depth)
                elif date_coerced and isinstance(v, (bool, int, float)):
                    # the context types this key as a date, so RDF sees the number as a (bad) date text
                    if str_checks:
                        check_str(
                            lexical(v) if isinstance(v, (bool, int)) else _dbl(v), ctx, prefix, prefix_iri
                        )
                elif (
                    isinstance(v, bool)
                    or not isinstance(v, (int, float))
                    or not (num_ok or (int_ok and isinstance(v, int)))
                    or v != v
                    or v in (float("inf"), float("-inf"))
                ):
                    emit(value_kind, ctx, prefix, prefix_iri, v)

        # what the type's check may skip without calling this one (see _compile)
        check.str_noop = str_fast and not check_strs  # type: ignore[attr-defined]
        check.int_noop = int_fast  # type: ignore[attr-defined]
        check.link_noop = link_fast and not str_checks  # type: ignore[attr-defined]
        check.verdicts = verdicts  # type: ignore[attr-defined]
        rx1 = check_str.single_rx  # type: ignore[attr-defined]
        check.str_rx = rx1 if str_fast and check_strs else None  # type: ignore[attr-defined]
        check.emb = (emb_checkers, pp.key, emb_key, pp.iri, emb_iri) if emb_fast else None  # type: ignore[attr-defined]
        return check

    def _re(self, pattern: str) -> re.Pattern[str]:
        rx = self._regex.get(pattern)
        if rx is None:
            rx = self._regex[pattern] = re.compile(pattern)
        return rx

    # -- values -----------------------------------------------------------------------------------
    def _embedded(
        self,
        pp: PropPlan,
        v: dict[str, Any],
        ctx: _Ctx,
        prefix: tuple[str, ...],
        prefix_iri: tuple[str, ...],
        depth: int,
    ) -> None:
        t = v.get("@type")
        checker = self._by_type.get(t, _UNSET) if t.__class__ is str else _UNSET
        if checker is _UNSET:
            plans = self._plans_for(t)
            checker = None if not plans else self._checker(plans[0])
            if t.__class__ is str:
                self._by_type[t] = checker
            elif len(plans) > 1:  # several openMINDS types: checked as each (as in RDF)
                checker = self._all_checkers(plans)
        if checker is None:  # of no openMINDS type: what it holds may be
            self._check_below(v, ctx, (*prefix, pp.key), (*prefix_iri, pp.iri), depth)
            return
        if depth >= _MAX_DEPTH:
            self._emit(
                self.plan.metas["check-not-run"],
                ctx,
                prefix,
                prefix_iri,
                expected=f"embedded nodes nested deeper than {_MAX_DEPTH} levels were not checked",
                key=pp.key,
                iri=pp.iri,
            )
            return
        checker(v, ctx, (*prefix, pp.key), (*prefix_iri, pp.iri), depth + 1)

    def _check_below(
        self, value: Any, ctx: _Ctx, prefix: tuple[str, ...], prefix_iri: tuple[str, ...], depth: int
    ) -> None:
        """The embedded nodes in a value no property's check looks into (that of a property the type does
        not have): RDF still sees nodes of their types there, and the shapes check them wherever they
        are, so they are checked as nodes of their type, at their path. Untyped ones are looked into."""
        if depth >= _MAX_DEPTH:
            return
        for v in _items(value):
            if v.__class__ is not dict or "@value" in v or "@id" in v:
                continue  # a literal, a link, or a node of its own (checked as such, not as embedded)
            if id(v) in self._below:
                continue  # looked into already (a Python dict may hold itself, or appear twice)
            self._below.add(id(v))
            plans = self._plans_for(v.get("@type"))
            if plans:
                for plan in plans:
                    self._checker(plan)(v, ctx, prefix, prefix_iri, depth + 1)
            else:
                self._check_props_below(v, ctx, prefix, prefix_iri, depth + 1)

    def _check_props_below(
        self,
        node: dict[Any, Any],
        ctx: _Ctx,
        prefix: tuple[str, ...],
        prefix_iri: tuple[str, ...],
        depth: int,
    ) -> None:
        """:meth:`_check_below` for the values of every property of a node no type's check looks into."""
        for k, x in node.items():
            if k.__class__ is str and k and k[0] != "@" and x.__class__ in (list, dict):
                short_key, k_iri = _key_names(k, self.vocab)
                self._check_below(x, ctx, (*prefix, short_key), (*prefix_iri, k_iri), depth)

    def _inline_target(
        self,
        pp: PropPlan,
        v: dict[str, Any],
        ctx: _Ctx,
        prefix: tuple[str, ...],
        prefix_iri: tuple[str, ...],
        depth: int,
    ) -> None:
        """A node described in place of a link (value-kind): RDF sees a link to a blank node, so it is
        judged as a link target by its types and checked as a node of its type, as the shapes do."""
        types = _types_of(v.get("@type"), strict=True)
        if not types:
            self._emit(pp.missing_link, ctx, prefix, prefix_iri, "a node without @id and @type")
        elif not (types & set(pp.link_types)):
            self._emit(pp.link_type, ctx, prefix, prefix_iri, _short_type(sorted(types)[0]))
        self._embedded(pp, v, ctx, prefix, prefix_iri, depth)

    def _link(
        self,
        pp: PropPlan,
        target_id: str,
        hint: Any,
        ctx: _Ctx,
        prefix: tuple[str, ...],
        prefix_iri: tuple[str, ...],
    ) -> None:
        # Thousands of nodes link to the same few targets (their repository, a content type, a unit):
        # the verdict depends on the property, the target and the type hint only, so it is kept.
        key = (id(pp), target_id, hint) if hint is None or hint.__class__ is str else None
        verdict = self._link_verdicts.get(key, _UNSET) if key is not None else _UNSET
        if verdict is _UNSET:
            verdict = self._link_verdict(pp, target_id, hint)
            if key is not None:
                self._link_verdicts[key] = verdict
        if verdict is not None:
            self._emit(verdict[0], ctx, prefix, prefix_iri, verdict[1])

    def _link_verdict(self, pp: PropPlan, target_id: str, hint: Any) -> tuple[Meta | None, Any] | None:
        """What is wrong with a link to ``target_id`` through ``pp`` (the issue's meta and value), or None."""
        if target_id.startswith(KG_INSTANCE_NS):  # every link target passes here once per run
            self.saw_kg_ids = True
        target = self._nodes.get(target_id)
        ttypes = (
            _types_of(target.get("@type"), strict=True) if isinstance(target, dict) else set()
        ) | _types_of(hint)
        if target is None:
            # a typed link stub anywhere in the graph says what its target is, for every link to it
            # (RDF reads {"@id": x, "@type": T} as the triple "x a T", as the shapes do)
            self._stubs_consulted.add(target_id)
            ttypes |= self._stub_index.get(target_id, set())
        if target is None and hint is not None and not target_id.startswith("_:"):
            self._stub_types(target_id, hint, ttypes)
        if target_id.startswith(self.instance_ns):
            # a library instance (controlled term, licence, ...): its kind comes from the library
            if not ttypes:
                t = self._term_type(target_id)
                if t is None:
                    return pp.unknown_term, target_id
                ttypes = {t}
            if not (ttypes & set(pp.link_types)):
                return pp.term_kind, f"{target_id} (a {_short_type(sorted(ttypes)[0])})"
            return None
        if not ttypes:  # not in the graph (or only a stub without @type)
            return pp.missing_link, target_id
        if not (ttypes & set(pp.link_types)):
            return pp.link_type, _short_type(sorted(ttypes)[0])
        return None

    def _gather_stubs(self, value: Any) -> None:
        """Add the typed stubs in ``value`` (a list or a dict of more than one key) to the run's stubs."""
        if not self._stubs_complete:
            self._note_grown(_walk_stubs([value], self._stub_index, self._walked))

    def _gather_node_stubs(self, node: Any) -> None:
        """Add the typed stubs in the values of a top-level node to the run's stubs."""
        if not self._stubs_complete and isinstance(node, dict):
            self._note_grown(_walk_stubs(_node_values(node), self._stub_index, self._walked))

    def _note_grown(self, grown: list[str]) -> None:
        consulted = self._stubs_consulted
        if consulted and any(vid in consulted for vid in grown):
            self._stubs_stale = True  # a verdict already given did not know this stub: run again

    def _stub_types(self, target_id: str, hint: Any, all_types: set[str]) -> None:
        """A typed link stub says its target has these types (as RDF does): unknown-type when none of
        the types every stub of the graph gives the target (``all_types``, their union, as RDF merges
        them) is an openMINDS type."""
        types = _types_of(hint, strict=True)
        if types and not self._plans_for(sorted(all_types)) and target_id not in self._stubs_reported:
            self._stubs_reported.add(target_id)
            first = hint if isinstance(hint, str) else next(x for x in hint if isinstance(x, str) and x)
            meta = self.plan.metas["unknown-type"]
            self._emit(meta, _Ctx(target_id, None, None), (), (), first, expected=self.plan.version)

    def _plans_for(self, t: Any) -> list[TypePlan]:
        """The plans of every openMINDS type of an @type value, in order."""
        if isinstance(t, str):
            t = [t]
        if not isinstance(t, list):
            return []
        plans = [self.plan.type_plan(x) for x in dict.fromkeys(x for x in t if isinstance(x, str))]
        return [p for p in plans if p is not None]

    def _all_checkers(self, plans: list[TypePlan]) -> Callable[..., None]:
        checkers = [self._checker(p) for p in plans]

        def check_all(*args: Any) -> None:
            for c in checkers:
                c(*args)

        return check_all

    def _term_type(self, iri: str) -> str | None:
        if iri not in self._term_types:
            term = term_by_iri(iri, self.plan.version)
            t = getattr(term, "type_", None) if term is not None else None
            self._term_types[iri] = t if isinstance(t, str) else None
        return self._term_types[iri]

    def _duplicates(
        self, items: list[Any], meta: Meta, ctx: _Ctx, prefix: tuple[str, ...], prefix_iri: tuple[str, ...]
    ) -> None:
        seen: set[Any] = set()
        reported: set[Any] = set()
        for v in items:
            if isinstance(v, dict):
                k = v.get("@id")
                if not isinstance(k, str):
                    continue  # embedded nodes are distinct blank nodes, never duplicates
                k = ("@id", k)
            elif isinstance(v, (str, int, float)):
                k = ("lit", lexical(v), type(v) is bool)
            else:
                continue
            if k in seen and k not in reported:
                reported.add(k)
                self._emit(meta, ctx, prefix, prefix_iri, k[1])
            seen.add(k)

    # -- profile node rules -----------------------------------------------------------------------
    def _node_rule(
        self,
        nr: NodeRule,
        node: dict[str, Any],
        ctx: _Ctx,
        prefix: tuple[str, ...],
        prefix_iri: tuple[str, ...],
        type_name: str,
    ) -> None:
        node_id = None if prefix else ctx.node_id
        if prefix and (nr.req.kind == "linked" or any(t.kind == "linked" for t in nr.tests)):
            return  # embedded nodes cannot be link targets
        for t in nr.tests:
            if not self._test(t, node, node_id):
                return
        ok, bad = self._req(nr.req, node, node_id)
        if ok:
            return
        if bad:
            for value in dict.fromkeys(bad):
                self._emit(nr.meta, ctx, prefix, prefix_iri, value, type_name=type_name)
        else:
            self._emit(nr.meta, ctx, prefix, prefix_iri, type_name=type_name)

    def _get(self, node: dict[str, Any], key: str) -> Any:
        v = node.get(key)
        return node.get(self.vocab + key) if v is None else v


def _stub_index(nodes: Mapping[str, Any]) -> dict[str, set[str]]:
    """@id -> the types that typed link stubs ``{"@id", "@type"}`` anywhere in the nodes give it."""
    out: dict[str, set[str]] = {}
    seen: set[int] = set()
    for n in nodes.values():
        if isinstance(n, dict):
            _walk_stubs(_node_values(n), out, seen)
    return out


def _key_names(key: str, vocab: str) -> tuple[str, str]:
    """A property key as a path shows it (short under the vocabulary) and as its full IRI."""
    return (key[len(vocab) :] if key.startswith(vocab) else key), (key if ":" in key else vocab + key)


def _node_values(node: dict[Any, Any]) -> list[Any]:
    """The values of a node that can hold a typed stub: lists, and dicts of more than one key (a bare
    link ``{"@id": x}`` is neither a stub nor holds one), under keys that are not JSON-LD keywords."""
    return [
        v
        for k, v in node.items()
        if (v.__class__ is list or (v.__class__ is dict and len(v) > 1))
        and not (k.__class__ is str and k[:1] == "@")
    ]


def _walk_stubs(roots: list[Any], out: dict[str, set[str]], seen: set[int]) -> list[str]:
    """Add the typed stubs found in ``roots`` (and below, to ``_MAX_DEPTH`` levels) to ``out``; returns
    the @ids that got a type they did not have. ``seen``: the ids of the lists and dicts walked before
    (each is walked once: a Python dict may hold itself). Dense on purpose: it may see every value."""
    grown: list[str] = []
    level, depth = roots, 1
    while level and depth <= _MAX_DEPTH:
        nxt: list[Any] = []
        push = nxt.append
        for value in level:
            if id(value) in seen:
                continue
            seen.add(id(value))
            if value.__class__ is list:
                for v in value:
                    c = v.__class__
                    if c is list or (c is dict and len(v) > 1):
                        push(v)
                continue
            if "@type" in value:
                vid = value.get("@id")
                if vid.__class__ is str:
                    types = _types_of(value["@type"], strict=True)
                    known = out.get(vid)
                    if known is None:
                        out[vid] = types
                        if types:
                            grown.append(vid)
                    elif not types <= known:
                        known |= types
                        grown.append(vid)
            for k, v in value.items():
                c = v.__class__
                if (c is list or (c is dict and len(v) > 1)) and not (k.__class__ is str and k[:1] == "@"):
                    push(v)
        level, depth = nxt, depth + 1
    return grown


@cache
def _coercions(version: OpenMINDSVersion) -> dict[str, str | None]:
    """Key -> JSON-LD type coercion of the shipped context (what the RDF view does with a value)."""
    try:
        from ..graph.context import key_rules

        return {k: r.coercion for k, r in key_rules(version).items()}
    except Exception:
        return {}


def _dbl(v: float) -> str:
    from ..graph.rdf import _canonical_double

    return _canonical_double(v)


def split_key(key: str) -> tuple[str, ...]:
    """Path elements of a report key ("custodian.contactInformation.email"); IRIs stay whole."""
    return (key,) if ":" in key or "/" in key else tuple(key.split("."))


def _number_fits(v: float, num_ok: bool, int_ok: bool) -> bool:
    if v != v or v in (float("inf"), float("-inf")):
        return False  # NaN and infinities are not JSON numbers
    return num_ok or (int_ok and isinstance(v, int))


def _value_key(obj: Any, vid: str | None) -> Any:
    """How values are told apart when counting: links by @id, literals by text and kind; None: always distinct."""
    if vid is not None:
        return ("@id", vid)
    if isinstance(obj, (str, int, float)):
        return (type(obj) is bool, type(obj) is str, lexical(obj))
    return None  # embedded nodes (and malformed links) all differ


def _count_distinct(keys: Iterable[Any]) -> int:
    seen: set[Any] = set()
    n = 0
    for k in keys:
        if k is None or k not in seen:
            n += 1
            if k is not None:
                seen.add(k)
    return n


def _distinct(items: list[Any]) -> int:
    """Number of different values (links by @id, literals by text and kind; embedded nodes all differ)."""

    def link_id(v: Any) -> str | None:
        vid = v.get("@id") if isinstance(v, dict) else None
        return vid if isinstance(vid, str) else None

    return _count_distinct(_value_key(v, link_id(v)) for v in items)


def _lex(v: Any) -> str | None:
    """The text a value compares by: a link's @id, a literal's lexical form (None for embedded nodes)."""
    if isinstance(v, dict):
        vid = v.get("@id")
        return vid if isinstance(vid, str) else None
    if isinstance(v, (str, int, float)):
        return lexical(v)
    return None


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return () if value is None else (value,)


def _types_of(t: Any, strict: bool = False) -> set[str]:
    """The type IRIs of an @type value; ``strict``: nothing at all when the value is malformed."""
    if isinstance(t, str):
        return {t} if t else set()
    if isinstance(t, list):
        if strict and not all(isinstance(x, str) for x in t):
            return set()
        return {x for x in t if isinstance(x, str) and x}
    return set()


def flat_values(values: list[Any]) -> list[Any]:
    """The items of a property value as JSON-LD expansion sees them: nested lists flattened, nulls dropped."""
    if not any(v is None or isinstance(v, list) for v in values):
        return values
    out: list[Any] = []
    stack = [(values, 0)]
    while stack:
        lst, i = stack.pop()
        while i < len(lst):
            v = lst[i]
            i += 1
            if isinstance(v, list):
                if len(stack) < _MAX_DEPTH:
                    stack.append((lst, i))
                    lst, i = v, 0
                else:
                    out.append(v)  # nested too deeply: kept as a (wrong) value, so it is reported
            elif v is not None:
                out.append(v)
    return out


def _is_reference(node: dict[str, Any], node_id: str | None) -> bool:
    """A typed link stub: an IRI node with nothing but its @type (no property holds a value)."""
    if not isinstance(node_id, str) or node_id.startswith("_:") or "@type" not in node:
        return False
    # a plain loop, not any() over a generator: it runs once per node and usually stops at the first
    # property (a node with content), so the generator's set-up was most of its cost
    for k, v in node.items():
        if v is not None and k.__class__ is str and k and k[0] != "@" and _has_value(v):
            return False
    return True


def _has_value(value: Any) -> bool:
    if isinstance(value, list):
        return bool(flat_values(value))
    return value is not None


def _short_type(t: Any) -> str:
    if isinstance(t, list):
        t = next((x for x in t if isinstance(x, str)), "?")
    return str(t).rsplit("/", 1)[-1]


def _show(value: Any) -> Any:
    """What an issue shows as the offending value."""
    if isinstance(value, dict):
        vid = value.get("@id")
        if isinstance(vid, str):
            return vid
    return value
