"""The validate → submit seam: check metadata with the submission profile before writing it to the KG.

:func:`submit` (``ec.submit``; the CLI's ``kg submit``) validates the graph with the
``ebrains-submission`` profile first and refuses to write anything when the report has
errors, unless told to (``force=True``; ``--no-validate``): the curators would reject
that metadata anyway. The writing itself is :func:`ebrains_curation.kg.submission.submit`,
which knows nothing of validation (the ``kg`` layer never imports ``validate``).
"""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SubmissionRefused
from ..graph.model import MetadataGraph
from ..kg.submission import SubmissionResult
from ..kg.submission import submit as write
from ..validate.api import validate
from ..validate.profiles import Profile
from ..validate.report import ValidationReport
from .record import SubmissionRecord

if TYPE_CHECKING:
    from ..kg.client import KGClient

__all__ = ["SUBMISSION_PROFILE", "check_before_submit", "submit"]

#: the profile a graph must pass before it is written to the KG
SUBMISSION_PROFILE = "ebrains-submission"


def check_before_submit(
    graph: MetadataGraph,
    *,
    profile: str | Path | Profile = SUBMISSION_PROFILE,
    record: SubmissionRecord | None = None,
    engine: str = "native",
) -> ValidationReport:
    """The report :func:`submit` judges by: ``graph`` validated with ``profile`` and the submission record.

    The record (what the curation request asks beyond openMINDS) and today's date
    are the profile's context, as for :func:`ebrains_curation.readiness_checklist`.
    """
    context = {"record": (record or SubmissionRecord()).to_context()}
    return validate(graph, profile=profile, engine=engine, context=context)


def submit(
    graph: MetadataGraph,
    client: KGClient,
    space: str,
    *,
    force: bool = False,
    report: ValidationReport | None = None,
    profile: str | Path | Profile = SUBMISSION_PROFILE,
    record: SubmissionRecord | None = None,
    dry_run: bool = False,
    namespace: str | _uuid.UUID | None = None,
    workers: int = 4,
    progress: bool | None = None,
    stop_on_error: bool = False,
    on_node: Callable[[str, str], None] | None = None,
    **options: Any,
) -> SubmissionResult:
    """Validate ``graph`` with the submission profile, then submit it to ``space`` (safe to run again).

    Raises :class:`SubmissionRefused` (a :class:`~ebrains_curation.ValidationFailed`;
    ``exc.report`` is the report) and writes nothing when the report has errors,
    dry runs included, unless ``force=True``. Pass ``report`` to judge by a report you
    already have (no second validation); ``profile``/``record`` choose what
    :func:`check_before_submit` checks. The other arguments (and ``options``, e.g. the
    retry settings) go to :func:`ebrains_curation.kg.submission.submit`, which does the writing.
    """
    if isinstance(graph, MetadataGraph) and not force:
        report = report if report is not None else check_before_submit(graph, profile=profile, record=record)
        if report.errors:
            raise SubmissionRefused(report)
    return write(
        graph,
        client,
        space,
        dry_run=dry_run,
        namespace=namespace,
        workers=workers,
        progress=progress,
        stop_on_error=stop_on_error,
        on_node=on_node,
        **options,
    )
