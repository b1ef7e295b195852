"""Node dicts for the inventory: FileRepository, FileBundle, File, Organization, in one openMINDS version.

Node @ids are stable and meaningful by default: a File's @id is its IRI (base
IRI + percent-encoded relative path), the FileRepository's the repository IRI, a
FileBundle's the repository IRI + folder path + "/" (so it never equals a
file's), and the nodes that have no address of their own (the hosting
Organization, a FileRepositoryStructure) get a ``urn:uuid:`` UUIDv5 of what
identifies them. None of them is a blank node, so they survive a save and a
reload unchanged (writers relabel blank nodes) and a re-run merges into a saved
graph without duplicates. With ``id_prefix`` every @id is a UUIDv5 behind that
prefix instead (e.g. KG-style ``https://kg.ebrains.eu/api/instances/…``).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..errors import ConfigurationError
from ..graph.model import MetadataGraph, Node
from ..schemas import get_registry, get_term, get_version
from ..schemas.versions import OpenMINDSVersion

__all__ = ["FileNodes", "NodeFactory"]

_URL_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")  # needs no percent-encoding
_NS = uuid.UUID("6f0c3b1e-5d7a-5b8e-9a3c-2e4f1d0b7c61").bytes  # the namespace of inventory ids

#: default host of a repository: the EBRAINS data infrastructure
EBRAINS = {"name": "EBRAINS", "homepage": "https://www.ebrains.eu"}


def _uuid5(text: str) -> str:
    # uuid.uuid5 without building UUID objects (called once per file)
    h = bytearray(hashlib.sha1(_NS + text.encode("utf-8")).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


class NodeFactory:
    """Builds the inventory's node dicts for one version, repository IRI and id prefix."""

    def __init__(self, version: OpenMINDSVersion, repository_iri: str, id_prefix: str | None = None):
        if not isinstance(repository_iri, str) or "://" not in repository_iri:
            raise ConfigurationError(
                f"The repository IRI must be an absolute address such as "
                f"'https://data-proxy.ebrains.eu/api/v1/buckets/my-bucket', got {repository_iri!r}"
            )
        self.version = version
        self.vocab = get_version(version).vocab
        reg = get_registry(version)
        self.t_file = reg.get("File").iri
        self.t_bundle = reg.get("FileBundle").iri
        self.t_repo = reg.get("FileRepository").iri
        self.t_hash = reg.get("Hash").iri
        self.t_qv = reg.get("QuantitativeValue").iri
        self.t_org = reg.get("Organization").iri
        self.byte = {"@id": str(get_term("UnitOfMeasurement", "byte", version).id)}
        self.repository_iri = repository_iri
        self.base = repository_iri.rstrip("/") + "/"
        self.id_prefix = id_prefix
        #: True when nodes with an address use it as their @id (the default)
        self.iri_ids = id_prefix is None
        self._mint_prefix = "urn:uuid:" if id_prefix is None else id_prefix
        self.repo_id = repository_iri if self.iri_ids else self.mint("repository", repository_iri)

    def mint(self, kind: str, key: str) -> str:
        """A deterministic @id for a node of ``kind`` identified by ``key`` (UUIDv5 behind the id prefix)."""
        return self._mint_prefix + _uuid5(f"{kind}\n{key}")

    def file_id(self, iri: str) -> str:
        """The @id of the File whose IRI is ``iri``."""
        return iri if self.iri_ids else self.mint("file", iri)

    def bundle_id(self, rel: str) -> str:
        """The @id of the FileBundle of folder ``rel`` (ends with "/": never a file's @id)."""
        iri = self.iri(rel, folder=True)
        return iri if self.iri_ids else self.mint("bundle", iri)

    def iri(self, rel: str, folder: bool = False) -> str:
        """The IRI of a file (or folder) given its POSIX path relative to the root."""
        path = rel if _URL_SAFE.fullmatch(rel) else quote(rel, safe="/")
        return self.base + path + ("/" if folder else "")

    def size(self, n: int) -> dict[str, Any]:
        """An embedded QuantitativeValue of ``n`` bytes."""
        return {"@type": self.t_qv, "unit": dict(self.byte), "value": n}

    # -- nodes -----------------------------------------------------------------------------------
    def repository(self, name: str, hosted_by: str, type_iri: str | None, structure: str | None) -> Node:
        node: Node = {
            "@id": self.repo_id,
            "@type": self.t_repo,
            "IRI": self.repository_iri,
            "name": name,
            "hostedBy": {"@id": hosted_by},
        }
        if type_iri:
            node["type"] = {"@id": type_iri}
        if structure:
            node["structurePattern"] = {"@id": structure}
        return node

    def bundle(self, rel: str, parent_id: str | None) -> Node:
        return {
            "@id": self.bundle_id(rel),
            "@type": self.t_bundle,
            "isPartOf": {"@id": parent_id or self.repo_id},
            "name": rel.rsplit("/", 1)[-1],
        }

    def file(
        self,
        rel: str,
        size: int,
        algorithms: tuple[str, ...],
        digests: tuple[str, ...],
        bundle_id: str | None,
        format_iri: str | None,
        role_iri: str | None,
    ) -> Node:
        iri = self.iri(rel)
        t_hash = self.t_hash
        node: Node = {
            "@id": self.file_id(iri),
            "@type": self.t_file,
            "IRI": iri,
            "fileRepository": {"@id": self.repo_id},
            "hash": [
                {"@type": t_hash, "algorithm": a, "digest": d}
                for a, d in zip(algorithms, digests, strict=True)
            ],
            "name": rel.rsplit("/", 1)[-1],
            "storageSize": {"@type": self.t_qv, "unit": {"@id": self.byte["@id"]}, "value": size},
        }
        if format_iri:
            node["format"] = {"@id": format_iri}
        if bundle_id:
            node["isPartOf"] = [{"@id": bundle_id}]
        if role_iri:
            node["specialUsageRole"] = {"@id": role_iri}
        return node

    # -- the host --------------------------------------------------------------------------------
    def organization(self, hosted_by: Any, graph: MetadataGraph) -> str:
        """Add the hosting Organization to ``graph`` (when given as a name, dict or object); return its @id.

        ``None`` means EBRAINS; a string with ``://`` (or a ``_:`` id) links to an
        existing node; another string is the organisation's full name.
        """
        if hosted_by is None:
            return graph.add_node(self._org_node(EBRAINS["name"], EBRAINS["homepage"]))
        if isinstance(hosted_by, str):
            text = hosted_by.strip()
            if not text:
                raise ConfigurationError("hosted_by must name the organisation that hosts the files")
            if "://" in text or text.startswith(("_:", "urn:")):
                return text
            return graph.add_node(self._org_node(text, None))
        if isinstance(hosted_by, Mapping):
            node = dict(hosted_by)
            node.setdefault("@type", self.t_org)
            if "@id" not in node:
                label = str(node.get("fullName") or node.get("name") or sorted(node.items()))
                node["@id"] = self.mint("organization", label)
            return graph.add_node(node)
        ids = graph.add(hosted_by)  # an openminds Organization object
        return ids[0]

    def _org_node(self, name: str, homepage: str | None) -> Node:
        node: Node = {"@id": self.mint("organization", name), "@type": self.t_org}
        if self.version in (OpenMINDSVersion.V3, OpenMINDSVersion.V4):
            node["fullName"] = name
            if name == "EBRAINS":
                node["shortName"] = name
        else:
            node["name"] = name
            if name == "EBRAINS":  # v5 requires where the organisation was founded and its type
                node["acronym"] = name
                node["countryOfFormation"] = {
                    "@id": str(get_term("SovereignState", "Belgium", self.version).id)
                }
                node["type"] = {"@id": str(get_term("OrganizationType", "legal entity", self.version).id)}
        if homepage:
            node["homepage"] = homepage
        return node


class FileNodes:
    """Builds File node dicts cheaply, hundreds of thousands per run.

    Everything that does not depend on the file is made once: the type IRIs,
    the ``fileRepository`` and unit link dicts (shared by all File nodes of the
    run), and per folder the percent-encoded IRI prefix and the ``isPartOf``
    link. Format and role link dicts come shared from the caller. Nodes equal
    those of :meth:`NodeFactory.file`.
    """

    def __init__(self, factory: NodeFactory, algorithms: tuple[str, ...]):
        self.factory = factory
        self.algorithms = algorithms
        self.t_file = factory.t_file
        self.t_hash = factory.t_hash
        self.t_qv = factory.t_qv
        self.unit = {"@id": factory.byte["@id"]}
        self.repo_link = {"@id": factory.repo_id}
        self.prefix = factory.base
        self.part: dict[str, str] | None = None

    def folder(self, rel: str, bundle_id: str | None) -> None:
        """Switch to the files of folder ``rel`` ("" for the root), part of bundle ``bundle_id``."""
        self.prefix = self.factory.iri(rel, folder=True) if rel else self.factory.base
        self.part = {"@id": bundle_id} if bundle_id else None

    def build(
        self,
        name: str,
        size: int,
        digests: tuple[str, ...],
        format_link: dict[str, str] | None,
        role_link: dict[str, str] | None,
    ) -> Node:
        """The File node of ``name`` in the current folder."""
        iri = self.prefix + (name if _URL_SAFE.fullmatch(name) else quote(name, safe="/"))
        algorithms = self.algorithms
        t_hash = self.t_hash
        if len(algorithms) == 1:
            hashes = [{"@type": t_hash, "algorithm": algorithms[0], "digest": digests[0]}]
        else:
            hashes = [
                {"@type": t_hash, "algorithm": a, "digest": d}
                for a, d in zip(algorithms, digests, strict=True)
            ]
        node: Node = {
            "@id": iri if self.factory.iri_ids else self.factory.mint("file", iri),
            "@type": self.t_file,
            "IRI": iri,
            "fileRepository": self.repo_link,
            "hash": hashes,
            "name": name,
            "storageSize": {"@type": self.t_qv, "unit": self.unit, "value": size},
        }
        if format_link is not None:
            node["format"] = format_link
        if self.part is not None:
            node["isPartOf"] = [self.part]
        if role_link is not None:
            node["specialUsageRole"] = role_link
        return node


def structure_node(factory: NodeFactory, patterns: Mapping[str, str | list[str]], label: str) -> Node:
    """A FileRepositoryStructure node from ``{regex: grouping type name(s)}``."""
    reg = get_registry(factory.version)
    t_struct = reg.get("FileRepositoryStructure").iri
    t_pat = reg.get("FilePathPattern").iri
    pats = []
    for regex, groupings in patterns.items():
        names = [groupings] if isinstance(groupings, str) else list(groupings)
        pats.append(
            {
                "@type": t_pat,
                "regex": regex,
                "groupingType": [
                    {"@id": str(get_term("FileBundleGrouping", g, factory.version).id)} for g in names
                ],
            }
        )
    return {
        "@id": factory.mint("structure", factory.repository_iri),
        "@type": t_struct,
        "filePathPattern": pats,
        "lookupLabel": label,
    }


def root_name(root: str) -> str:
    """A default repository name: the folder's own name."""
    name = os.path.basename(os.path.abspath(root).rstrip(os.sep)) or "data"
    return os.fsencode(name).decode("utf-8", "replace")  # a folder name that is not UTF-8 must not break JSON
