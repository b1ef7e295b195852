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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter

from ..errors import InventoryError
from .stamp import Stamp, stamp

__all__ = ["DirInfo", "FileEntry", "OwnFiles", "Problem", "display_path", "walk"]


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


@dataclass(slots=True)
class FileEntry:
    """A regular file (or a symlink to one) to inventory (read-only by convention).

    Not a frozen dataclass: one is made per file, and a frozen one costs
    four times as much to create.
    """

    path: str  #: path to open
    rel: str  #: POSIX path relative to the root
    parent: str  #: ``rel`` of the folder that holds it
    size: int | None = None  #: from ``stat`` when the walk was asked for it
    stamp: Stamp | None = None  #: (size, mtime_ns, ctime_ns, inode, device), with ``size``


def display_path(path: str) -> str:
    """A printable form of a path; bytes that are not UTF-8 appear as ``\\xNN``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


_NAME = attrgetter("name")
_SCANDIR_FD = os.scandir in os.supports_fd
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class OwnFiles:
    """The inventory's own files inside the folder it describes (cache, output, report): left out of the walk.

    An SQLite cache brings its ``-journal``/``-wal``/``-shm`` files and an atomic
    write its hidden ``.NAME.*.tmp`` file; both are matched too. Paths outside
    the root are ignored.
    """

    def __init__(self, root: str, paths: Iterable[str | os.PathLike[str]] = ()):
        root_real = os.path.realpath(root)
        self.exact: set[str] = set()
        self.temp: list[tuple[str, str]] = []  # (folder rel, ".NAME.") of atomic-write temporaries
        for p in paths:
            real = os.path.realpath(os.fspath(p))
            if not _inside(real, root_real) or real == root_real:
                continue
            rel = os.path.relpath(real, root_real).replace(os.sep, "/")
            folder, _, name = rel.rpartition("/")
            self.exact.add(rel)
            self.exact.update(f"{rel}{tail}" for tail in ("-journal", "-wal", "-shm"))
            self.temp.append((folder, f".{name}."))

    def __bool__(self) -> bool:
        return bool(self.exact)

    def __contains__(self, rel: str) -> bool:
        if rel in self.exact:
            return True
        folder, _, name = rel.rpartition("/")
        return name.endswith(".tmp") and any(f == folder and name.startswith(t) for f, t in self.temp)


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes from a non-UTF-8 name
        return False
    return True


def _inside(target: str, root_real: str) -> bool:
    return target == root_real or target.startswith(root_real.rstrip(os.sep) + os.sep)


def walk(
    root: str | os.PathLike[str],
    *,
    follow_symlinks: bool = False,
    need_stat: bool = False,
    own_files: OwnFiles | None = None,
) -> Iterator[DirInfo | FileEntry | Problem]:
    """Yield a :class:`DirInfo` per folder, a :class:`FileEntry` per file and a :class:`Problem` per bad entry.

    Symlinks to files inside the root are inventoried (git-annex and DataLad
    trees are made of them); symlinks leaving the root and symlinks to folders
    are reported and not followed unless ``follow_symlinks`` (folder loops are
    detected either way). ``need_stat`` fills ``size``/``stamp`` of each file.
    Entries in ``own_files`` (the inventory's cache and output) are skipped.
    """
    root = _check_root(os.fspath(root))
    own_files = own_files or None  # tested once per file below: a plain None is the cheapest test
    root_real = os.path.realpath(root)
    st_root = os.stat(root)
    visited = {(st_root.st_dev, st_root.st_ino)}
    stack: list[tuple[str, str, int]] = [(root, "", 0)]
    sep = os.sep
    # the per-entry loop stays in this one frame: it runs once per file (a call per file costs time)
    while stack:
        path, rel, depth = stack.pop()
        stat_errors: dict[str, OSError] = {}
        entries = _list_folder(path, rel, need_stat, stat_errors)
        if isinstance(entries, Problem):
            yield entries
            continue
        yield DirInfo(rel, depth, len(entries))
        subdirs: list[tuple[str, str, int]] = []
        base = path if path.endswith(sep) else path + sep
        for e in entries:
            name = e.name
            erel = f"{rel}/{name}" if rel else name
            if own_files is not None and erel in own_files:
                continue
            if not (name.isascii() or _valid_name(name)):
                yield Problem(
                    display_path(erel),
                    "invalid-name",
                    "the name is not valid UTF-8 text and cannot be written in metadata; rename it",
                )
                continue
            try:
                # the common case first: a regular file (d_type, no system call)
                if e.is_file(follow_symlinks=False):
                    if need_stat:
                        if name in stat_errors:
                            raise stat_errors[name]
                        st = e.stat(follow_symlinks=False)  # cached by _list
                        size = st.st_size  # the stamp inline (not stamp(st)): this runs once per file
                        yield FileEntry(
                            base + name,
                            erel,
                            rel,
                            size,
                            (size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev),
                        )
                    else:
                        yield FileEntry(base + name, erel, rel)
                elif e.is_symlink():
                    item = _symlink(base + name, erel, rel, depth, root_real, follow_symlinks, visited)
                    if isinstance(item, tuple):
                        subdirs.append(item)
                    else:
                        yield item
                elif e.is_dir(follow_symlinks=False):
                    if follow_symlinks:
                        st = os.stat(base + name, follow_symlinks=False)
                        visited.add((st.st_dev, st.st_ino))
                    subdirs.append((base + name, erel, depth + 1))
                else:
                    yield Problem(
                        erel,
                        "special-file",
                        "a special file (FIFO, socket or device), not data: it is not read",
                    )
            except FileNotFoundError:
                yield Problem(erel, "vanished", "the file disappeared during the inventory")
            except OSError as exc:
                yield Problem(erel, "unreadable", f"cannot be examined ({exc.strerror or exc})")
        stack.extend(reversed(subdirs))


def _check_root(root: str) -> str:
    if not os.path.exists(root):
        raise InventoryError(f"The folder {root!r} does not exist")
    if not os.path.isdir(root):
        raise InventoryError(f"{root!r} is a file, not a folder: give the folder that holds the data")
    return root


def _list_folder(
    path: str, rel: str, need_stat: bool, stat_errors: dict[str, OSError]
) -> list[os.DirEntry[str]] | Problem:
    """The entries of a folder, or the Problem saying why they cannot be listed."""
    try:
        return _list(path, need_stat, stat_errors)
    except FileNotFoundError:
        return Problem(display_path(rel or path), "vanished", "the folder disappeared during the inventory")
    except OSError as exc:
        return Problem(
            display_path(rel or path),
            "unlistable-folder",
            f"the folder cannot be listed ({exc.strerror or exc}); its files are missing",
        )


def _list(path: str, need_stat: bool, stat_errors: dict[str, OSError]) -> list[os.DirEntry[str]]:
    """A folder's entries sorted by name; with ``need_stat``, regular files are stat-ed (cached in the entries).

    Listing through a folder file descriptor makes each stat an ``fstatat`` of a
    bare name (no walk down the whole path); the descriptor is closed before the
    caller sees the entries, whose ``stat()`` results are cached by then.
    """
    if not (need_stat and _SCANDIR_FD):
        with os.scandir(path) as it:
            return sorted(it, key=_NAME)
    fd = os.open(path, _DIR_FLAGS)
    try:
        with os.scandir(fd) as it:
            entries = sorted(it, key=_NAME)
        for e in entries:
            if e.is_file(follow_symlinks=False):
                try:
                    e.stat(follow_symlinks=False)
                except OSError as exc:  # vanished meanwhile…: reported when the walk reaches it
                    stat_errors[e.name] = exc
    finally:
        os.close(fd)
    return entries


def _symlink(
    path: str, erel: str, rel: str, depth: int, root_real: str, follow: bool, visited: set[tuple[int, int]]
) -> FileEntry | Problem | tuple[str, str, int]:
    target = os.path.realpath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Problem(erel, "broken-symlink", "a symbolic link to something that does not exist")
    except OSError as exc:  # e.g. ELOOP
        return Problem(
            erel, "broken-symlink", f"a symbolic link that cannot be resolved ({exc.strerror or exc})"
        )
    if not follow and not _inside(target, root_real):
        return Problem(
            erel,
            "symlink-outside-root",
            "a symbolic link to a place outside the dataset folder: not followed "
            "(copy the data in, or allow following links)",
        )
    if stat.S_ISDIR(st.st_mode):
        if not follow:
            return Problem(
                erel,
                "symlink-folder",
                "a symbolic link to a folder: not followed (allow following links to include it)",
            )
        if (st.st_dev, st.st_ino) in visited:
            return Problem(erel, "symlink-loop", "a symbolic link to a folder already inventoried: skipped")
        visited.add((st.st_dev, st.st_ino))
        return (path, erel, depth + 1)
    if stat.S_ISREG(st.st_mode):
        return FileEntry(path, erel, rel, st.st_size, stamp(st))
    return Problem(erel, "special-file", "a link to a special file (FIFO, socket or device): it is not read")
