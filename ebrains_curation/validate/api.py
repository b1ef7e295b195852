"""``validate()``: the one entry point over both engines and every profile."""

from __future__ import annotations

import datetime as _dt
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..graph.coerce import as_graph
from ..graph.model import MetadataGraph
from ..schemas.versions import OpenMINDSVersion, VersionLike, get_version
from .plan import Plan, build_plan
from .profiles import Profile, get_profile
from .report import Issue, ValidationReport, node_label
from .rules import format_message

__all__ = ["ENGINES", "to_graph", "validate"]

ENGINES = ("native", "shacl")


def validate(
    target: Any,
    profile: str | Path | Profile = "openminds",
    engine: str = "native",
    version: VersionLike = None,
    context: dict[str, Any] | None = None,
) -> ValidationReport:
    """Validate openMINDS metadata and return a :class:`ValidationReport` (never raises for bad metadata).

    ``target`` is a :class:`MetadataGraph`, openminds object(s), node dict(s), a JSON-LD
    document dict (with ``@graph``), or a path (file or folder; read with
    :func:`ebrains_curation.load`). ``profile`` is a built-in profile name
    (``draft``, ``openminds``, …; see :func:`list_profiles`), a path to a profile file, or a
    :class:`Profile`. ``engine`` is ``"native"`` (fast) or ``"shacl"`` (pyshacl on the RDF
    view; same rule ids). ``version`` defaults to the graph's own version, else v4.
    ``context`` is a JSON-like dict that profile rules may read (``{"context": "record.x"}``);
    ``context["today"]`` defaults to today's date (ISO), read here so validation itself
    never looks at the clock.

    >>> report = validate([{"@id": "_:p", "@type": "https://openminds.om-i.org/types/Person"}])
    >>> [i.rule_id for i in report.issues]
    ['required']
    """
    if engine not in ENGINES:
        raise ConfigurationError(f"Unknown validation engine {engine!r}: use one of {', '.join(ENGINES)}")
    prof = get_profile(profile)
    explicit = get_version(version) if version is not None else None  # decided here, once
    graph = as_graph(target, explicit)
    v = explicit or graph.version
    ctx = dict(context or {})
    ctx.setdefault("today", _dt.date.today().isoformat())
    plan = build_plan(v, prof, ctx)
    start = time.perf_counter()
    issues = list(_profile_issues(plan, prof, v))
    if engine == "native":
        from .native import NativeEngine

        issues.extend(NativeEngine(plan).run(graph.nodes, graph.sources))
    else:
        from .shacl import run_shacl

        issues.extend(run_shacl(graph, plan))
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


def to_graph(target: Any, version: VersionLike = None) -> MetadataGraph:
    """Deprecated alias of :func:`ebrains_curation.graph.coerce.as_graph` (the one "anything → graph")."""
    warnings.warn(
        "ebrains_curation.validate.api.to_graph is deprecated; use ebrains_curation.graph.as_graph",
        DeprecationWarning,
        stacklevel=2,
    )
    return as_graph(target, version)
