"""Object storage on disk for the Data Proxy sandbox: one file per object, an SQLite index for listings."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

__all__ = ["ObjectStore", "StoredObject"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredObject:
    """One object as the listing shows it."""

    name: str
    bytes: int
    hash: str
    content_type: str
    last_modified: str

    def as_listing(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "last_modified": self.last_modified,
            "bytes": self.bytes,
            "name": self.name,
            "content_type": self.content_type,
        }


def _now() -> str:
    # the Data Proxy's form: UTC, no zone, microseconds
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _segments(path: Path) -> Path:
    return path.with_name(path.name + ".segments")


class _Chain(io.RawIOBase):
    """Several files read as one (a segmented object)."""

    def __init__(self, paths: list[Path]):
        self._paths = list(paths)
        self._fh: IO[bytes] | None = None

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while self._paths or self._fh is not None:
            if self._fh is None:
                self._fh = open(self._paths.pop(0), "rb")  # noqa: SIM115
            data = self._fh.read(n if n and n > 0 else _CHUNK)
            if data:
                return data
            self._fh.close()
            self._fh = None
        return b""

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        super().close()


class ObjectStore:
    """Objects of every bucket under ``root`` (a temporary folder when None).

    ``writes[(bucket, name)]`` counts completed uploads of each object, so tests can
    check that nothing was uploaded twice.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None):
        self._tmp = None if root is not None else tempfile.TemporaryDirectory(prefix="dataproxy-sandbox-")
        self.root = Path(root if root is not None else self._tmp.name)  # type: ignore[union-attr]
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "parts").mkdir(exist_ok=True)
        self._db = sqlite3.connect(str(self.root / "index.sqlite"), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS objects (bucket TEXT, name TEXT, bytes INTEGER, hash TEXT, "
            "content_type TEXT, last_modified TEXT, PRIMARY KEY (bucket, name)) WITHOUT ROWID"
        )
        self._lock = threading.Lock()
        self.writes: dict[tuple[str, str], int] = {}

    def _path(self, bucket: str, name: str) -> Path:
        key = hashlib.sha1(f"{bucket}\n{name}".encode()).hexdigest()
        return self.root / "objects" / key[:2] / key

    # -- writing -----------------------------------------------------------------------------------
    def receive(self, stream: IO[bytes], length: int, tmp_dir: Path | None = None) -> tuple[Path, str, int]:
        """Stream ``length`` bytes to a temporary file; (path, md5 hex, bytes received)."""
        folder = tmp_dir or (self.root / "parts")
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        md5 = hashlib.md5()
        got = 0
        try:
            with os.fdopen(fd, "wb") as fh:
                while got < length:
                    chunk = stream.read(min(_CHUNK, length - got))
                    if not chunk:
                        break
                    md5.update(chunk)
                    fh.write(chunk)
                    got += len(chunk)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return Path(tmp), md5.hexdigest(), got

    def commit(
        self, bucket: str, name: str, tmp: Path, digest: str, size: int, content_type: str
    ) -> StoredObject:
        """Move a received file into place and index it (an upload overwrites, as on the Data Proxy)."""
        dest = self._path(bucket, name)
        dest.parent.mkdir(exist_ok=True)
        shutil.rmtree(_segments(dest), ignore_errors=True)
        os.replace(tmp, dest)
        return self._index(bucket, name, digest, size, content_type)

    def commit_segments(self, bucket: str, name: str, parts: list[Path], digest: str) -> StoredObject:
        """Store a multipart object as its segments behind a manifest (as Swift does): no copy of the bytes."""
        dest = self._path(bucket, name)
        dest.parent.mkdir(exist_ok=True)
        seg = _segments(dest)
        shutil.rmtree(seg, ignore_errors=True)
        seg.mkdir()
        size = 0
        for i, part in enumerate(parts, 1):
            size += part.stat().st_size
            os.replace(part, seg / f"{i:06d}")
        dest.write_bytes(b"")  # the manifest: the content is the segments, in order
        return self._index(bucket, name, digest, size, "application/octet-stream")

    def _index(self, bucket: str, name: str, digest: str, size: int, content_type: str) -> StoredObject:
        obj = StoredObject(name, size, digest, content_type or "application/octet-stream", _now())
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?)",
                (bucket, name, obj.bytes, obj.hash, obj.content_type, obj.last_modified),
            )
            self._db.commit()
            self.writes[(bucket, name)] = self.writes.get((bucket, name), 0) + 1
        return obj

    def put_index_only(self, bucket: str, rows: Iterable[tuple[str, int, str, str]]) -> None:
        """Index objects without content (benchmarks of listing-only operations)."""
        now = _now()
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?)",
                ((bucket, n, b, h, ct, now) for n, b, h, ct in rows),
            )
            self._db.commit()

    def delete(self, bucket: str, name: str, *, folder: bool = False) -> int:
        """Remove an object (or every object under ``name`` when ``folder``); how many went."""
        with self._lock:
            if folder:
                rows = self._db.execute(
                    "SELECT name FROM objects WHERE bucket=? AND name >= ? AND name < ?",
                    (bucket, name, name + "\U0010ffff"),
                ).fetchall()
                names = [r[0] for r in rows]
            else:
                names = [name] if self._get(bucket, name) else []
            for n in names:
                self._db.execute("DELETE FROM objects WHERE bucket=? AND name=?", (bucket, n))
                with contextlib.suppress(FileNotFoundError):
                    self._path(bucket, n).unlink()
                shutil.rmtree(_segments(self._path(bucket, n)), ignore_errors=True)
            self._db.commit()
        return len(names)

    # -- reading -----------------------------------------------------------------------------------
    def _get(self, bucket: str, name: str) -> StoredObject | None:
        row = self._db.execute(
            "SELECT name, bytes, hash, content_type, last_modified FROM objects WHERE bucket=? AND name=?",
            (bucket, name),
        ).fetchone()
        return StoredObject(*row) if row else None

    def get(self, bucket: str, name: str) -> StoredObject | None:
        """One object's listing entry, or None."""
        with self._lock:
            return self._get(bucket, name)

    def open(self, bucket: str, name: str) -> IO[bytes]:
        """The object's content (its segments one after the other, for a multipart object)."""
        path = self._path(bucket, name)
        seg = _segments(path)
        if seg.is_dir():
            return _Chain(sorted(seg.iterdir()))  # type: ignore[return-value]
        return open(path, "rb")

    def page(self, bucket: str, prefix: str, marker: str, limit: int) -> list[StoredObject]:
        """Up to ``limit`` objects after ``marker`` (exclusive) whose name starts with ``prefix``, by name."""
        return [StoredObject(*r) for r in self.rows(bucket, prefix, marker, limit)]

    def listing(self, bucket: str, prefix: str, marker: str, limit: int) -> list[dict[str, Any]]:
        """The same as listing entries (dicts), built straight from the rows (pages of 10,000 are common)."""
        keys = ("name", "bytes", "hash", "content_type", "last_modified")
        return [dict(zip(keys, r, strict=True)) for r in self.rows(bucket, prefix, marker, limit)]

    def rows(self, bucket: str, prefix: str, marker: str, limit: int) -> list[tuple[Any, ...]]:
        """(name, bytes, hash, content_type, last_modified) rows, by name."""
        low = max(marker, prefix) if marker else prefix
        op = ">" if marker and marker >= prefix else ">="
        with self._lock:
            rows = self._db.execute(
                "SELECT name, bytes, hash, content_type, last_modified FROM objects "
                f"WHERE bucket=? AND name {op} ? AND name < ? ORDER BY name LIMIT ?",
                (bucket, low, prefix + "\U0010ffff", limit),
            ).fetchall()
        return rows

    def stats(self, bucket: str) -> tuple[int, int, str | None]:
        """(objects, bytes, last modified) of a bucket."""
        with self._lock:
            n, size, last = self._db.execute(
                "SELECT count(*), coalesce(sum(bytes),0), max(last_modified) FROM objects WHERE bucket=?",
                (bucket,),
            ).fetchone()
        return int(n), int(size), last

    def iter_all(self, bucket: str) -> Iterator[StoredObject]:
        """Every object of a bucket, by name."""
        marker = ""
        while True:
            page = self.page(bucket, "", marker, 1000)
            if not page:
                return
            yield from page
            marker = page[-1].name

    def close(self) -> None:
        """Close the index (and remove the temporary folder, if we made it)."""
        with self._lock:
            self._db.close()
        if self._tmp is not None:
            self._tmp.cleanup()
