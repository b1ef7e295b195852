"""The inventory's progress display: a tqdm bar and/or a callback, with a total counted in the background."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from .scan import FileEntry, walk

__all__ = ["Progress", "ProgressCallback"]

#: a progress callback gets (bytes done, files done, total bytes or None while still counting)
ProgressCallback = Callable[[int, int, int | None], None]


class Progress:
    """tqdm bar (bytes/s and, once a background count of the folder's size finishes, an ETA)."""

    def __init__(self, progress: bool | ProgressCallback | None, root: str, follow: bool):
        self.callback: ProgressCallback | None = progress if callable(progress) else None
        show = progress if isinstance(progress, bool) else (progress is None and _stderr_is_tty())
        self.bar: Any = None
        self.total: int | None = None
        self._counted: int | None = None
        self.bytes = 0
        self.files = 0
        self._stop = threading.Event()
        if show or self.callback:
            threading.Thread(
                target=self._count, args=(root, follow), daemon=True, name="inventory-size"
            ).start()
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=None,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="Inventory",
                file=sys.stderr,
                dynamic_ncols=True,
                leave=True,
            )

    def _count(self, root: str, follow: bool) -> None:
        total = 0
        for item in walk(root, follow_symlinks=follow, need_stat=True):
            if self._stop.is_set():
                return
            if isinstance(item, FileEntry) and item.size:
                total += item.size
        self._counted = total

    def update(self, nbytes: int, nfiles: int) -> None:
        self.bytes += nbytes
        self.files += nfiles
        if self.total is None and self._counted is not None:
            self.total = self._counted
            if self.bar is not None:
                self.bar.total = self.total
        if self.bar is not None:
            self.bar.update(nbytes)
        if self.callback is not None:
            self.callback(self.bytes, self.files, self.total)

    def close(self) -> None:
        self._stop.set()  # the background size count is of no use any more
        if self.bar is not None:
            self.bar.close()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
