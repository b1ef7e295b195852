"""``validate()``: the one entry point over both engines and every profile."""

from __future__ import annotations

import datetime as _dt
import re
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..graph.coerce import as_graph
from ..graph.limits import over_value_limit
from ..graph.model import MetadataGraph
from ..schemas.versions import OpenMINDSVersion, VersionLike, get_version
from .kgterms import resolve_kg_terms, term_needs_kg_issues
from .plan import Plan, build_plan
from .profiles import Profile, get_profile
from .report import Issue, Severity, ValidationReport, node_label
from .rules import format_message

__all__ = ["ENGINES", "to_graph", "validate"]

ENGINES = ("native", "shacl", "shacl-turbo")


def validate(
    target: Any,
    profile: str | Path | Profile = "openminds",
    engine: str = "native",
    version: VersionLike = None,
    context: dict[str, Any] | None = None,
    kg: Any = None,
    backend: str | None = None,
) -> ValidationReport:
    """Validate openMINDS metadata and return a :class:`ValidationReport` (never raises for bad metadata).

    ``target`` is a :class:`MetadataGraph`, openminds object(s), node dict(s), a JSON-LD
    document dict (with ``@graph``), or a path (file or folder; read with
    :func:`ebrains_curation.load`). ``profile`` is a built-in profile name
    (``draft``, ``openminds``, …; see :func:`list_profiles`), a path to a profile file, or a
    :class:`Profile`. ``engine`` is ``"native"`` (fast), ``"shacl"`` (the exported SHACL
    shapes run by pyshacl on the RDF view; same rule ids) or ``"shacl-turbo"`` (the same shapes
    run by the optional pyshacl-turbo). ``version`` defaults to the graph's own version, else v4.
    ``context`` is a JSON-like dict that profile rules may read (``{"context": "record.x"}``);
    ``context["today"]`` defaults to today's date (ISO), read here so validation itself
    never looks at the clock. ``kg`` is an optional KG client: controlled terms given as KG
    ids (as in every record fetched from the KG) are then resolved to openMINDS IRIs and
    checked; without one, each such link is a ``term-needs-kg`` warning naming the KG id.
    ``backend`` chooses the SHACL engine of ``engine="shacl"``: ``"fast"`` (ours, the default),
    ``"pyshacl"`` (the reference) or ``"turbo"`` (pyshacl-turbo); they give the same findings.

    >>> report = validate([{"@id": "_:p", "@type": "https://openminds.om-i.org/types/Person"}])
    >>> [i.rule_id for i in report.issues]
    ['required']
    """
    if engine not in ENGINES:
        raise ConfigurationError(f"Unknown validation engine {engine!r}: use one of {', '.join(ENGINES)}")
    backend = _shacl_backend(engine, backend)
    prof = get_profile(profile)
    explicit = get_version(version) if version is not None else None  # decided here, once
    graph = as_graph(target, explicit)
    if engine in ("shacl", "shacl-turbo"):
        _check_shacl_size(graph, backend)
    if kg is not None:
        graph = resolve_kg_terms(graph, kg)
    v = explicit or graph.version
    ctx = dict(context or {})
    ctx.setdefault("today", _dt.date.today().isoformat())
    plan = build_plan(v, prof, ctx)
    start = time.perf_counter()
    issues = list(_profile_issues(plan, prof, v))
    issues.extend(_graph_issues(plan, graph, engine))
    kg_ids = True  # whether some link may point to a KG id (then unresolved KG-id terms are looked for)
    if engine == "native":
        from .native import NativeEngine

        native = NativeEngine(plan)
        issues.extend(native.run(graph.nodes, graph.sources))
        kg_ids = native.saw_kg_ids  # it saw every link target: no scan of the graph when none was a KG id
    else:
        from .shacl import run_shacl

        issues.extend(run_shacl(graph, plan, backend=backend))
    if kg_ids:
        issues = term_needs_kg_issues(graph, issues)
    return ValidationReport(
        issues=tuple(issues),
        engine=engine,
        profile=prof.name,
        version=v,
        nodes_checked=len(graph.nodes),
        sources=tuple(sorted(set(graph.sources.values()))),
        duration_s=time.perf_counter() - start,
        labels=_labels(graph, issues),
    )


def _shacl_backend(engine: str, backend: str | None) -> str:
    """The SHACL backend of ``engine`` ("shacl-turbo" is the shacl engine with the turbo backend)."""
    from .shacl import BACKENDS, DEFAULT_BACKEND

    if backend is None:
        return "turbo" if engine == "shacl-turbo" else DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ConfigurationError(f"Unknown SHACL backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if engine != "shacl" and (engine, backend) != ("shacl-turbo", "turbo"):
        raise ConfigurationError(
            f"A SHACL backend ({backend!r}) is chosen for engine='shacl' only, not {engine!r}"
        )
    return backend


def _labels(graph: MetadataGraph, issues: list[Issue]) -> dict[str, str]:
    """Names people recognise for the nodes with issues, so reports need not show bare @ids."""
    out: dict[str, str] = {}
    for i in issues:
        if i.node_id is not None and i.node_id not in out:
            label = node_label(graph.nodes.get(i.node_id))
            if label:
                out[i.node_id] = label
    return out


def _profile_issues(plan: Plan, prof: Profile, version: OpenMINDSVersion) -> Iterable[Issue]:
    """Info issues about the profile itself: wrong version, rules that do not apply."""
    meta = plan.metas.get("profile-version")
    if meta is not None and prof.versions and version not in prof.versions:
        exp = ", ".join(prof.versions)
        yield Issue(
            rule_id=meta.rule_id,
            severity=meta.severity,
            expected=exp,
            value=version,
            message=format_message(meta.template, expected=exp, value=version),
            hint=meta.hint,
        )
    meta = plan.metas.get("profile-not-applicable")
    if meta is not None:
        for note in plan.profile.notes:
            yield Issue(
                rule_id=meta.rule_id,
                severity=meta.severity,
                expected=note,
                message=format_message(meta.template, expected=note),
                hint=meta.hint,
            )


# an absolute IRI (RFC 3987 scheme, then no character RDF forbids in an IRI), or a blank node id
_IRI = re.compile(r'(?:[A-Za-z][A-Za-z0-9+.-]*:|_:)[^\s<>"{}|\\^`\x00-\x1f]*')


def _graph_issues(plan: Plan, graph: MetadataGraph, engine: str) -> Iterable[Issue]:
    """Checks of the graph itself, the same for both engines: no nodes at all; @ids that are not IRIs.

    An empty input used to *conform* to every profile, so a pipeline passed on metadata
    truncated to nothing; an @id that is not an IRI passed, then broke the Turtle writer.
    """
    meta = plan.metas.get("empty-metadata")
    if meta is not None and not graph.nodes:
        yield Issue(
            rule_id=meta.rule_id,
            severity=Severity(meta.severity),
            message=format_message(meta.template),
            hint=meta.hint,
            engine=engine,
        )
    meta = plan.metas.get("invalid-id")
    if meta is None:
        return
    try:  # the usual answer, every @id fine, found without a Python loop over the nodes
        if all(map(_IRI.fullmatch, graph.nodes)):
            return
    except TypeError:  # an @id that is not a string (looked at below)
        pass
    for node_id, node in graph.nodes.items():
        if isinstance(node_id, str) and not _IRI.fullmatch(node_id):
            yield Issue(
                rule_id=meta.rule_id,
                severity=Severity(meta.severity),
                message=format_message(meta.template, value=repr(node_id)),
                node_id=node_id,
                node_type=_type_name(node),
                value=node_id,
                hint=meta.hint,
                engine=engine,
                source=graph.sources.get(node_id),
            )


#: the SHACL engine with pyshacl over rdflib needs several ms per value: above this it runs for many
#: minutes (measured: 10,000 people, 40,000 values, 117 s; a 50,000-value list over 200 s)
SHACL_MAX_VALUES_ENV = "EBRAINS_CURATION_SHACL_MAX_VALUES"
DEFAULT_SHACL_MAX_VALUES = 100_000
#: the fast backend is linear, about 20 µs and 1 KB per value (measured: 50,000 Files, 10-25 s,
#: 465 MB at most on a loaded 2-core machine): the limit only keeps memory below a few GB
DEFAULT_SHACL_FAST_MAX_VALUES = 1_000_000


def _check_shacl_size(graph: MetadataGraph, backend: str = "pyshacl") -> None:
    """Refuse, with a clear message, a graph too big for the SHACL engine to check in reasonable time."""
    default = DEFAULT_SHACL_FAST_MAX_VALUES if backend == "fast" else DEFAULT_SHACL_MAX_VALUES
    limit = over_value_limit(graph, SHACL_MAX_VALUES_ENV, default)
    if limit is not None:
        raise ConfigurationError(
            f"The metadata hold more than {limit:,} values ({len(graph.nodes):,} nodes): the SHACL engine "
            "would take many minutes and gigabytes of memory for them. The native engine checks the same "
            f"rules in seconds: use engine='native' (--engine native), or raise the limit with "
            f"{SHACL_MAX_VALUES_ENV} (0 = no limit)"
        )


def _type_name(node: Any) -> str | None:
    t = node.get("@type") if isinstance(node, dict) else None
    return t if isinstance(t, str) else None


def to_graph(target: Any, version: VersionLike = None) -> MetadataGraph:
    """Deprecated alias of :func:`ebrains_curation.graph.coerce.as_graph` (the one "anything → graph")."""
    warnings.warn(
        "ebrains_curation.validate.api.to_graph is deprecated; use ebrains_curation.graph.as_graph",
        DeprecationWarning,
        stacklevel=2,
    )
    return as_graph(target, version)
