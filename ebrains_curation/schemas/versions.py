"""openMINDS versions: one :class:`OpenMINDSVersion` value per supported version.

A version is decided once, where a user hands it to us (a public function, a CLI
option, a file's namespace), with :func:`get_version`; from there on it travels as
the :class:`OpenMINDSVersion` member, never as a string to re-check. Members *are*
strings (``OpenMINDSVersion.V4 == "v4"``), so reports, JSON output and comparisons
with "v4" read as before.

v4 is the default because it is what the EBRAINS KG serves today; v5/latest is
experimental. The namespaces themselves live in :mod:`ebrains_curation.constants`.
"""

from __future__ import annotations

import enum
import importlib
from types import ModuleType
from typing import Final

from ..constants import DEFAULT_VERSION_KEY, OMI_NS, V3_NS
from ..errors import UnknownVersionError

__all__ = [
    "DEFAULT_VERSION",
    "OMI_NS",
    "V3_NS",
    "VERSIONS",
    "OpenMINDSVersion",
    "VersionLike",
    "get_version",
    "normalize_version",
]

_ALIASES: Final = {"3": "v3", "v3.0": "v3", "4": "v4", "v4.0": "v4", "5": "v5", "v5.0": "v5"}


class OpenMINDSVersion(enum.StrEnum):
    """One supported openMINDS version; the member is also its key string ("v4").

    ``package`` is the ``openminds`` sub-package; ``vocab`` the property namespace;
    ``type_ns`` the type namespace; ``instance_ns`` the prefix of library instance IRIs.
    ``OpenMINDSVersion("4")`` accepts the same spellings as :func:`get_version`.
    """

    package: str
    vocab: str
    type_ns: str
    instance_ns: str
    experimental: bool

    def __new__(
        cls, key: str, package: str, vocab: str, type_ns: str, instance_ns: str, experimental: bool = False
    ) -> OpenMINDSVersion:
        member = str.__new__(cls, key)
        member._value_ = key
        member.package = package
        member.vocab = vocab
        member.type_ns = type_ns
        member.instance_ns = instance_ns
        member.experimental = experimental
        return member

    V3 = ("v3", "openminds.v3", V3_NS + "vocab/", V3_NS, V3_NS + "instances/")
    V4 = ("v4", "openminds.v4", OMI_NS + "props/", OMI_NS + "types/", OMI_NS + "instances/")
    V5 = ("v5", "openminds.v5", OMI_NS + "props/", OMI_NS + "types/", OMI_NS + "instances/", True)
    LATEST = ("latest", "openminds.latest", OMI_NS + "props/", OMI_NS + "types/", OMI_NS + "instances/", True)

    @classmethod
    def _missing_(cls, value: object) -> OpenMINDSVersion:
        return cls.parse(value)

    @classmethod
    def parse(cls, value: object) -> OpenMINDSVersion:
        """The member for a spelling such as "v4", "4" or "V4.0" (:func:`get_version` also takes None)."""
        key = str(value).strip().lower()
        key = _ALIASES.get(key, key)
        for member in cls:
            if member.value == key:
                return member
        raise UnknownVersionError(
            f"Unknown openMINDS version {value!r}: use one of "
            f"{', '.join(m.value for m in cls)} (default {DEFAULT_VERSION_KEY})"
        )

    @property
    def key(self) -> str:
        """What users type: "v3", "v4", "v5" or "latest"."""
        return str(self.value)

    def type_iri(self, name: str, module: str = "core") -> str:
        """The type IRI of class ``name`` (v3 IRIs include the openMINDS module)."""
        if self is OpenMINDSVersion.V3:
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
            self is OpenMINDSVersion.V3 and type_iri.startswith(self.vocab)
        )


#: what a public function accepts as a version: a member, a spelling such as "v4" or "4", or None
VersionLike = OpenMINDSVersion | str | None

VERSIONS: Final[dict[str, OpenMINDSVersion]] = {m.value: m for m in OpenMINDSVersion}
DEFAULT_VERSION: Final = VERSIONS[DEFAULT_VERSION_KEY]


def get_version(version: VersionLike = None) -> OpenMINDSVersion:
    """The :class:`OpenMINDSVersion` for ``version`` ("v4", "4", "V4.0", a member; None gives v4).

    Call it once where a version enters the library; pass the member on from there.
    Raises :class:`~ebrains_curation.UnknownVersionError` for anything else.
    """
    if version is None:
        return DEFAULT_VERSION
    if isinstance(version, OpenMINDSVersion):
        return version
    return OpenMINDSVersion.parse(version)


def normalize_version(version: VersionLike) -> OpenMINDSVersion:
    """Same as :func:`get_version` (kept for existing callers; the result is also the key string)."""
    return get_version(version)
