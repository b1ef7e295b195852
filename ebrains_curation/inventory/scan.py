"""Walk a data folder safely, yielding folders, files and per-entry problems.

The walk never raises for one bad entry: an unreadable folder, a FIFO, a name
that is not valid UTF-8 or a symlink leaving the dataset becomes a
:class:`Problem` and the walk goes on. Entries come in a stable order (sorted
by name, a folder's files before its sub-folders), so two runs over the same
tree give the same metadata in the same order. Memory holds one folder
listing at a time plus the stack of folders still to visit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import InventoryError

__all__ = ["DirInfo", "FileEntry", "Problem", "display_path", "walk"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One file or folder that could not be inventoried (the run goes on).

    ``kind`` is a stable code (``unreadable``, ``vanished``, ``special-file``,
    ``invalid-name``, ``symlink-outside-root``, ``broken-symlink``,
    ``symlink-folder``, ``symlink-loop``, ``changed-while-reading``,
    ``unlistable-folder``); ``message`` says what happened in plain words.
    """

    path: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class DirInfo:
    """A folder, yielded when the walk enters it (before its files)."""

    rel: str  #: POSIX path relative to the root ("" for the root itself)
    depth: int  #: 0 for the root
    entries: int  #: number of entries in the folder (files, folders, links…)


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A regular file (or a symlink to one) to inventory."""

    path: str  #: path to open
    rel: str  #: POSIX path relative to the root
    parent: str  #: ``rel`` of the folder that holds it
    size: int | None = None  #: from ``stat`` when the walk was asked for it
    mtime_ns: int | None = None


def display_path(path: str) -> str:
    """A printable form of a path; bytes that are not UTF-8 appear as ``\\xNN``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes from a non-UTF-8 name
        return False
    return True


def _inside(target: str, root_real: str) -> bool:
    return target == root_real or target.startswith(root_real.rstrip(os.sep) + os.sep)


def walk(root: str | os.PathLike[str], *, follow_symlinks: bool = False, need_stat: bool = False
         ) -> Iterator[DirInfo | FileEntry | Problem]:
    """Yield a :class:`DirInfo` per folder, a :class:`FileEntry` per file and a :class:`Problem` per bad entry.

    Symlinks to files inside the root are inventoried (git-annex and DataLad
    trees are made of them); symlinks leaving the root and symlinks to folders
    are reported and not followed unless ``follow_symlinks`` (folder loops are
    detected either way). ``need_stat`` fills ``size``/``mtime_ns`` of each file.
    """
    root = os.fspath(root)
    if not os.path.exists(root):
        raise InventoryError(f"The folder {root!r} does not exist")
    if not os.path.isdir(root):
        raise InventoryError(f"{root!r} is a file, not a folder: give the folder that holds the data")
    root_real = os.path.realpath(root)
    st_root = os.stat(root)
    visited = {(st_root.st_dev, st_root.st_ino)}
    stack: list[tuple[str, str, int]] = [(root, "", 0)]
    while stack:
        path, rel, depth = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            yield Problem(display_path(rel or path), "vanished", "the folder disappeared during the inventory")
            continue
        except OSError as exc:
            yield Problem(display_path(rel or path), "unlistable-folder",
                          f"the folder cannot be listed ({exc.strerror or exc}); its files are missing")
            continue
        yield DirInfo(rel, depth, len(entries))
        subdirs: list[tuple[str, str, int]] = []
        for e in entries:
            erel = f"{rel}/{e.name}" if rel else e.name
            if not _valid_name(e.name):
                yield Problem(display_path(erel), "invalid-name",
                              "the name is not valid UTF-8 text and cannot be written in metadata; rename it")
                continue
            try:
                if e.is_symlink():
                    item = _symlink(e, erel, rel, depth, root_real, follow_symlinks, visited)
                    if isinstance(item, tuple):
                        subdirs.append(item)
                    else:
                        yield item
                elif e.is_dir(follow_symlinks=False):
                    if follow_symlinks:
                        st = e.stat(follow_symlinks=False)
                        visited.add((st.st_dev, st.st_ino))
                    subdirs.append((e.path, erel, depth + 1))
                elif e.is_file(follow_symlinks=False):
                    if need_stat:
                        st = e.stat(follow_symlinks=False)
                        yield FileEntry(e.path, erel, rel, st.st_size, st.st_mtime_ns)
                    else:
                        yield FileEntry(e.path, erel, rel)
                else:
                    yield Problem(erel, "special-file",
                                  "a special file (FIFO, socket or device), not data: it is not read")
            except FileNotFoundError:
                yield Problem(erel, "vanished", "the file disappeared during the inventory")
            except OSError as exc:
                yield Problem(erel, "unreadable", f"cannot be examined ({exc.strerror or exc})")
        stack.extend(reversed(subdirs))


def _symlink(e: os.DirEntry[str], erel: str, rel: str, depth: int, root_real: str, follow: bool,
             visited: set[tuple[int, int]]) -> FileEntry | Problem | tuple[str, str, int]:
    target = os.path.realpath(e.path)
    try:
        st = os.stat(e.path)
    except FileNotFoundError:
        return Problem(erel, "broken-symlink", "a symbolic link to something that does not exist")
    except OSError as exc:  # e.g. ELOOP
        return Problem(erel, "broken-symlink", f"a symbolic link that cannot be resolved ({exc.strerror or exc})")
    if not follow and not _inside(target, root_real):
        return Problem(erel, "symlink-outside-root",
                       "a symbolic link to a place outside the dataset folder: not followed "
                       "(copy the data in, or allow following links)")
    if stat.S_ISDIR(st.st_mode):
        if not follow:
            return Problem(erel, "symlink-folder",
                           "a symbolic link to a folder: not followed (allow following links to include it)")
        if (st.st_dev, st.st_ino) in visited:
            return Problem(erel, "symlink-loop", "a symbolic link to a folder already inventoried: skipped")
        visited.add((st.st_dev, st.st_ino))
        return (e.path, erel, depth + 1)
    if stat.S_ISREG(st.st_mode):
        return FileEntry(e.path, erel, rel, st.st_size, st.st_mtime_ns)
    return Problem(erel, "special-file", "a link to a special file (FIFO, socket or device): it is not read")
