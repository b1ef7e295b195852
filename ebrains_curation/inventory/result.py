"""What an inventory run gives: :class:`InventoryResult` (graph, problems, hints) and its :class:`InventoryStats`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from ..graph.model import MetadataGraph, Node
from .hints import Hint
from .scan import Problem

__all__ = ["InventoryResult", "InventoryStats"]


@dataclass
class InventoryStats:
    """Figures of one run."""

    files: int = 0  #: files described
    bytes: int = 0  #: their total size
    folders: int = 0
    files_read: int = 0  #: files whose contents were read (the rest came from the cache)
    bytes_read: int = 0
    files_cached: int = 0
    files_in_threads: int = 0  #: files read by the worker threads (large files, or all on slow storage)
    files_in_process: int = 0  #: small files read by the helper process (many small files, 2+ workers)
    problems: int = 0
    seconds: float = 0.0
    workers: int = 0

    @property
    def bytes_per_second(self) -> float:
        """Inventoried bytes per second of wall time (cached files count as inventoried)."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The figures as a plain dict (with ``bytes_per_second``)."""
        d = dict(vars(self))
        d["bytes_per_second"] = round(self.bytes_per_second, 1)
        d["seconds"] = round(self.seconds, 4)
        return d


@dataclass
class InventoryResult:
    """What :func:`inventory` found: the metadata graph, per-file problems, structure hints and figures."""

    graph: MetadataGraph  #: FileRepository, FileBundle, File (and Organization) nodes
    repository: str  #: @id of the FileRepository node
    algorithms: tuple[str, ...]
    problems: list[Problem] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)
    unmatched_extensions: dict[str, int] = field(default_factory=dict)  #: extension → number of files
    stats: InventoryStats = field(default_factory=InventoryStats)

    @property
    def ok(self) -> bool:
        """True when every entry of the folder was inventoried (hints do not count)."""
        return not self.problems

    def files(self) -> list[Node]:
        """The File nodes, in walk order."""
        return self.graph.of_type("File")

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False, **kwargs: Any) -> Any:
        """Write the graph (JSON-LD by default) atomically with :func:`ebrains_curation.graph.writers.dump`."""
        from ..graph.writers import dump

        return dump(self.graph, path, overwrite=overwrite, **kwargs)

    def report(self) -> dict[str, Any]:
        """Problems, hints, unmatched extensions and figures as JSON-ready data."""
        return {
            "repository": self.repository,
            "algorithms": list(self.algorithms),
            "stats": self.stats.as_dict(),
            "problems": [{"path": p.path, "kind": p.kind, "message": p.message} for p in self.problems],
            "hints": [
                {
                    "code": h.code,
                    "severity": h.severity,
                    "message": h.message,
                    "hint": h.hint,
                    "count": h.count,
                    "examples": list(h.examples),
                }
                for h in self.hints
            ],
            "unmatched_extensions": dict(self.unmatched_extensions),
        }

    def summary(self, max_items: int = 10) -> str:
        """A few lines for people: figures, then problems and hints."""
        s = self.stats
        lines = [
            f"{s.files} file(s), {_human(s.bytes)} in {s.folders} folder(s); "
            f"{s.files_read} read ({_human(s.bytes_read)}), {s.files_cached} from the cache; "
            f"{s.seconds:.2f} s ({_human(s.bytes_per_second)}/s)"
        ]
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  {_one_line(str(p))}" for p in self.problems[:max_items]]
            if len(self.problems) > max_items:
                lines.append(f"  … and {len(self.problems) - max_items} more")
        for h in self.hints:
            lines.append(f"{h.severity}: {_one_line(str(h))}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


#: line breaks and other control characters, which a file name may hold (they would split a summary line)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """``text`` on one line: control characters shown as escapes (``\\n``, ``\\x1b``…)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text) if _CONTROL.search(text) else text


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover
