"""The EBRAINS Knowledge Graph: a thin API client, idempotent submission, and a local sandbox.

::

    from ebrains_curation.kg import KGClient, submit

    kg = KGClient.from_env()                          # token from KG_AUTH_TOKEN
    result = submit(graph, kg, "collab-my-project")   # safe to run again
    print(result.summary())
    docs = kg.get_many(result.ids.values(), stage="IN_PROGRESS").values()
    back = kg.to_graph(docs)                          # terms linked by openMINDS IRI: validates as usual

``ebrains_curation.kg.sandbox.SandboxServer`` (and :mod:`ebrains_curation.testing`)
run a local KG-compatible server to try this out or to test against.
Names are imported lazily so ``import ebrains_curation.kg`` stays cheap.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .errors import (
    KGAPIError,
    KGAuthenticationError,
    KGBadRequest,
    KGClientError,
    KGConfigurationError,
    KGConflict,
    KGConnectionError,
    KGError,
    KGNotFound,
    KGPermissionError,
    KGServerError,
    KGSubmissionError,
    KGUnavailable,
)

_LAZY = {
    "KGClient": "ebrains_curation.kg.client",
    "kg_iri": "ebrains_curation.kg.client",
    "kg_uuid": "ebrains_curation.kg.client",
    "Page": "ebrains_curation.kg.paging",
    "Query": "ebrains_curation.kg.query",
    "QueryField": "ebrains_curation.kg.query",
    "PageIterator": "ebrains_curation.kg.paging",
    "ClientCredentials": "ebrains_curation.kg.auth",
    "env_token": "ebrains_curation.kg.auth",
    "file_token": "ebrains_curation.kg.auth",
    "submit": "ebrains_curation.kg.submission",
    "plan_submission": "ebrains_curation.kg.submission",
    "submission_uuid": "ebrains_curation.kg.submission",
    "SubmissionResult": "ebrains_curation.kg.submission",
    "PlannedAction": "ebrains_curation.kg.submission",
    "SandboxServer": "ebrains_curation.kg.sandbox",
    "Faults": "ebrains_curation.kg.sandbox",
}

__all__ = [
    "ClientCredentials",
    "Faults",
    "KGAPIError",
    "KGAuthenticationError",
    "KGBadRequest",
    "KGClient",
    "KGClientError",
    "KGConfigurationError",
    "KGConflict",
    "KGConnectionError",
    "KGError",
    "KGNotFound",
    "KGPermissionError",
    "KGServerError",
    "KGSubmissionError",
    "KGUnavailable",
    "Page",
    "PageIterator",
    "PlannedAction",
    "Query",
    "QueryField",
    "SandboxServer",
    "SubmissionResult",
    "env_token",
    "file_token",
    "kg_iri",
    "kg_uuid",
    "plan_submission",
    "submission_uuid",
    "submit",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
