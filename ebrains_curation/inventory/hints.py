"""Structure hints: things in a data folder that work but make curation or reuse harder.

Each :class:`Hint` is a warning with a suggestion. Hints of one kind are
aggregated (a count and a few examples), so a folder with 100,000 awkward
names gives one hint, not 100,000.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Hint", "HintCollector", "HintLimits"]

#: characters that must be escaped in a URL or that break shells and common tools
AWKWARD_NAME = re.compile(r"[\s#?%&+:;=*\"'<>|\\^`{}\[\]]|[\x00-\x1f\x7f]")

EXAMPLES = 5


@dataclass(frozen=True)
class HintLimits:
    """Thresholds above which a hint is given."""

    max_depth: int = 8  #: folder nesting below the root
    max_entries: int = 10_000  #: entries in a single folder


@dataclass(frozen=True)
class Hint:
    """A structure warning: ``code``, what was found (``message``), what to do (``hint``), examples."""

    code: str
    message: str
    hint: str
    count: int = 0
    examples: tuple[str, ...] = ()
    severity: str = "warning"

    def __str__(self) -> str:
        ex = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.message}{ex}. Hint: {self.hint}"


@dataclass
class _Bucket:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, path: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(path)


class HintCollector:
    """Collects structure observations during the walk; :meth:`hints` turns them into :class:`Hint` s."""

    def __init__(self, limits: HintLimits | None = None):
        self.limits = limits or HintLimits()
        self.empty = _Bucket()
        self.awkward = _Bucket()
        self.deep = _Bucket()
        self.large = _Bucket()
        self.empty_files = _Bucket()
        self.max_depth = 0
        self.ambiguous: dict[str, tuple[str, ...]] = {}
        self.ambiguous_count: Counter[str] = Counter()

    def folder(self, rel: str, depth: int, entries: int) -> None:
        """Observe a folder."""
        self.max_depth = max(self.max_depth, depth)
        if entries == 0 and rel:
            self.empty.add(rel + "/")
        if depth == self.limits.max_depth + 1:
            self.deep.add(rel + "/")
        if entries > self.limits.max_entries:
            self.large.add(f"{rel or '.'}/ ({entries} entries)")
        if rel:
            self.name(rel, rel.rsplit("/", 1)[-1])

    def name(self, rel: str, name: str) -> None:
        """Observe a file or folder name."""
        if AWKWARD_NAME.search(name) or name != name.strip():
            self.awkward.add(rel)

    def file(self, rel: str, name: str, size: int) -> None:
        """Observe a file."""
        if AWKWARD_NAME.search(name) or name != name.strip():
            self.awkward.add(rel)
        if size == 0:
            self.empty_files.add(rel)

    def hints(self, duplicates: Iterable[Sequence[str]] = ()) -> list[Hint]:
        """The hints, given groups of paths with identical content."""
        lim = self.limits
        # (code, bucket, what was found, what to do), in the order they are reported
        found = [
            (
                "empty-folder",
                self.empty,
                f"{self.empty.count} empty folder(s)",
                "remove empty folders, or add a README saying why they are empty",
            ),
            (
                "empty-file",
                self.empty_files,
                f"{self.empty_files.count} empty file(s) (0 bytes)",
                "check that nothing went wrong when these were written; remove them if unneeded",
            ),
        ]
        out = [Hint(code, msg, tip, b.count, tuple(b.examples)) for code, b, msg, tip in found if b.count]
        groups = list(duplicates)
        if groups:
            out.append(_duplicates_hint(groups))
        found = [
            (
                "awkward-name",
                self.awkward,
                f"{self.awkward.count} name(s) with spaces or characters that break URLs or scripts",
                "use only letters, digits, '-', '_' and '.', e.g. sub-01_ses-1_T1w.nii.gz",
            ),
            (
                "deep-tree",
                self.deep,
                f"folders nested {self.max_depth} levels deep (more than {lim.max_depth})",
                "flatten the structure: a few meaningful levels (subject/session/modality) are easier to browse",
            ),
            (
                "large-folder",
                self.large,
                f"{self.large.count} folder(s) with more than {lim.max_entries} entries",
                "split very large folders into sub-folders (e.g. by subject or by date)",
            ),
        ]
        out += [Hint(code, msg, tip, b.count, tuple(b.examples)) for code, b, msg, tip in found if b.count]
        if self.ambiguous:
            out.append(self._ambiguous_hint())
        return out

    def _ambiguous_hint(self) -> Hint:
        exts = sorted(self.ambiguous, key=lambda e: -self.ambiguous_count[e])
        return Hint(
            "ambiguous-format",
            f"the content type of {len(exts)} extension(s) is a guess among several openMINDS types",
            "check the chosen format, or choose one, e.g. formats={'.mat': 'application/5-mat'} "
            "(CLI: --format .mat=application/5-mat)",
            sum(self.ambiguous_count.values()),
            tuple(f"{e} → {self.ambiguous[e][0]} (of {len(self.ambiguous[e])})" for e in exts[:EXAMPLES]),
            severity="info",
        )


def _duplicates_hint(groups: list[Sequence[str]]) -> Hint:
    extra = sum(len(g) - 1 for g in groups)
    return Hint(
        "duplicate-files",
        f"{len(groups)} group(s) of files with identical content ({extra} redundant copies)",
        "keep one copy, or explain in the data descriptor why copies are needed",
        extra,
        tuple(" = ".join(g[:3]) + (" …" if len(g) > 3 else "") for g in groups[:EXAMPLES]),
    )
