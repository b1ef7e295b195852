"""openMINDS type specs, controlled terms and version namespaces (the bottom layer).

Nothing here imports an ``openminds`` version until a registry or term is first asked for.
"""

from .specs import VALUE_KINDS, PropertySpec, SchemaRegistry, TypeSpec, get_registry
from .terms import TermIndex, get_term, get_term_index, iter_terms, resolve_kind, term_by_iri, term_iri
from .versions import DEFAULT_VERSION, VERSIONS, OpenMINDSVersion, get_version, normalize_version

__all__ = [
    "DEFAULT_VERSION",
    "VALUE_KINDS",
    "VERSIONS",
    "OpenMINDSVersion",
    "PropertySpec",
    "SchemaRegistry",
    "TermIndex",
    "TypeSpec",
    "get_registry",
    "get_term",
    "get_term_index",
    "get_version",
    "iter_terms",
    "normalize_version",
    "resolve_kind",
    "term_by_iri",
    "term_iri",
]
