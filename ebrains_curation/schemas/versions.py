"""openMINDS versions, namespaces and the ``openminds`` sub-package behind each.

This is the one place that knows namespaces. v4 is the default because it is
what the EBRAINS KG serves today; v5/latest is experimental.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Final

from ..errors import UnknownVersionError

__all__ = ["DEFAULT_VERSION", "VERSIONS", "OpenMINDSVersion", "get_version", "normalize_version"]

V3_NS: Final = "https://openminds.ebrains.eu/"
OMI_NS: Final = "https://openminds.om-i.org/"


@dataclass(frozen=True)
class OpenMINDSVersion:
    """One supported openMINDS version.

    ``key`` is what users type ("v4"); ``package`` the ``openminds`` sub-package;
    ``vocab`` the property namespace; ``instance_ns`` the prefix of library instance IRIs.
    """

    key: str
    package: str
    vocab: str
    type_ns: str
    instance_ns: str
    experimental: bool = False

    def type_iri(self, name: str, module: str = "core") -> str:
        """The type IRI of class ``name`` (v3 IRIs include the openMINDS module)."""
        if self.key == "v3":
            return f"{self.type_ns}{module}/{name}"
        return f"{self.type_ns}{name}"

    def property_iri(self, key: str) -> str:
        """The full IRI of a property given its short key."""
        return self.vocab + key

    def module(self) -> ModuleType:
        """Import (once) and return the ``openminds`` package for this version."""
        return importlib.import_module(self.package)

    def owns_type(self, type_iri: str) -> bool:
        """Whether ``type_iri`` lies in this version's type namespace."""
        return type_iri.startswith(self.type_ns) and not (
            self.key == "v3" and type_iri.startswith(self.vocab)
        )

    def __str__(self) -> str:
        return self.key


VERSIONS: Final[dict[str, OpenMINDSVersion]] = {
    "v3": OpenMINDSVersion("v3", "openminds.v3", V3_NS + "vocab/", V3_NS, V3_NS + "instances/"),
    "v4": OpenMINDSVersion("v4", "openminds.v4", OMI_NS + "props/", OMI_NS + "types/", OMI_NS + "instances/"),
    "v5": OpenMINDSVersion(
        "v5", "openminds.v5", OMI_NS + "props/", OMI_NS + "types/", OMI_NS + "instances/", experimental=True
    ),
    "latest": OpenMINDSVersion(
        "latest", "openminds.latest", OMI_NS + "props/", OMI_NS + "types/", OMI_NS + "instances/", True
    ),
}
DEFAULT_VERSION: Final = "v4"

_ALIASES = {"3": "v3", "v3.0": "v3", "4": "v4", "v4.0": "v4", "5": "v5", "v5.0": "v5"}


def normalize_version(version: str | OpenMINDSVersion | None) -> str:
    """Return the canonical key ("v3", "v4", "v5" or "latest") for ``version``; None gives the default."""
    if version is None:
        return DEFAULT_VERSION
    if isinstance(version, OpenMINDSVersion):
        return version.key
    key = str(version).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in VERSIONS:
        raise UnknownVersionError(
            f"Unknown openMINDS version {version!r}: use one of {', '.join(VERSIONS)} (default {DEFAULT_VERSION})"
        )
    return key


def get_version(version: str | OpenMINDSVersion | None = None) -> OpenMINDSVersion:
    """Return the :class:`OpenMINDSVersion` for a key such as "v4" (None gives the default, v4)."""
    return VERSIONS[normalize_version(version)]
