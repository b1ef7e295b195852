"""The incremental-inventory cache: (path, stamp) → digests, in an SQLite file.

A file whose :data:`~ebrains_curation.inventory.stamp.Stamp` (size, mtime, ctime,
inode and device, as git and rsync compare) matches its cached row is not read
again. SQLite keeps memory flat however many files there are and
survives an interrupted run (rows are committed in batches). Rows are keyed by
(folder, name) and a folder's rows are fetched in one query when the walk
reaches it, so a re-run costs one query per folder, not one per file. Paths are
stored as raw bytes, so names in any encoding work.

A second table keeps, per folder, its listing (names and stamps of its files)
and the finished File node dicts (a marshal blob) under a key of the run's
settings: when a re-run finds the same listing and settings, the folder's
nodes are reused as they are, without building them again.

Nothing in the file is trusted blindly: a file that is not an SQLite database,
or the database of another program (other tables, another application id), is
refused with an :class:`~ebrains_curation.errors.InventoryError` before anything
is written to it, and a database that fails while in use (damaged pages, locked
by another process for too long) turns the cache off for the rest of the run
with a :class:`~ebrains_curation.errors.CurationWarning`: files are then read,
never taken from a cache that may be wrong.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import warnings
from collections.abc import Sequence
from types import TracebackType

from ..errors import CurationWarning, InventoryError
from .hashing import ALGORITHMS
from .stamp import Stamp

__all__ = ["InventoryCache"]

_COLUMNS = {"SHA-256": "sha256", "MD5": "md5", "SHA-1": "sha1"}
assert set(_COLUMNS) == set(ALGORITHMS)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inventory_files_v2 (
    dir BLOB NOT NULL,
    name BLOB NOT NULL,
    stamp TEXT NOT NULL,
    sha256 TEXT,
    md5 TEXT,
    sha1 TEXT,
    PRIMARY KEY (dir, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inventory_folders_v2 (
    dir BLOB PRIMARY KEY,
    settings TEXT NOT NULL,
    listing BLOB NOT NULL,
    payload BLOB NOT NULL
);
"""

#: SQLite's application id of our cache files ("ebIC"): a database with another one is another program's
APPLICATION_ID = 0x65624943
#: the tables any version of the cache made: a database holding others is another program's
_OURS = ("inventory_files", "inventory_folders")

#: bytes of the cache file SQLite may read through a memory map (address space, not memory)
_MMAP_SIZE = 1 << 30

_SEP = os.fsencode(os.sep)
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()

_UPSERT = """
INSERT INTO inventory_files_v2 (dir, name, stamp, sha256, md5, sha1) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (dir, name) DO UPDATE SET
    sha256 = COALESCE(excluded.sha256, CASE WHEN stamp = excluded.stamp THEN sha256 END),
    md5 = COALESCE(excluded.md5, CASE WHEN stamp = excluded.stamp THEN md5 END),
    sha1 = COALESCE(excluded.sha1, CASE WHEN stamp = excluded.stamp THEN sha1 END),
    stamp = excluded.stamp
"""

#: a cached row: the stamp (as text) and the SHA-256, MD5 and SHA-1 digests (None: not computed)
_Row = tuple[str, str | None, str | None, str | None]


def _text(stamp: Stamp) -> str:
    # text, not five INTEGER columns: inode and device numbers are unsigned 64-bit (SQLite's are signed)
    return " ".join(map(str, stamp))


class InventoryCache:
    """Digests of files already read, keyed by absolute path and checked against the file's stamp.

    A stamp is ``(size, mtime_ns, ctime_ns, inode, device)``; see
    :func:`ebrains_curation.inventory.stamp.stamp` for making one from ``os.stat``.

    Use as a context manager or call :meth:`close`; pending rows are committed
    every ``commit_every`` puts and on close. Only the thread that created the
    cache may use it.
    """

    def __init__(self, path: str | os.PathLike[str], *, commit_every: int = 5000):
        self.path = os.fspath(path)
        self.commit_every = commit_every
        self.hits = 0
        self.misses = 0
        self._pending = 0
        self._batch: list[tuple[bytes, bytes, str, str | None, str | None, str | None]] = []
        self._dir: bytes | None = None
        self._rows: dict[bytes, _Row] = {}
        #: set when the database failed in use: the cache then answers nothing and stores nothing
        self.broken = False
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path)
            _check_ours(db, self.path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # reads through a memory map: a folder's stored nodes span dozens of overflow pages, each a
            # read() call otherwise (a tenth of an unchanged re-run's time on 100,000 small files)
            db.execute(f"PRAGMA mmap_size={_MMAP_SIZE}")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
        except (sqlite3.DatabaseError, InventoryError) as exc:
            if db is not None:
                db.close()
            if isinstance(exc, InventoryError):
                raise
            raise InventoryError(
                f"The cache file {self.path!r} cannot be used ({exc}); delete it or pick another"
            ) from None
        self._db = db

    @staticmethod
    def _split(path: str) -> tuple[bytes, bytes]:
        if not path.startswith(os.sep) and not os.path.isabs(path):
            path = os.path.abspath(path)
        d, _, name = path.encode(_FS_ENCODING, _FS_ERRORS).rpartition(_SEP)
        return d, name

    def _failed(self, exc: sqlite3.DatabaseError) -> None:
        """The database failed in use: warn once, then answer nothing and store nothing for the rest of the run."""
        if not self.broken:
            self.broken = True
            self._batch.clear()
            self._rows = {}
            warnings.warn(
                f"The inventory cache {self.path!r} failed ({exc}): it is not used for the rest of this "
                "run (the files are read); if this comes back, delete the file",
                CurationWarning,
                stacklevel=3,
            )

    def _flush(self) -> None:
        # Rows are written in batches (one executemany costs a fraction of one execute per row); the
        # upsert keeps the digests of other algorithms while the stamp is unchanged, with no read.
        if self._batch:
            try:
                self._db.executemany(_UPSERT, self._batch)
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
            self._batch.clear()

    def _folder(self, d: bytes) -> dict[bytes, _Row]:
        if d != self._dir:
            self._flush()
            self._dir = d
            try:
                self._rows = {
                    r[0]: r[1:]
                    for r in self._db.execute(
                        "SELECT name, stamp, sha256, md5, sha1 FROM inventory_files_v2 WHERE dir = ?",
                        (d,),
                    )
                }
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
            if self.broken:
                self._rows = {}
        return self._rows

    def get(self, path: str, stamp: Stamp, algorithms: Sequence[str]) -> tuple[str, ...] | None:
        """The cached digests (in ``algorithms`` order) if the file is unchanged and all were computed, else None."""
        d, name = self._split(path)
        row = self._folder(d).get(name)
        if row is None or row[0] != _text(stamp):
            self.misses += 1
            return None
        out: list[str] = []
        stored = row[1:]
        for a in algorithms:
            digest = stored[("SHA-256", "MD5", "SHA-1").index(a)]
            if digest is None:
                self.misses += 1
                return None
            out.append(digest)
        self.hits += 1
        return tuple(out)

    def put(self, path: str, stamp: Stamp, digests: dict[str, str]) -> None:
        """Remember the digests of a file just read (digests of other algorithms are kept if unchanged)."""
        if self.broken:
            return
        d, name = self._split(path)
        key = _text(stamp)
        row: _Row = (key, digests.get("SHA-256"), digests.get("MD5"), digests.get("SHA-1"))
        self._batch.append((d, name, *row))
        if d == self._dir:
            old = self._rows.get(name)
            if old is not None and old[0] == key:
                sha256, md5, sha1 = (new or prev for new, prev in zip(row[1:], old[1:], strict=True))
                row = (key, sha256, md5, sha1)
            self._rows[name] = row
        self._pending += 1
        if self._pending >= self.commit_every:
            self.commit()

    def folder_get(self, folder: str, settings: str, listing: bytes) -> bytes | None:
        """The stored payload of ``folder`` if its listing and the run's settings are unchanged, else None."""
        if self.broken:
            return None
        try:
            row = self._db.execute(
                "SELECT settings, listing, payload FROM inventory_folders_v2 WHERE dir = ?",
                (os.fsencode(folder),),
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
            return None
        if row is None or row[0] != settings or row[1] != listing or type(row[2]) is not bytes:
            return None
        return row[2]

    def folder_put(self, folder: str, settings: str, listing: bytes, payload: bytes) -> None:
        """Remember the finished nodes (``payload``) of ``folder`` for this listing and these settings."""
        if self.broken:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO inventory_folders_v2 (dir, settings, listing, payload) "
                "VALUES (?, ?, ?, ?)",
                (os.fsencode(folder), settings, listing, payload),
            )
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
            return
        self._pending += 1
        if self._pending >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        """Write pending rows to disk."""
        self._flush()
        try:
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
        self._pending = 0

    def __len__(self) -> int:
        self._flush()
        try:
            return int(self._db.execute("SELECT COUNT(*) FROM inventory_files_v2").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
            return 0

    def close(self) -> None:
        """Commit and close the database."""
        if self._db is not None:
            self.commit()
            self._db.close()
            self._db = None  # type: ignore[assignment]

    def __enter__(self) -> InventoryCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<InventoryCache {self.path!r}>"


def _check_ours(db: sqlite3.Connection, path: str) -> None:
    """Refuse the database of another program (its application id, or tables that are not ours)."""
    (app_id,) = db.execute("PRAGMA application_id").fetchone()
    tables = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith("sqlite_")
    ]
    foreign = [t for t in tables if not t.startswith(_OURS)]
    if app_id not in (0, APPLICATION_ID) or foreign:
        shown = ", ".join(foreign[:5]) or f"application id {app_id:#x}"
        raise InventoryError(
            f"The cache file {path!r} is a database of another program ({shown}), not an inventory "
            "cache: it is left as it is; give the inventory a file of its own"
        )
