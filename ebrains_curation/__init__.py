"""ebrains-curation: author, check and publish openMINDS metadata for the EBRAINS Knowledge Graph.

Quick start::

    import ebrains_curation as ec

    dsv = ec.build.dataset_version(short_name="demo", license="CC-BY-4.0", ...)
    graph = ec.MetadataGraph()
    graph.add(dsv)
    report = ec.validate(graph, profile="ebrains-submission")
    print(report)

The public API is what ``__all__`` lists. Names are imported lazily, so
``import ebrains_curation`` stays fast and imports no openMINDS version until one is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import functions_win_over_subpackages, lazy_exports
from .errors import (
    AuthError,
    ConfigurationError,
    CurationError,
    CurationWarning,
    DataProxyError,
    InventoryError,
    KGError,
    LoadError,
    MigrationError,
    OrderLostWarning,
    SchemaError,
    SerializationError,
    SubmissionRefused,
    UnknownTermError,
    UnknownVersionError,
    ValidationFailed,
)
from .schemas.versions import DEFAULT_VERSION, VERSIONS

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access)
_LAZY: dict[str, str] = {
    # schemas and terms
    "PropertySpec": "ebrains_curation.schemas.specs",
    "TypeSpec": "ebrains_curation.schemas.specs",
    "SchemaRegistry": "ebrains_curation.schemas.specs",
    "get_registry": "ebrains_curation.schemas.specs",
    "get_term": "ebrains_curation.schemas.terms",
    "term_iri": "ebrains_curation.schemas.terms",
    "iter_terms": "ebrains_curation.schemas.terms",
    # builders
    "Builder": "ebrains_curation.builders",
    "build": "ebrains_curation.builders",
    # graph, serialisation, migration
    "MetadataGraph": "ebrains_curation.graph.model",
    "load": "ebrains_curation.graph.readers",
    "loads": "ebrains_curation.graph.readers",
    "detect_version": "ebrains_curation.graph.readers",
    "dump": "ebrains_curation.graph.writers",
    "dumps": "ebrains_curation.graph.writers",
    "to_jsonld": "ebrains_curation.graph.writers",
    "to_rdflib": "ebrains_curation.graph.rdf",
    "from_rdflib": "ebrains_curation.graph.rdf",
    "migrate": "ebrains_curation.graph.migrate",
    "MigrationReport": "ebrains_curation.graph.migrate",
    # validation
    "validate": "ebrains_curation.validate.api",
    "Issue": "ebrains_curation.validate.report",
    "IssueGroup": "ebrains_curation.validate.report",
    "Severity": "ebrains_curation.validate.report",
    "ValidationReport": "ebrains_curation.validate.report",
    "Profile": "ebrains_curation.validate.profiles",
    "get_profile": "ebrains_curation.validate.profiles",
    "list_profiles": "ebrains_curation.validate.profiles",
    "shacl_shapes": "ebrains_curation.validate.shacl",
    # EBRAINS curation
    "SubmissionRecord": "ebrains_curation.curation.record",
    "readiness_checklist": "ebrains_curation.curation.checklist",
    "data_descriptor": "ebrains_curation.curation.descriptor",
    "to_datacite": "ebrains_curation.curation.datacite",
    # Knowledge Graph
    "KGClient": "ebrains_curation.kg.client",
    "submit": "ebrains_curation.curation.submission",
    "SandboxServer": "ebrains_curation.kg.sandbox",
    # files
    "inventory": "ebrains_curation.inventory.api",
    "InventoryResult": "ebrains_curation.inventory.api",
    # buckets (Data Proxy) and EBRAINS login
    "DataProxyClient": "ebrains_curation.dataproxy.client",
    "describe_bucket": "ebrains_curation.dataproxy.describe",
    "push": "ebrains_curation.curation.push",
    "plan_push": "ebrains_curation.curation.push",
    "UserLogin": "ebrains_curation.net.auth",
    "ClientCredentials": "ebrains_curation.net.auth",
    "default_provider": "ebrains_curation.net.auth",
    # pictures
    "render_graph": "ebrains_curation.render",
}

__all__ = sorted(
    [
        "AuthError",
        "ConfigurationError",
        "CurationError",
        "DataProxyError",
        "CurationWarning",
        "DEFAULT_VERSION",
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
        "VERSIONS",
        "ValidationFailed",
        "__version__",
        *_LAZY,
    ]
)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)

# ``validate`` and ``inventory`` are functions *and* sub-packages: the function keeps the name
# in any import order (``import ebrains_curation.validate.report`` does not rebind it).
functions_win_over_subpackages(__name__, ("validate", "inventory"))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only: every name of _LAZY (a test checks)
    from .builders import Builder, build
    from .curation.checklist import readiness_checklist
    from .curation.datacite import to_datacite
    from .curation.descriptor import data_descriptor
    from .curation.push import plan_push, push
    from .curation.record import SubmissionRecord
    from .curation.submission import submit
    from .dataproxy.client import DataProxyClient
    from .dataproxy.describe import describe_bucket
    from .graph.migrate import MigrationReport, migrate
    from .graph.model import MetadataGraph
    from .graph.rdf import from_rdflib, to_rdflib
    from .graph.readers import detect_version, load, loads
    from .graph.writers import dump, dumps, to_jsonld
    from .inventory.api import InventoryResult, inventory
    from .kg.client import KGClient
    from .kg.sandbox import SandboxServer
    from .net.auth import ClientCredentials, UserLogin, default_provider
    from .render import render_graph
    from .schemas.specs import PropertySpec, SchemaRegistry, TypeSpec, get_registry
    from .schemas.terms import get_term, iter_terms, term_iri
    from .validate.api import validate
    from .validate.profiles import Profile, get_profile, list_profiles
    from .validate.report import Issue, IssueGroup, Severity, ValidationReport
    from .validate.shacl import shacl_shapes
