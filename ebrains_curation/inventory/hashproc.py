"""A helper process that hashes small files while the inventory builds File nodes on another core.

For many small files the work splits in two halves of about equal cost: opening,
reading and hashing each file (system calls, and ``hashlib``, which keeps the
GIL for buffers under 2 KiB), and walking the folders and building the node
dicts. Threads cannot run those halves in parallel (the GIL), a second process
can. The helper runs :func:`~ebrains_curation.inventory.hashing.hash_file`, the
very function used inline, so it applies the same integrity checks.

The helper is a plain ``python -c`` child with two pipes (no ``multiprocessing``:
it would import the user's main script again in the child). Frames are a
4-byte length and a :mod:`marshal` payload: a request is a list of paths, a
response one result per path, in order. The parent writes without blocking and
reads whenever a write would block, so the two pipes can never deadlock, and a
helper that dies or cannot start is only a loss of speed: its unanswered
batches are hashed inline.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from .hashing import ChangedWhileReading, FileDigest, NotARegularFile, hash_file

__all__ = ["HashProcess", "available", "serve"]

_HEADER = 4
_READ = 1 << 20
#: bytes each pipe may hold (asked for; Linux grants up to /proc/sys/fs/pipe-max-size, 1 MiB by default)
PIPE_SIZE = 1 << 20

#: OSError classes a result may carry, by name (anything else comes back as a plain OSError)
_ERRORS: dict[str, type[OSError]] = {
    cls.__name__: cls
    for cls in (
        FileNotFoundError,
        PermissionError,
        IsADirectoryError,
        NotADirectoryError,
        NotARegularFile,
        ChangedWhileReading,
    )
}

#: What the child runs: isolated (-I: neither the current folder nor PYTHONPATH on its path) and without
#: site-packages (-S: it needs the standard library only), this very copy of the package. The two
#: packages are entered as bare namespaces, so that their ``__init__`` (the whole library, a tenth
#: of a second) is skipped: the helper loads hashproc, hashing, stamp and errors, and answers in
#: about 50 ms.
_BOOT = """
import sys, types
for name, folder in (("ebrains_curation", {pkg!r}), ("ebrains_curation.inventory", {inv!r})):
    module = sys.modules[name] = types.ModuleType(name)
    module.__path__ = [folder]
from ebrains_curation.inventory.hashproc import serve
serve()
"""


def available() -> bool:
    """Whether helper processes can be used here (POSIX pipes and ``select``, a Python executable).

    Not in a frozen application (PyInstaller and the like): its executable is the application.
    """
    return os.name == "posix" and bool(sys.executable) and not getattr(sys, "frozen", False)


def _widen(fd: int) -> None:
    """Room for several batches in a pipe (Linux; elsewhere pipes keep their size, 64 KiB or so)."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # POSIX only

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def _frame(obj: Any) -> bytes:
    data = marshal.dumps(obj)
    return len(data).to_bytes(_HEADER, "little") + data


# -- the child -------------------------------------------------------------------------------------
def _result(path: str, algorithms: tuple[str, ...], max_size: int | None) -> tuple[object, ...]:
    try:
        d = hash_file(path, algorithms, max_size=max_size)
    except OSError as exc:
        return ("error", type(exc).__name__, exc.errno, exc.strerror or str(exc), path)
    return (d.size, d.mtime_ns, d.digests, d.stamp)


def serve(fd_in: int = 0, fd_out: int = 1) -> None:
    """The helper's loop: read requests ``(algorithms, max_size, paths)`` until end of input, answer each in order.

    A file larger than ``max_size`` is not read: its result has no digests (the parent's threads read it).
    """
    read_in = os.fdopen(fd_in, "rb", buffering=_READ)
    write_out = os.fdopen(fd_out, "wb", buffering=0)
    write_out.write(_frame("ready"))
    while (header := read_in.read(_HEADER)) and len(header) == _HEADER:
        algorithms, max_size, paths = marshal.loads(read_in.read(int.from_bytes(header, "little")))
        write_out.write(_frame([_result(p, algorithms, max_size) for p in paths]))


# -- the parent ------------------------------------------------------------------------------------
class _Gone(Exception):
    """The helper process ended or failed (its batches are then hashed inline)."""


def _error(result: tuple[Any, ...]) -> OSError:
    _, name, errno, message, path = result
    cls = _ERRORS.get(name, OSError)
    if cls in (NotARegularFile, ChangedWhileReading):
        return cls(message)
    return cls(errno, message, path)


class HashProcess:
    """The parent's side: start the helper, send batches of paths, collect their results in order.

    Methods never raise for a helper that died: :meth:`result` then returns None and the
    caller hashes that batch itself; :attr:`alive` turns False.
    """

    def __init__(self, algorithms: Sequence[str], max_size: int | None = None):
        self.algorithms = tuple(algorithms)
        self.max_size = max_size
        self.alive = True
        self.ready = False
        self.in_flight = 0
        self._buf = bytearray()
        inv = os.path.dirname(os.path.abspath(__file__))
        boot = _BOOT.format(pkg=os.path.dirname(inv), inv=inv)
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", boot],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError):
            self._proc = None
            self.alive = False
            return
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._out = self._proc.stdin.fileno()
        self._in = self._proc.stdout.fileno()
        os.set_blocking(self._out, False)
        for fd in (self._out, self._in):
            _widen(fd)

    def poll_ready(self) -> bool:
        """Whether the helper has started and answers (never waits)."""
        if self.alive and not self.ready:
            try:
                self._pull(wait=False)
                if self._take() is not None:  # its "ready" frame
                    self.ready = True
            except _Gone:
                self.close()
        return self.ready

    def submit(self, paths: list[str]) -> bool:
        """Send a batch; False if the helper is gone (the caller hashes the batch itself)."""
        if not self.ready:
            return False
        data = memoryview(_frame((self.algorithms, self.max_size, paths)))
        try:
            while data:
                _, writable, _ = select.select([self._in], [self._out], [])
                if writable:
                    with contextlib.suppress(BlockingIOError):
                        data = data[os.write(self._out, data) :]
                else:  # it is blocked writing answers: read them so it can go on reading
                    self._pull(wait=False)
        except (_Gone, OSError):
            self.close()
            return False
        self.in_flight += 1
        return True

    def result(self) -> list[FileDigest | OSError] | None:
        """The results of the oldest batch still in flight, in path order; None if the helper died."""
        self.in_flight -= 1
        try:
            while (payload := self._take()) is None:
                self._pull(wait=True)
        except _Gone:
            self.close()
            return None
        return [FileDigest(*r) if r[0] != "error" else _error(r) for r in payload]

    def _pull(self, wait: bool) -> None:
        """Append what the helper wrote to the buffer (at least something when ``wait``)."""
        if self._proc is None:
            raise _Gone
        while True:
            if not wait and not select.select([self._in], [], [], 0)[0]:
                return
            try:
                chunk = os.read(self._in, _READ)
            except OSError:
                raise _Gone from None
            if not chunk:
                raise _Gone
            self._buf += chunk
            if wait:
                return

    def answered(self) -> bool:
        """Whether the answer to the oldest batch in flight has arrived (never waits)."""
        if not self.in_flight:
            return False
        try:
            if not self._frame_end():
                self._pull(wait=False)
        except _Gone:
            return True  # :meth:`result` says so without waiting
        return bool(self._frame_end())

    def _frame_end(self) -> int:
        """Where the first complete frame in the buffer ends (0: none yet)."""
        buf = self._buf
        if len(buf) < _HEADER:
            return 0
        end = _HEADER + int.from_bytes(buf[:_HEADER], "little")
        return end if len(buf) >= end else 0

    def _take(self) -> Any:
        """The next complete frame in the buffer, or None."""
        end = self._frame_end()
        if not end:
            return None
        obj = marshal.loads(self._buf[_HEADER:end])
        del self._buf[:end]
        return obj

    def close(self) -> None:
        """Stop the helper (end of input; killed when it has not even started) and reap it."""
        self.alive = False
        proc, self._proc = self._proc, None
        if proc is None:
            return
        started = self.ready
        for pipe in (proc.stdin, proc.stdout):  # end of input: it stops; a write then fails: it stops
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        self.ready = False
        if not started:  # still importing: nothing of its work is wanted
            proc.kill()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
