"""Finding research products in a graph and reading their (inherited) values.

A *version* (DatasetVersion, ModelVersion, SoftwareVersion) may leave out
fullName, description and authors/developers and inherit them from its
version-independent parent (Dataset, Model, Software). Everything in the
curation package reads values through :class:`Product`, which resolves that
inheritance once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError
from ..graph.labels import node_label
from ..graph.model import MetadataGraph, Node, iter_values
from ..schemas import term_by_iri

__all__ = ["KINDS", "Product", "find_products", "get_product", "label_of"]

#: version type -> (parent type, kind word, DataCite resourceTypeGeneral)
KINDS: dict[str, tuple[str, str, str]] = {
    "DatasetVersion": ("Dataset", "dataset", "Dataset"),
    "ModelVersion": ("Model", "model", "Model"),
    "SoftwareVersion": ("Software", "software", "Software"),
}

#: properties a version inherits from its parent when it has none of its own
INHERITED = ("fullName", "description", "author", "developer", "custodian", "howToCite", "homepage")


@dataclass
class Product:
    """One research product version and its parent, read from a :class:`MetadataGraph`."""

    graph: MetadataGraph
    node: Node
    parent: Node | None

    @property
    def id(self) -> str:
        """The @id of the version node."""
        return str(self.node["@id"])

    @property
    def type_name(self) -> str:
        """ "DatasetVersion", "ModelVersion" or "SoftwareVersion"."""
        return self.graph.type_name(self.node)

    @property
    def kind(self) -> str:
        """ "dataset", "model" or "software"."""
        return KINDS[self.type_name][1]

    @property
    def resource_type(self) -> str:
        """DataCite resourceTypeGeneral."""
        return KINDS[self.type_name][2]

    def own(self, key: str) -> Any:
        """The version's own value of ``key`` (None when absent or empty)."""
        value = self.node.get(key)
        return None if value in (None, "", []) else value

    def get(self, key: str) -> Any:
        """The version's value of ``key``, else the parent's (inheritance)."""
        value = self.own(key)
        if value is None and key in INHERITED and self.parent is not None:
            value = self.parent.get(key)
            value = None if value in (None, "", []) else value
        return value

    def values(self, key: str) -> list[Any]:
        """``get(key)`` as a list."""
        return list(iter_values(self.get(key)))

    def linked(self, key: str) -> list[Node | str]:
        """Nodes linked through ``key`` (inherited); an @id string for targets not in the graph."""
        out: list[Node | str] = []
        for v in self.values(key):
            if isinstance(v, dict) and "@id" in v:
                out.append(self.graph.nodes.get(v["@id"]) or v["@id"])
            elif isinstance(v, dict):
                out.append(v)
        return out

    def ids(self, key: str) -> list[str]:
        """The @ids linked through ``key`` (inherited)."""
        return [v["@id"] for v in self.values(key) if isinstance(v, dict) and "@id" in v]

    @property
    def title(self) -> str | None:
        """fullName (inherited), else shortName."""
        return self.get("fullName") or self.own("shortName") or (self.parent or {}).get("fullName")

    @property
    def creators(self) -> list[Node | str]:
        """Authors for a dataset; developers for models and software (authors as fallback)."""
        keys = ("author",) if self.kind == "dataset" else ("developer", "author")
        for key in keys:
            found = self.linked(key)
            if found:
                return found
        return []

    def other_versions(self) -> list[Node]:
        """The other versions of the same parent (and isNewVersionOf targets) that are in the graph."""
        out: list[Node] = []
        ids = [v["@id"] for v in iter_values((self.parent or {}).get("hasVersion")) if isinstance(v, dict)]
        ids += self.ids("isNewVersionOf")
        for nid in ids:
            node = self.graph.nodes.get(nid)
            if node is not None and nid != self.id and node not in out:
                out.append(node)
        return out


def find_products(graph: MetadataGraph) -> list[Product]:
    """Every DatasetVersion, ModelVersion and SoftwareVersion in the graph, with its parent."""
    parents: dict[str, Node] = {}
    for node in graph:
        if graph.type_name(node) in {p for p, _, _ in KINDS.values()}:
            for v in iter_values(node.get("hasVersion")):
                if isinstance(v, dict) and "@id" in v:
                    parents.setdefault(v["@id"], node)
    out = []
    for node in graph:
        if graph.type_name(node) in KINDS:
            parent = parents.get(node["@id"])
            if parent is None:  # v5: the version points at its parent
                for v in iter_values(node.get("isVersionOf")):
                    if isinstance(v, dict) and v.get("@id") in graph.nodes:
                        parent = graph.nodes[v["@id"]]
            out.append(Product(graph, node, parent))
    return out


def get_product(graph: MetadataGraph | Any, version_id: str | None = None) -> Product:
    """The product version ``version_id``, or the only one in the graph.

    ``graph`` may also be anything :func:`ebrains_curation.load` reads (a path, a JSON-LD dict).

    Raises ConfigurationError when there is none, or several and no id is given.
    """
    if not isinstance(graph, MetadataGraph):  # a path, a JSON-LD dict, openminds objects …
        from ..graph.readers import load

        graph = load(graph)
    products = find_products(graph)
    if version_id is not None:
        for p in products:
            if p.id == version_id:
                return p
        raise ConfigurationError(
            f"no DatasetVersion, ModelVersion or SoftwareVersion with @id {version_id!r} in the metadata"
        )
    if not products:
        raise ConfigurationError("the metadata holds no DatasetVersion, ModelVersion or SoftwareVersion")
    if len(products) > 1:
        # several: prefer the one no other version points at as its new version (the newest)
        older = {i for p in products for i in p.ids("isNewVersionOf")}
        newest = [p for p in products if p.id not in older]
        if len(newest) == 1:
            return newest[0]
        names = ", ".join(p.id for p in products)
        raise ConfigurationError(
            f"the metadata holds several product versions ({names}); choose one by its @id"
        )
    return products[0]


def label_of(graph: MetadataGraph, value: Any) -> str:
    """A human-readable label for a node, link or library term (name, fullName, @id)."""
    if isinstance(value, dict) and "@id" in value and len(value) <= 2:
        node = graph.nodes.get(value["@id"])
        if node is None:
            term = term_by_iri(value["@id"], graph.version)
            if term is not None:
                return str(getattr(term, "name", None) or getattr(term, "short_name", None) or value["@id"])
            return str(value["@id"]).rsplit("/", 1)[-1]
        value = node
    if isinstance(value, str):
        node = graph.nodes.get(value)
        if node is None:
            return label_of(graph, {"@id": value})
        value = node
    if not isinstance(value, dict):
        return str(value)
    return node_label(value) or str(value.get("@id", "?"))
