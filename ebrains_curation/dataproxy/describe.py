"""Describe a bucket as openMINDS metadata from its listing alone (no download): FileRepository + Files.

"If the data are already uploaded, we link to the existing repository": each
object becomes a File with its name, IRI (the object's Data Proxy URL,
percent-encoded), storage size, MD5 hash (when the listing's hash is a content
MD5: not for multipart or segmented objects) and content type (when the listing's
MIME type is an openMINDS ContentType other than the generic octet-stream).

The @ids follow the inventory's conventions (a File's @id is its IRI, the
FileRepository's the bucket IRI, the EBRAINS Organization a ``urn:uuid:``
UUIDv5), so a description merges with an inventory of the same files.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

from ..graph.model import MetadataGraph, Node
from ..schemas import get_registry, get_term, get_version, iter_terms
from ..schemas.versions import OpenMINDSVersion
from .client import DataProxyClient, RemoteObject

__all__ = ["BucketDescription", "describe_bucket", "describe_listing"]

# the namespace and key of the inventory's UUIDv5 ids (ebrains_curation.inventory.nodes), so both agree
_NS = bytes.fromhex("6f0c3b1e5d7a5b8e9a3c2e4f1d0b7c61")
_URL_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")  # needs no percent-encoding
_HEX = frozenset("0123456789abcdef")
_GENERIC = {"application/octet-stream", "binary/octet-stream", ""}


def _uuid5(text: str) -> str:
    h = bytearray(hashlib.sha1(_NS + text.encode("utf-8")).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"urn:uuid:{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


@cache
def _content_types(version: str) -> dict[str, str]:
    """MIME name → ContentType IRI of a version's library."""
    return {str(t.name).lower(): str(t.id) for t in iter_terms(version, ["ContentType"])}


def _ebrains(version: str) -> Node:
    reg = get_registry(version)
    node: Node = {"@id": _uuid5("organization\nEBRAINS"), "@type": reg.get("Organization").iri}
    if version in (OpenMINDSVersion.V3, OpenMINDSVersion.V4):
        node.update(fullName="EBRAINS", shortName="EBRAINS")
    else:
        node.update(name="EBRAINS", acronym="EBRAINS")
        node["countryOfFormation"] = {"@id": str(get_term("SovereignState", "Belgium", version).id)}
        node["type"] = {"@id": str(get_term("OrganizationType", "legal entity", version).id)}
    node["homepage"] = "https://www.ebrains.eu"
    return node


@dataclass
class BucketDescription:
    """The result: ``graph`` (FileRepository, Files, the host) and counts."""

    graph: MetadataGraph
    repository_iri: str
    files: int = 0
    bytes: int = 0
    without_md5: list[str] = field(default_factory=list)  #: objects whose listing hash is not a content MD5
    skipped: list[str] = field(default_factory=list)  #: folder placeholders

    def summary(self) -> str:
        text = f"{self.files} files, {self.bytes} bytes in {self.repository_iri}"
        if self.without_md5:
            text += f"; {len(self.without_md5)} without a content MD5 (multipart or segmented uploads)"
        if self.skipped:
            text += f"; {len(self.skipped)} folder placeholders skipped"
        return text


def describe_listing(
    objects: Iterable[RemoteObject],
    repository_iri: str,
    *,
    name: str | None = None,
    version: str | None = None,
    hosted_by: str | None = None,
) -> BucketDescription:
    """Build the description from listing entries (e.g. ``client.list(bucket)``)."""
    # 100,000s of small dicts: pause the cyclic collector, which would rescan them again and again
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _describe(objects, repository_iri, name, get_version(version), hosted_by)
    finally:
        if was_enabled:
            gc.enable()


def _describe(
    objects: Iterable[RemoteObject],
    repository_iri: str,
    name: str | None,
    version: str,
    hosted_by: str | None,
) -> BucketDescription:
    reg = get_registry(version)
    t_file, t_hash, t_qv = reg.get("File").iri, reg.get("Hash").iri, reg.get("QuantitativeValue").iri
    byte = str(get_term("UnitOfMeasurement", "byte", version).id)
    graph = MetadataGraph(version)
    org = hosted_by or graph.add_node(_ebrains(version))
    repo: Node = {
        "@id": repository_iri,
        "@type": reg.get("FileRepository").iri,
        "IRI": repository_iri,
        "name": name or repository_iri.rstrip("/").rsplit("/", 1)[-1],
        "hostedBy": {"@id": org},
    }
    graph.add_node(repo)
    base = repository_iri.rstrip("/") + "/"
    repo_link = {"@id": repository_iri}  # shared by every File (cheap at 100,000 files)
    ctypes = _content_types(version)
    out = BucketDescription(graph, repository_iri)
    # shared (never mutated) link dicts and per-content-type answers: cheap at 100,000 files
    unit = {"@id": byte}
    formats: dict[str, dict[str, str] | None] = {}
    files: dict[str, Node] = {}
    safe = _URL_SAFE.fullmatch
    total = 0
    for name_, size, h, ct, _modified in objects:
        if name_.endswith("/") or ct.startswith("application/directory"):
            out.skipped.append(name_)
            continue
        iri = base + (name_ if safe(name_) else quote(name_, safe="/"))
        node: Node = {
            "@id": iri,
            "@type": t_file,
            "IRI": iri,
            "fileRepository": repo_link,
            "name": name_.rpartition("/")[2],
            "storageSize": {"@type": t_qv, "unit": unit, "value": size},
        }
        if len(h) == 32 and _HEX.issuperset(h):
            node["hash"] = [{"@type": t_hash, "algorithm": "MD5", "digest": h}]
        else:
            out.without_md5.append(name_)
        try:
            fmt = formats[ct]
        except KeyError:
            key = ct.split(";")[0].strip().lower()
            fmt = formats[ct] = {"@id": ctypes[key]} if key not in _GENERIC and key in ctypes else None
        if fmt is not None:
            node["format"] = fmt
        files[iri] = node
        total += size
    out.files = len(files)
    out.bytes = total
    if graph.nodes.keys().isdisjoint(files):
        graph.nodes.update(files)  # all new (a listing names each object once): no per-node checks needed
    else:
        for node in files.values():
            graph.add_node(node)
    return out


def describe_bucket(
    client: DataProxyClient, bucket: str, *, prefix: str = "", **kwargs: Any
) -> BucketDescription:
    """List ``bucket`` (only objects under ``prefix``) and describe it; nothing is downloaded."""
    kwargs.setdefault("name", bucket)
    return describe_listing(client.list(bucket, prefix), client.bucket_iri(bucket), **kwargs)
