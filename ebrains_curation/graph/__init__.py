"""The metadata graph and its readers and writers (JSON-LD, RDF) and version migration."""

from .model import MetadataGraph, Node, is_embedded, is_link, iter_values

__all__ = ["MetadataGraph", "Node", "is_embedded", "is_link", "iter_values"]
