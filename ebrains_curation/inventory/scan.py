"""Walk a data folder safely, yielding folders, files and per-entry problems.

The walk never raises for one bad entry: an unreadable folder, a FIFO, a name
that is not valid UTF-8 or a symlink leaving the dataset becomes a
:class:`Problem` and the walk goes on. Entries come in a stable order (sorted
by name, a folder's files before its sub-folders), so two runs over the same
tree give the same metadata in the same order. Memory holds one folder
listing at a time plus the stack of folders still to visit.
"""

from __future__ import annotations

import marshal
import os
import stat
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

from ..errors import InventoryError
from .stamp import Stamp, stamp

__all__ = [
    "DirInfo",
    "FileEntry",
    "FolderFiles",
    "OwnFiles",
    "Problem",
    "display_path",
    "walk",
    "walk_folders",
]


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


@dataclass(slots=True)
class FolderFiles:
    """The files of one folder with their ``stat`` results, listed in one go (the unit of an incremental re-run).

    ``names`` and ``stats`` are parallel lists in walk order (sorted by name); a
    symlink to a file inside the root counts as a file, with its target's ``stat``.
    :meth:`listing` says in bytes what makes the folder unchanged; :meth:`entries`
    gives the :class:`FileEntry` objects when its files must be read.
    """

    rel: str  #: POSIX path of the folder relative to the root ("" for the root itself)
    path: str  #: the folder's path, ending with the path separator
    names: list[str]
    stats: list[Any]  #: ``os.stat_result`` (or anything with its five stamp attributes) of each file

    def stamps(self) -> list[Stamp]:
        """The :data:`~ebrains_curation.inventory.stamp.Stamp` of each file."""
        return list(map(_STAMP, self.stats))

    def listing(self) -> bytes:
        """The names and stamps of the files as bytes: equal bytes, same files with the same stamps.

        The count, the names joined by "/" (which no name holds) and each stamp field as an
        array of 64-bit integers: built in C passes over the lists (no object per file).
        """
        names, stats = self.names, self.stats
        try:
            parts = [len(names).to_bytes(8, "little"), "/".join(names).encode("utf-8", "surrogateescape")]
            parts += [array(code, map(field, stats)).tobytes() for code, field in _STAMP_COLUMNS]
        except OverflowError:  # a field beyond 64 bits (inode numbers on some systems): slower, as exact
            return marshal.dumps((names, self.stamps()))
        return b"".join(parts)

    def entries(self) -> list[FileEntry]:
        """One :class:`FileEntry` per file (with size and stamp), in walk order."""
        base, rel = self.path, self.rel
        prefix = f"{rel}/" if rel else ""
        return [
            FileEntry(base + n, prefix + n, rel, s[0], s)
            for n, s in zip(self.names, self.stamps(), strict=True)
        ]


class _Stamped:
    """The stamp fields of a file known by its :data:`Stamp` (a symlink's target), read as from ``os.stat``."""

    __slots__ = ("st_ctime_ns", "st_dev", "st_ino", "st_mtime_ns", "st_size")

    def __init__(self, st: Stamp):
        self.st_size, self.st_mtime_ns, self.st_ctime_ns, self.st_ino, self.st_dev = st


def display_path(path: str) -> str:
    """A printable form of a path; bytes that are not UTF-8 appear as ``\\xNN``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


_NAME = attrgetter("name")
_FIRST = itemgetter(0)
#: the Stamp of a stat result, in one C call (see stamp.py for why these five fields)
_STAMP = attrgetter("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")
#: (array type code, field) of each stamp field: sizes, inodes and devices unsigned, times signed
_STAMP_COLUMNS = (
    ("Q", attrgetter("st_size")),
    ("q", attrgetter("st_mtime_ns")),
    ("q", attrgetter("st_ctime_ns")),
    ("Q", attrgetter("st_ino")),
    ("Q", attrgetter("st_dev")),
)
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
        self.folders: set[str] = set()  # the folders (rel) that hold any of them
        for p in paths:
            real = os.path.realpath(os.fspath(p))
            if not _inside(real, root_real) or real == root_real:
                continue
            rel = os.path.relpath(real, root_real).replace(os.sep, "/")
            folder, _, name = rel.rpartition("/")
            self.exact.add(rel)
            self.folders.add(folder)
            self.exact.update(f"{rel}{tail}" for tail in ("-journal", "-wal", "-shm"))
            self.temp.append((folder, f".{name}."))

    def __bool__(self) -> bool:
        return bool(self.exact)

    def __contains__(self, rel: str) -> bool:
        if rel in self.exact:
            return True
        folder, _, name = rel.rpartition("/")
        return name.endswith(".tmp") and any(f == folder and name.startswith(t) for f, t in self.temp)


_INVALID_NAME = "the name is not valid UTF-8 text and cannot be written in metadata; rename it"


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
                yield Problem(display_path(erel), "invalid-name", _INVALID_NAME)
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
                else:
                    item = _other(e, base, erel, rel, depth, root_real, follow_symlinks, visited)
                    if isinstance(item, tuple):
                        subdirs.append(item)
                    else:
                        yield item
            except FileNotFoundError:
                yield Problem(erel, "vanished", "the file disappeared during the inventory")
            except OSError as exc:
                yield Problem(erel, "unreadable", f"cannot be examined ({exc.strerror or exc})")
        stack.extend(reversed(subdirs))


def walk_folders(
    root: str | os.PathLike[str], *, follow_symlinks: bool = False, own_files: OwnFiles | None = None
) -> Iterator[DirInfo | FolderFiles | Problem]:
    """As :func:`walk` with ``need_stat``, but each folder's files come together as one :class:`FolderFiles`.

    It follows its folder's :class:`DirInfo` (none for a folder without files);
    the same entries are files, skipped or problems as in :func:`walk`. Made for
    incremental re-runs, which compare listings: the common folder (regular
    files with ASCII names) is listed, stat-ed and stamped in a few C-level
    passes, with no Python object made per file but its ``stat`` result.
    """
    root = _check_root(os.fspath(root))
    own_files = own_files or None
    root_real = os.path.realpath(root)
    st_root = os.stat(root)
    visited = {(st_root.st_dev, st_root.st_ino)}
    stack: list[tuple[str, str, int]] = [(root, "", 0)]
    sep = os.sep
    while stack:
        path, rel, depth = stack.pop()
        try:
            entries, regular, stats, clean = _list_stamped(path)
        except OSError as exc:
            yield _unlistable(path, rel, exc)
            continue
        yield DirInfo(rel, depth, len(entries))
        base = path if path.endswith(sep) else path + sep
        names: list[str] = list(map(_NAME, regular))
        if not (clean and "".join(names).isascii() and (own_files is None or rel not in own_files.folders)):
            # a stat failed, a name is not ASCII or the inventory's own files are here: one by one
            names, stats, problems = _checked_files(regular, stats, rel, own_files)
            yield from problems
        subdirs: list[tuple[str, str, int]] = []
        if len(regular) != len(entries):  # sub-folders, symlinks, special files
            linked: list[FileEntry] = []
            for item in _others(entries, base, rel, depth, root_real, follow_symlinks, visited, own_files):
                if isinstance(item, tuple):
                    subdirs.append(item)
                elif isinstance(item, FileEntry):
                    linked.append(item)
                else:
                    yield item
            if linked:  # symlinks to files are files too, in name order with the others
                cut = len(base)
                pairs = [*zip(names, stats, strict=True)]
                pairs += [(f.path[cut:], _Stamped(f.stamp)) for f in linked if f.stamp is not None]
                pairs.sort(key=_FIRST)
                names, stats = [n for n, _ in pairs], [st for _, st in pairs]
        if names:
            yield FolderFiles(rel, base, names, stats)
        stack.extend(reversed(subdirs))


def _list_stamped(path: str) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]], list[Any], bool]:
    """A folder's entries sorted by name, its regular files, their stat results (or errors) and whether all succeeded.

    As in :func:`_list`, stats go through a folder descriptor (``fstatat`` of bare names),
    closed before the caller sees the entries (whose type and ``lstat`` are cached by then).
    """
    fd = os.open(path, _DIR_FLAGS) if _SCANDIR_FD else None
    try:
        with os.scandir(path if fd is None else fd) as it:
            entries = sorted(it, key=_NAME)
        regular = [e for e in entries if e.is_file(follow_symlinks=False)]
        try:
            stats: list[Any] = [e.stat(follow_symlinks=False) for e in regular]
            clean = True
        except OSError:  # one vanished meanwhile…: each error is kept, reported as walk() does
            stats, clean = [_stat_or_error(e) for e in regular], False
    finally:
        if fd is not None:
            os.close(fd)
    return entries, regular, stats, clean


def _stat_or_error(e: os.DirEntry[str]) -> os.stat_result | OSError:
    try:
        return e.stat(follow_symlinks=False)
    except OSError as exc:
        return exc


def _checked_files(
    regular: list[os.DirEntry[str]], stats: list[Any], rel: str, own_files: OwnFiles | None
) -> tuple[list[str], list[Any], list[Problem]]:
    """The names and stats of a folder's regular files, checked one by one (walk()'s rules), and the problems."""
    names: list[str] = []
    kept: list[Any] = []
    problems: list[Problem] = []
    prefix = f"{rel}/" if rel else ""
    for e, st in zip(regular, stats, strict=True):
        name = e.name
        erel = prefix + name
        if own_files is not None and erel in own_files:
            continue
        if not (name.isascii() or _valid_name(name)):
            problems.append(Problem(display_path(erel), "invalid-name", _INVALID_NAME))
        elif isinstance(st, FileNotFoundError):
            problems.append(Problem(erel, "vanished", "the file disappeared during the inventory"))
        elif isinstance(st, OSError):
            problems.append(Problem(erel, "unreadable", f"cannot be examined ({st.strerror or st})"))
        else:
            names.append(name)
            kept.append(st)
    return names, kept, problems


def _others(
    entries: list[os.DirEntry[str]],
    base: str,
    rel: str,
    depth: int,
    root_real: str,
    follow: bool,
    visited: set[tuple[int, int]],
    own_files: OwnFiles | None,
) -> Iterator[FileEntry | Problem | tuple[str, str, int]]:
    """What the entries that are not regular files are (see :func:`_other`), with walk()'s checks."""
    for e in entries:
        if e.is_file(follow_symlinks=False):
            continue
        name = e.name
        erel = f"{rel}/{name}" if rel else name
        if own_files is not None and erel in own_files:
            continue
        if not (name.isascii() or _valid_name(name)):
            yield Problem(display_path(erel), "invalid-name", _INVALID_NAME)
            continue
        try:
            yield _other(e, base, erel, rel, depth, root_real, follow, visited)
        except FileNotFoundError:
            yield Problem(erel, "vanished", "the file disappeared during the inventory")
        except OSError as exc:
            yield Problem(erel, "unreadable", f"cannot be examined ({exc.strerror or exc})")


def _other(
    e: os.DirEntry[str],
    base: str,
    erel: str,
    rel: str,
    depth: int,
    root_real: str,
    follow: bool,
    visited: set[tuple[int, int]],
) -> FileEntry | Problem | tuple[str, str, int]:
    """An entry that is not a regular file: a symlink (see :func:`_symlink`), a sub-folder to visit or a special file."""
    name = e.name
    if e.is_symlink():
        return _symlink(base + name, erel, rel, depth, root_real, follow, visited)
    if e.is_dir(follow_symlinks=False):
        if follow:
            st = os.stat(base + name, follow_symlinks=False)
            visited.add((st.st_dev, st.st_ino))
        return (base + name, erel, depth + 1)
    return Problem(erel, "special-file", "a special file (FIFO, socket or device), not data: it is not read")


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
    except OSError as exc:
        return _unlistable(path, rel, exc)


def _unlistable(path: str, rel: str, exc: OSError) -> Problem:
    if isinstance(exc, FileNotFoundError):
        return Problem(display_path(rel or path), "vanished", "the folder disappeared during the inventory")
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
