"""Streaming file hashing: several algorithms in one read, in a pool of threads.

Files are read in fixed-size chunks into one reusable buffer per thread, so
memory stays at ``workers × CHUNK_SIZE`` whatever the file sizes. ``hashlib``
releases the GIL while it digests a large buffer, so threads hash in parallel.
Small files are handed to the pool in batches, so the per-task overhead of the
pool is paid once per batch, not once per file.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from stat import S_ISREG
from typing import Any

from ..errors import ConfigurationError
from .stamp import Stamp, stamp

__all__ = [
    "ALGORITHMS",
    "CHUNK_SIZE",
    "FileDigest",
    "Opener",
    "default_opener",
    "hash_batch",
    "hash_file",
    "normalize_algorithms",
]

#: bytes read per system call (and the size of each thread's buffer)
CHUNK_SIZE = 1 << 20

#: openMINDS ``Hash.algorithm`` label → hashlib name
ALGORITHMS: dict[str, str] = {"SHA-256": "sha256", "MD5": "md5", "SHA-1": "sha1"}

_CONSTRUCTORS: dict[str, Callable[..., Any]] = {
    "SHA-256": hashlib.sha256,
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
}

_ALIASES = {k.replace("-", "").lower(): k for k in ALGORITHMS}

#: opens a path for reading and returns a file descriptor (injectable for tests and special file systems)
Opener = Callable[[str], int]

_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
)


def default_opener(path: str) -> int:
    """Open ``path`` read-only; O_NONBLOCK so that a FIFO swapped in for a file can never block us."""
    return os.open(path, _OPEN_FLAGS)


def normalize_algorithms(algorithms: str | Iterable[str]) -> tuple[str, ...]:
    """Canonical openMINDS labels ("SHA-256", "MD5", "SHA-1") for names such as "sha256" or "md5"."""
    if isinstance(algorithms, str):
        algorithms = [a for a in algorithms.split(",") if a.strip()]
    out: list[str] = []
    for a in algorithms:
        label = _ALIASES.get(a.strip().replace("-", "").replace("_", "").lower())
        if label is None:
            raise ConfigurationError(
                f"Unknown hash algorithm {a!r}: use one or more of {', '.join(ALGORITHMS)}"
            )
        if label not in out:
            out.append(label)
    if not out:
        raise ConfigurationError("Give at least one hash algorithm (SHA-256, MD5 or SHA-1)")
    return tuple(out)


@dataclass(slots=True)
class FileDigest:
    """What reading one file gave: its size, modification time, one hex digest per algorithm and its stamp.

    ``stamp`` is the file's (size, mtime_ns, ctime_ns, inode, device) when it was read (the cache's key).

    Read-only by convention (not frozen: one is made per file, a frozen one costs four times as much).
    """

    size: int
    mtime_ns: int
    digests: tuple[str, ...]
    stamp: Stamp


class ChangedWhileReading(OSError):
    """The file's size changed between opening it and reaching its end."""


class NotARegularFile(OSError):
    """The path turned out to be a FIFO, socket, device or folder when opened."""


#: files smaller than this are read with one plain ``os.read`` (a small bytes object beats buffer slicing)
_SMALL = 64 << 10

_local = threading.local()
_fstat = os.fstat  # module-level so tests can simulate a file changing between stat and read


def _buffer() -> tuple[list[bytearray], memoryview]:
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        buf = bytearray(CHUNK_SIZE)
        bufs = _local.bufs = ([buf], memoryview(buf))
    return bufs


def hash_file(
    path: str, algorithms: Sequence[str], opener: Opener = default_opener, max_size: int | None = None
) -> FileDigest:
    """Hash one file with every algorithm in a single streaming read.

    The file's size, modification and status-change times are checked again
    after the read: a file rewritten in place while it was read (even with the
    same size) is read again, up to :data:`READ_ATTEMPTS` times, so the digest
    is never that of a mix of old and new contents that never existed on disk.
    Timestamps advance in clock ticks (milliseconds), so a file changed less than
    :data:`RECENT_NS` ago is read twice and the two reads must agree.
    With ``max_size``, a file larger than that is closed unread and its
    FileDigest has no digests (the caller hands it to a worker thread).
    Raises ``OSError`` subclasses: ``FileNotFoundError`` (vanished),
    ``PermissionError`` (unreadable), :class:`NotARegularFile`,
    :class:`ChangedWhileReading` (still changing after every attempt).
    """
    settled = _time_ns() - RECENT_NS  # a file whose status changed before this did not change while we read
    fd = opener(path)
    try:
        # Most files of a dataset are small and untouched for long: one read, then one fstat (the
        # system calls of a bare open+fstat+read+close loop). A read shorter than the buffer that
        # matches the size is the whole file, and a settled ctime says no write happened meanwhile.
        try:
            data: bytes | None = os.read(fd, _SMALL)
        except OSError:  # a folder, a FIFO swapped in…: the fstat below says what it is
            data = None
        st = _fstat(fd)
        if not S_ISREG(st.st_mode):
            raise NotARegularFile(f"{path} is not a regular file")
        if data is not None and len(data) == st.st_size < _SMALL and st.st_ctime_ns < settled:
            if len(algorithms) == 1:
                return FileDigest(
                    st.st_size, st.st_mtime_ns, (_CONSTRUCTORS[algorithms[0]](data).hexdigest(),), stamp(st)
                )
            return FileDigest(
                st.st_size,
                st.st_mtime_ns,
                tuple([_CONSTRUCTORS[a](data).hexdigest() for a in algorithms]),
                stamp(st),
            )
        if max_size is not None and st.st_size > max_size:
            return FileDigest(st.st_size, st.st_mtime_ns, (), stamp(st))
        os.lseek(fd, 0, os.SEEK_SET)
        prev: tuple[str, ...] | None = None
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                digests: tuple[str, ...] | None = _read_digests(fd, path, st.st_size, algorithms)
            except ChangedWhileReading:
                if attempt == READ_ATTEMPTS:
                    raise
                digests = None
            after = _fstat(fd)
            if (
                digests is not None
                and after.st_mtime_ns == st.st_mtime_ns
                and after.st_ctime_ns == st.st_ctime_ns
                and after.st_size == st.st_size
            ):
                # a change within one tick of the file system clock leaves the timestamps as they
                # were: a file changed that recently is read twice, and two reads must agree
                if digests == prev or _time_ns() - after.st_ctime_ns > RECENT_NS:
                    return FileDigest(st.st_size, st.st_mtime_ns, digests, stamp(after))
                prev = digests
            else:
                prev = None
            st = after  # read it again from the start
            os.lseek(fd, 0, os.SEEK_SET)
        raise ChangedWhileReading(f"{path} kept changing while being read ({READ_ATTEMPTS} attempts)")
    finally:
        os.close(fd)


#: reads of one file before a file that keeps changing while read is reported
READ_ATTEMPTS = 3

#: a file whose status changed less than this long ago (ns) is read twice (timestamps are too coarse to tell)
RECENT_NS = 2 * 10**9

_time_ns = time.time_ns


def _read_digests(fd: int, path: str, size: int, algorithms: Sequence[str]) -> tuple[str, ...]:
    """Every algorithm's hex digest of the ``size`` bytes from the descriptor's position (one read)."""
    if size < _SMALL:
        # one read of exactly what is there (+1 to notice growth); no buffer slicing, no update calls
        data = os.read(fd, size + 1)
        if len(data) != size:
            raise ChangedWhileReading(f"{path} changed size while being read ({size} → {len(data)} bytes)")
        if len(algorithms) == 1:
            return (_CONSTRUCTORS[algorithms[0]](data).hexdigest(),)
        return tuple([_CONSTRUCTORS[a](data).hexdigest() for a in algorithms])
    bufs, view = _buffer()
    hashers = [_CONSTRUCTORS[a]() for a in algorithms]
    updates = [h.update for h in hashers]
    readv = os.readv
    full = len(bufs[0])
    total = 0
    while n := readv(fd, bufs):
        chunk = view[:n]
        for update in updates:
            update(chunk)
        total += n
        if n < full and total == size:
            break  # a short read that reaches the stat size is the end: saves one read call per file
    if total != size:
        raise ChangedWhileReading(f"{path} changed size while being read ({size} → {total} bytes)")
    return tuple([h.hexdigest() for h in hashers])


def hash_batch(
    paths: Sequence[str], algorithms: Sequence[str], opener: Opener = default_opener
) -> list[FileDigest | OSError]:
    """Hash a batch of files; a file that cannot be read gives its ``OSError`` in its slot, never raises."""
    out: list[FileDigest | OSError] = []
    for p in paths:
        try:
            out.append(hash_file(p, algorithms, opener))
        except OSError as exc:
            out.append(exc)
    return out
