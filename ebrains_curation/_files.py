"""File plumbing shared by every reader and writer of the package.

* :func:`read_input`: the one way an input file is read (loaders, ``--record``,
  ``--context``, profile files, CLI input paths). Only regular files are read — a FIFO
  would block forever and ``/dev/zero`` would fill the memory — and at most
  :func:`max_input_bytes` of them (``EBRAINS_CURATION_MAX_INPUT_MB``, default 512;
  ``0`` means no limit; the CLI's ``--max-input-mb`` sets it too).
* :func:`decode_text`: UTF-8 with or without a byte-order mark, the same for JSON,
  Turtle and N-Triples; UTF-16/32 (recognised by their BOM) and other bytes are refused
  with a message that shows what was found.
* :func:`atomic_write`: a temporary file in the same folder, then a rename (never half a
  file); the file keeps the mode of the one it replaces, or gets the umask default. The
  temporary files left by a killed process are removed by a later write into the folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import socket
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from .errors import LoadError

__all__ = [
    "DEFAULT_MAX_INPUT_MB",
    "MAX_INPUT_ENV",
    "atomic_write",
    "decode_text",
    "max_input_bytes",
    "open_input",
    "read_input",
    "remove_stale_temp_files",
]

MAX_INPUT_ENV = "EBRAINS_CURATION_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 512

_BOMS = (
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)


def max_input_bytes() -> int | None:
    """The size limit of an input file in bytes (None: no limit), from ``EBRAINS_CURATION_MAX_INPUT_MB``."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * 1024 * 1024
    try:
        mb = float(raw)
    except ValueError:
        raise LoadError(f"{MAX_INPUT_ENV}={raw!r} is not a number of megabytes (0 means no limit)") from None
    return None if mb <= 0 else int(mb * 1024 * 1024)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_input(path: str | os.PathLike[str], *, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, refused (:class:`LoadError`) if special or too big.

    ``what`` names the file in messages ("record file", "context file"…). The file is
    opened without blocking and checked on the open descriptor, so it cannot be swapped
    for a FIFO between the check and the read.
    """
    name = str(path)
    limit = max_input_bytes()
    with open_input(path, what=what) as fh:
        try:
            data = fh.read() if limit is None else fh.read(limit + 1)
        except OSError as exc:
            raise LoadError(f"cannot read the {what}: {_reason(exc)}", source=name) from None
    if limit is not None and len(data) > limit:
        raise LoadError(_too_big(what, len(data), limit), source=name)
    return data


def open_input(path: str | os.PathLike[str], *, what: str = "file") -> BinaryIO:
    """The regular file ``path`` open for reading (binary), refused as :func:`read_input` refuses it.

    For readers that take a large file piece by piece; the size limit is checked here on the
    file's size, and the caller reads at most :func:`max_input_bytes` of it.
    """
    name = str(path)
    limit = max_input_bytes()
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(f"cannot read the {what}: {_reason(exc)}", source=name) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise LoadError(
            f"cannot read the {what}: it is {_kind_of(info.st_mode)}, not a regular file", source=name
        )
    if limit is not None and info.st_size > limit:
        os.close(fd)
        raise LoadError(_too_big(what, info.st_size, limit), source=name)
    return os.fdopen(fd, "rb")


def _too_big(what: str, size: int, limit: int) -> str:
    return (
        f"the {what} is {size / 1048576:.1f} MB, over the input limit of {limit / 1048576:g} MB; "
        f"raise it with --max-input-mb or the {MAX_INPUT_ENV} environment variable (0 = no limit)"
    )


def _reason(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    return exc.strerror or type(exc).__name__


def decode_text(data: bytes, source: str, format: str = "JSON") -> str:
    """``data`` as text: UTF-8, a UTF-8 byte-order mark dropped; anything else a clear LoadError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "UTF-8":
                data = data[len(bom) :]
                break
            raise LoadError(
                f"the file starts with a {encoding} byte-order mark ({bom.hex(' ').upper()}): {format} "
                "files must be UTF-8; save it as UTF-8",
                source=source,
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = data[exc.start : exc.start + 4].hex(" ").upper()
        raise LoadError(
            f"not UTF-8 text (bytes {shown} at offset {exc.start}); {format} files must be UTF-8",
            source=source,
        ) from None


def _mode_for(path: Path) -> int:
    """The mode a written file gets: the replaced file's, or 0o666 minus the umask."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


#: a temporary file of ours: ``.<name>.~ec-<host tag>-<pid>-<random>.tmp``. The PID lets a later
#: write tell the leftover of a killed process (``kill -9`` skips every cleanup) from a live write.
_TMP_RE = re.compile(r"^\..*\.~ec-([0-9a-f]{8})-([0-9]+)-[^.]+\.tmp$")
#: a leftover is removed only once this old too: a new process may have reused the PID
STALE_TEMP_SECONDS = 60.0
_swept: set[str] = set()


@functools.cache
def _host_tag() -> str:
    # PIDs only mean something on one machine: a shared (NFS) folder holds other hosts' writes
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True


def remove_stale_temp_files(folder: str | Path, *, min_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary files that :func:`atomic_write` calls on this host left in ``folder``.

    A file is removed only when the process named in it no longer runs and it was last
    written more than ``min_age`` seconds ago. Returns the files removed.
    """
    removed: list[Path] = []
    tag, now = _host_tag(), time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if not m or m[1] != tag or int(m[2]) == os.getpid() or _pid_alive(int(m[2])):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > min_age:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _sweep_once(folder: Path) -> None:
    """Remove stale temporary files the first time this process writes into ``folder``."""
    key = os.path.abspath(folder)
    if key not in _swept:  # once per folder: one file per node must not list the folder each time
        _swept.add(key)
        remove_stale_temp_files(folder)


def atomic_write(path: str | Path, data: str | bytes | Iterable[str] | Iterable[bytes | memoryview]) -> None:
    """Write ``data`` (text, bytes, or an iterable of text or of byte chunks) to ``path`` atomically.

    The temporary file sits next to ``path`` and is removed if anything goes wrong
    (including KeyboardInterrupt); the result keeps the mode of the file it replaces.
    Its name holds this process's PID, so that what a killed process left behind is
    removed by the next write into the folder (see :func:`remove_stale_temp_files`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_once(path.parent)
    mode = _mode_for(path)
    prefix = f".{path.name[:100]}.~ec-{_host_tag()}-{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        elif isinstance(data, str):
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(data)
        else:
            chunks = iter(data)
            first = next(chunks, None)
            if isinstance(first, (bytes, memoryview)):  # byte chunks (the JSON-LD writer's): as they are
                with os.fdopen(fd, "wb") as fh:
                    fh.write(first)
                    fh.writelines(chunks)  # type: ignore[arg-type]
            else:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                    if first is not None:
                        fh.write(first)
                    fh.writelines(chunks)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
