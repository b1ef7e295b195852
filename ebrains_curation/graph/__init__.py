"""The metadata graph and its readers and writers (JSON-LD, RDF) and version migration.

Readers, writers, RDF and migration are imported on first use, so importing the
model does not pull in pyld or rdflib.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .migrate import MigrationReport, migrate  # eager: the function must win over the submodule name
from .model import MetadataGraph, Node, is_embedded, is_link, iter_values

_LAZY = {  # name -> submodule
    "load": "readers",
    "loads": "readers",
    "load_kg_response": "readers",
    "detect_version": "readers",
    "to_jsonld": "writers",
    "dumps": "writers",
    "dump": "writers",
    "expand_node": "writers",
    "export_nodes": "writers",
    "to_rdflib": "rdf",
    "from_rdflib": "rdf",
    "as_graph": "coerce",
    "context_for": "context",
    "context_url": "context",
    "offline_loader": "documentloader",
    "pyld_options": "documentloader",
}

__all__ = [
    "MetadataGraph",
    "MigrationReport",
    "Node",
    "as_graph",
    "context_for",
    "context_url",
    "detect_version",
    "dump",
    "dumps",
    "expand_node",
    "export_nodes",
    "from_rdflib",
    "is_embedded",
    "is_link",
    "iter_values",
    "load",
    "load_kg_response",
    "loads",
    "migrate",
    "offline_loader",
    "pyld_options",
    "to_jsonld",
    "to_rdflib",
]


__getattr__, __dir__ = lazy_exports(__name__, {name: "." + module for name, module in _LAZY.items()}, __all__)
