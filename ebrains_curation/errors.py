"""Exceptions raised by ebrains-curation.

Every exception the library raises on purpose derives from :class:`CurationError`,
so ``except ebrains_curation.CurationError`` catches them all::

    CurationError
    ├── ConfigurationError          bad arguments or settings, before any work is done
    │   ├── UnknownVersionError     an openMINDS version we do not know ("v6")
    │   └── AuthError               no usable EBRAINS login (no token, refused login, expired session)
    ├── SchemaError                 a type or property that openMINDS does not define
    ├── UnknownTermError            a controlled term name with no match (lists the closest)
    ├── LoadError                   a file or document that cannot be read (names file, node, property)
    ├── SerializationError          a graph that cannot be written in the requested form
    ├── MigrationError              a document that cannot be migrated between versions
    ├── ValidationFailed            raised by ``ValidationReport.raise_for_errors()``, and
    │   └── SubmissionRefused       by ``submit()`` when the metadata fails the submission profile
    ├── InventoryError              a data folder that cannot be inventoried
    ├── KGError                     anything to do with the Knowledge Graph API (see ``ebrains_curation.kg``)
    └── DataProxyError              a Data Proxy (bucket) request that failed, or an upload that does not verify

Invalid *metadata* is a validation result, never an exception: only
``raise_for_errors()`` turns a report into one, and ``submit()`` refuses to write it.

Warnings (Python ``warnings``) derive from :class:`CurationWarning`::

    CurationWarning
    └── OrderLostWarning            Turtle/N-Triples output cannot keep the order of an ordered property
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthError",
    "ConfigurationError",
    "CurationError",
    "CurationWarning",
    "DataProxyError",
    "InventoryError",
    "KGError",
    "LoadError",
    "MigrationError",
    "OrderLostWarning",
    "SchemaError",
    "SerializationError",
    "SubmissionRefused",
    "UnknownTermError",
    "UnknownVersionError",
    "ValidationFailed",
]


class CurationError(Exception):
    """Root of every exception raised by ebrains-curation."""


class ConfigurationError(CurationError, ValueError):
    """Bad arguments or settings, detected before any work is done."""


class UnknownVersionError(ConfigurationError):
    """An openMINDS version that is not supported."""


class AuthError(ConfigurationError):
    """No usable EBRAINS login: no token, a refused login, an expired session (never shows a token)."""


class SchemaError(CurationError, KeyError):
    """A type or property name that the chosen openMINDS version does not define."""

    def __str__(self) -> str:  # KeyError quotes its message; we want plain text
        return str(self.args[0]) if self.args else ""


class UnknownTermError(CurationError, LookupError):
    """A controlled term name that matches nothing; ``suggestions`` holds the closest names."""

    def __init__(self, message: str, *, kind: str = "", name: str = "", suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.suggestions = suggestions


class LoadError(CurationError, ValueError):
    """A file or document that cannot be loaded.

    ``source`` is the file (or "<document>"), ``node`` the @id and ``property``
    the key where the problem was found, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        node: str | None = None,
        property: str | None = None,
    ):
        self.message = message
        self.source = source
        self.node = node
        self.property = property
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source:
            where.append(f"in {self.source}")
        if self.node:
            where.append(f"node {self.node}")
        if self.property:
            where.append(f"property {self.property!r}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class SerializationError(CurationError):
    """A graph that cannot be written in the requested form."""


class MigrationError(CurationError):
    """A document that cannot be migrated between openMINDS versions."""


class ValidationFailed(CurationError):
    """Raised by ``ValidationReport.raise_for_errors()``; ``report`` holds the full report."""

    def __init__(self, report: Any):
        self.report = report
        super().__init__(str(getattr(report, "summary", lambda: "metadata does not conform")()))


class SubmissionRefused(ValidationFailed):
    """``submit()`` wrote nothing: the metadata has errors for the submission profile (see ``report``)."""

    def __init__(self, report: Any):
        self.report = report
        n = len(report.errors)
        CurationError.__init__(
            self,
            f"Nothing was submitted: the metadata has {n} error{'s' if n != 1 else ''} for the "
            f"'{report.profile}' profile, which the EBRAINS curators would ask you to fix. Fix them "
            "(see the report below), or submit anyway with force=True (command line: --no-validate).\n\n"
            + report.render("text"),
        )


class InventoryError(CurationError):
    """A data folder that cannot be inventoried at all (per-file problems are reported, not raised)."""


class KGError(CurationError):
    """Root of the Knowledge Graph client errors (see :mod:`ebrains_curation.kg.errors`)."""


class DataProxyError(CurationError):
    """A Data Proxy (EBRAINS bucket) request that failed, or an upload that does not verify.

    ``status`` is the HTTP status (None for a connection failure), ``method`` and
    ``url`` the request (temporary signed URLs are shown without their query string).
    """

    def __init__(self, message: str, *, status: int | None = None, method: str = "", url: str = ""):
        super().__init__(message)
        self.status = status
        self.method = method
        self.url = url


class CurationWarning(UserWarning):
    """Root of the warnings ebrains-curation issues (filter them all with this class)."""


class OrderLostWarning(CurationWarning):
    """RDF output (Turtle, N-Triples) cannot keep the order of an ordered property's values.

    RDF has no order of repeated values: authors, custodians, developers … come back
    sorted. JSON-LD output keeps the order; write JSON-LD where the order matters.
    """
