"""Groups of identical files (same size and first digest) for the "duplicate-files" hint, found in C passes.

An inventory of 100,000 files may find them all duplicated (a test pattern
copied into every session folder): the groups are found from the lists of
digests and sizes alone, with no Python loop per file and no visit to the File
nodes (each a cache miss); a group's paths are made only when read, and the
hint reads a few.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, overload
from urllib.parse import unquote

from ..graph.model import Node

__all__ = ["DuplicateGroup", "duplicate_groups"]

_Key = tuple[str, int]  # (first digest, size)


class DuplicateGroup(Sequence[str]):
    """The relative paths (walk order) of two or more files with the same size and first digest."""

    def __init__(
        self,
        files: list[Node],
        keys: list[str] | list[_Key],
        key: str | _Key,
        count: int,
        first: int,
        cut: int,
    ):
        self._files, self._keys, self._key, self._count, self._cut = files, keys, key, count, cut
        self._indexes = [first]  # the members found so far

    def __len__(self) -> int:
        return self._count

    def _index(self, n: int) -> int:
        """The position in the inventory of the ``n``-th member (found by list.index, in C)."""
        found = self._indexes
        while len(found) <= n:
            found.append(self._keys.index(self._key, found[-1] + 1))  # type: ignore[arg-type]
        return found[n]

    def _path(self, i: int) -> str:
        rel: str = self._files[i]["IRI"][self._cut :]
        return unquote(rel) if "%" in rel else rel

    @overload
    def __getitem__(self, k: int) -> str: ...
    @overload
    def __getitem__(self, k: slice) -> tuple[str, ...]: ...
    def __getitem__(self, k: int | slice) -> str | tuple[str, ...]:
        if isinstance(k, slice):
            return tuple(self._path(self._index(n)) for n in range(self._count)[k])
        if not -self._count <= k < self._count:
            raise IndexError("duplicate group index out of range")
        return self._path(self._index(k % self._count))

    def __repr__(self) -> str:
        return f"<DuplicateGroup of {self._count}: {self[0]!r}, …>"


def duplicate_groups(
    files: list[Node], digests: list[str], sizes: list[int], base: str
) -> list[DuplicateGroup]:
    """Groups of files with the same size and first digest (empty files excluded), largest first, then by path.

    ``digests`` and ``sizes`` are the first digests and sizes of the File nodes ``files``
    (same order); ``base`` is the repository IRI prefix cut from a File's IRI to get its path.
    """
    distinct = set(digests)
    if len(distinct) == len(digests):  # the common case: no two alike
        return []
    keys: list[str] | list[_Key]
    if len(set(zip(digests, sizes, strict=True))) == len(distinct):
        keys = digests  # one size per digest (as it should be): the digests alone are the keys (faster)
    else:
        keys = list(zip(digests, sizes, strict=True))
    counts: Counter[Any] = Counter(keys)
    dup = {k: c for k, c in counts.items() if c > 1}
    # each key's first position: walking backwards, the earliest position is written last
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    cut = len(base)
    groups = [
        DuplicateGroup(files, keys, k, c, i, cut) for k, c in dup.items() if sizes[i := first[k]]
    ]  # empty files are not duplicates worth a word
    # groups never share a file, so their first paths differ: (size, first path) orders them all
    return sorted(groups, key=lambda g: (-len(g), g[0]))
