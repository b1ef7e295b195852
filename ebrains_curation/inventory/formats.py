"""File extension → openMINDS ContentType, from the instance library of a version.

Many extensions are claimed by several content types (``.json`` by 16,
``.csv`` by 11). The index picks the most generic one (a registered media type
such as ``text/csv`` before a vendor type ``application/vnd.…``) and remembers
the candidates, so the inventory can say the choice was ambiguous; a
``formats`` mapping chooses explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from ..schemas import get_term, get_version, iter_terms
from ..schemas.versions import OpenMINDSVersion, VersionLike

__all__ = ["FormatIndex", "FormatLinks", "format_index"]


#: well-known defaults where the generic ranking would pick a rarer type
_PREFERRED = {".mat": "application/vnd.x-matlab-data"}


def _rank(name: str) -> tuple[int, int, int, str]:
    # registered media types first, then x- types, then vendor types; then fewer suffixes, shorter names
    tier = 2 if "/vnd." in name else 1 if "/x-" in name else 0
    return (tier, name.count("+") + name.count("."), len(name), name)


@dataclass
class FormatIndex:
    """Look up the ContentType of a file name by its (possibly compound) extension."""

    version: OpenMINDSVersion
    by_ext: dict[str, tuple[str, str]] = field(default_factory=dict)  #: ext → (ContentType IRI, name)
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)  #: ext → all names, when ambiguous
    longest: int = 1  #: most dots in a known extension
    _memo: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False)

    def extension(self, name: str) -> str:
        """The lower-case extension used for matching ("" when none), longest known compound first."""
        parts = name.lower().rsplit(".", self.longest)
        if len(parts) < 2 or (len(parts) == 2 and not parts[0]):  # "README" or ".bashrc"
            return ""
        key = tuple(parts[1:])
        ext = self._memo.get(key)
        if ext is None:
            ext = "." + parts[-1]
            for n in range(len(parts) - 1, 1, -1):
                candidate = "." + ".".join(parts[-n:])
                if candidate in self.by_ext:
                    ext = candidate
                    break
            self._memo[key] = ext
        return ext

    def lookup(self, name: str) -> tuple[str, tuple[str, str] | None]:
        """(extension, (ContentType IRI, name) or None) for a file name."""
        ext = self.extension(name)
        return ext, self.by_ext.get(ext)

    def with_overrides(self, overrides: Mapping[str, str | None]) -> FormatIndex:
        """A copy where ``{".mat": "application/5-mat", ".xyz": None}`` overrides (None: leave unset)."""
        idx = FormatIndex(self.version, dict(self.by_ext), dict(self.candidates), self.longest)
        for ext, ct_name in overrides.items():
            key = ext.lower() if ext.startswith(".") else "." + ext.lower()
            idx.candidates.pop(key, None)
            if ct_name is None:
                idx.by_ext.pop(key, None)
                continue
            inst = get_term("ContentType", ct_name, self.version)
            idx.by_ext[key] = (str(inst.id), str(inst.name))
            idx.longest = max(idx.longest, key.count("."))
        return idx


@cache
def format_index(version: VersionLike = None) -> FormatIndex:
    """The (cached) extension index of an openMINDS version's ContentType library."""
    v = get_version(version)
    claims: dict[str, list[tuple[str, str]]] = {}
    for ct in iter_terms(v, ["ContentType"]):
        for ext in ct.file_extensions or ():
            key = ext.lower().strip()
            if not key.startswith("."):
                key = "." + key
            claims.setdefault(key, []).append((str(ct.id), str(ct.name)))
    idx = FormatIndex(v)
    for ext, cts in claims.items():
        cts.sort(key=lambda c: (c[1] != _PREFERRED.get(ext), _rank(c[1])))
        idx.by_ext[ext] = cts[0]
        if len(cts) > 1:
            idx.candidates[ext] = tuple(c[1] for c in cts)
        idx.longest = max(idx.longest, ext.count("."))
    return idx


class FormatLinks:
    """Per-run memo of :meth:`FormatIndex.lookup` giving shared ``{"@id": …}`` link dicts (one per extension).

    Keyed by the part of a file name from its first dot, which is all a lookup
    depends on for names that do not start with a dot; bounded in size. One per
    run, so link dicts are never shared between two results.
    """

    _NONE: tuple[str, dict[str, str] | None, bool] = ("", None, False)

    def __init__(self, index: FormatIndex, limit: int = 65536):
        self.index = index
        self.limit = limit
        self._memo: dict[str, tuple[str, dict[str, str] | None, bool]] = {}

    def __call__(self, name: str) -> tuple[str, dict[str, str] | None, bool]:
        """(extension, ``{"@id": ContentType IRI}`` or None, whether the extension is ambiguous)."""
        dot = name.find(".")
        if dot < 0:
            return self._NONE
        key = name[dot:] if dot else name
        hit = self._memo.get(key)
        if hit is None:
            ext, fmt = self.index.lookup(name)
            hit = (ext, {"@id": fmt[0]} if fmt else None, ext in self.index.candidates)
            if len(self._memo) < self.limit:
                self._memo[key] = hit
        return hit
