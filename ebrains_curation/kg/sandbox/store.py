"""SQLite persistence of the sandbox: instances per stage, their types, identifiers and releases.

One connection guarded by a lock serves every thread (SQLite serialises writes
anyway, and an in-memory database must be one connection). A file database uses
WAL so it survives a restart without slowing every write with an fsync.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["STAGES", "Record", "Store"]

STAGES = ("IN_PROGRESS", "RELEASED")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    stage TEXT NOT NULL, uuid TEXT NOT NULL, space TEXT NOT NULL, label TEXT NOT NULL,
    revision TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (stage, uuid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inst_types (
    stage TEXT NOT NULL, type TEXT NOT NULL, uuid TEXT NOT NULL, space TEXT NOT NULL, label TEXT NOT NULL,
    PRIMARY KEY (stage, type, uuid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inst_types_label ON inst_types (stage, type, label, uuid);
CREATE INDEX IF NOT EXISTS inst_types_uuid ON inst_types (stage, uuid);
CREATE TABLE IF NOT EXISTS identifiers (
    stage TEXT NOT NULL, identifier TEXT NOT NULL, uuid TEXT NOT NULL,
    PRIMARY KEY (stage, identifier, uuid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identifiers_uuid ON identifiers (stage, uuid);
CREATE TABLE IF NOT EXISTS releases (
    uuid TEXT PRIMARY KEY, first_released_at TEXT, last_released_at TEXT, released_revision TEXT);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass
class Record:
    """One stored instance at one stage."""

    uuid: str
    space: str
    revision: str
    doc: dict[str, Any]
    first_released_at: str | None = None
    last_released_at: str | None = None


class Store:
    """The sandbox's SQLite database (``":memory:"`` or a file path)."""

    def __init__(self, path: str = ":memory:"):
        self.path = str(path)
        self.lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._depth = 0
        self._spaces = {r[0] for r in self._conn.execute("SELECT DISTINCT space FROM instances")}
        self._listeners: list[Callable[[str, list[str]], None]] = []

    def add_listener(self, listener: Callable[[str, list[str]], None]) -> None:
        """Call ``listener(stage, uuids)`` whenever instances at a stage are written or removed.

        It is called inside the writing transaction, with the lock held (the query
        engine only marks the uuids as stale there and re-reads them later).
        """
        self._listeners.append(listener)

    def _changed(self, stage: str, uuids: list[str]) -> None:
        for listener in self._listeners:
            listener(stage, uuids)

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self._conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and run the block in one transaction (nested calls join the outer one)."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self._conn.execute(sql, params).fetchall()

    # -- settings --------------------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        """A stored setting (e.g. the seeded openMINDS version)."""
        rows = self._q("SELECT value FROM settings WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO settings VALUES (?,?)", (key, value))

    # -- reads -----------------------------------------------------------------------------------
    def _record(self, row: tuple[Any, ...]) -> Record:
        uuid_, space, revision, doc, first, last = row
        return Record(uuid_, space, revision, json.loads(doc), first, last)

    _SELECT = (
        "SELECT i.uuid, i.space, i.revision, i.doc, r.first_released_at, r.last_released_at "
        "FROM instances i LEFT JOIN releases r ON r.uuid = i.uuid "
    )

    def get(self, stage: str, uuid: str) -> Record | None:
        """The instance at ``stage``, or None."""
        rows = self._q(self._SELECT + "WHERE i.stage=? AND i.uuid=?", (stage, uuid))
        return self._record(rows[0]) if rows else None

    def get_many(self, stage: str, uuids: Iterable[str]) -> dict[str, Record]:
        """uuid → record for those that exist."""
        out: dict[str, Record] = {}
        ids = list(dict.fromkeys(uuids))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._q(self._SELECT + f"WHERE i.stage=? AND i.uuid IN ({marks})", (stage, *chunk)):
                rec = self._record(row)
                out[rec.uuid] = rec
        return out

    def all_records(self, stage: str) -> Iterator[tuple[Record, str]]:
        """Every instance at ``stage`` with its label (for the query engine's in-memory view)."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT i.uuid, i.space, i.revision, i.doc, r.first_released_at, r.last_released_at, i.label "
                "FROM instances i LEFT JOIN releases r ON r.uuid = i.uuid WHERE i.stage=?",
                (stage,),
            ).fetchall()
        for row in rows:
            yield self._record(row[:6]), row[6]

    def space_of(self, stage: str, uuid: str) -> str | None:
        """The space of an instance (no document parsing)."""
        rows = self._q("SELECT space FROM instances WHERE stage=? AND uuid=?", (stage, uuid))
        return rows[0][0] if rows else None

    def revision_of(self, stage: str, uuid: str) -> str | None:
        """The revision of an instance at ``stage``."""
        rows = self._q("SELECT revision FROM instances WHERE stage=? AND uuid=?", (stage, uuid))
        return rows[0][0] if rows else None

    def resolve(self, stage: str, identifiers: Iterable[str]) -> dict[str, list[str]]:
        """identifier → the uuids it resolves to at ``stage`` (only identifiers that resolve)."""
        out: dict[str, list[str]] = {}
        ids = list(dict.fromkeys(identifiers))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._q(
                f"SELECT identifier, uuid FROM identifiers WHERE stage=? AND identifier IN ({marks})",
                (stage, *chunk),
            )
            for ident, uid in rows:
                out.setdefault(ident, []).append(uid)
        return out

    def list(
        self,
        stage: str,
        type_: str,
        *,
        spaces: set[str] | None = None,
        space: str | None = None,
        label_terms: Sequence[str] = (),
        filter_property: str | None = None,
        filter_value: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        count: bool = True,
    ) -> tuple[list[Record], int | None]:
        """One page of the instances of a type, sorted by label then uuid, and the total count."""
        where = ["t.stage=?", "t.type=?"]
        params: list[Any] = [stage, type_]
        if space is not None:
            where.append("t.space=?")
            params.append(space)
        if spaces is not None:
            where.append(f"t.space IN ({','.join('?' * len(spaces))})")
            params.extend(sorted(spaces))
        for term in label_terms:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("t.label LIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        join = ""
        if filter_property:
            join = "JOIN instances f ON f.stage=t.stage AND f.uuid=t.uuid "
            path = '$."' + filter_property.replace('"', '\\"') + '"'
            where.append(
                "EXISTS (SELECT 1 FROM json_each(f.doc, ?) j WHERE j.value = ? "
                "OR (j.type = 'object' AND json_extract(j.value, '$.\"@id\"') = ?))"
            )
            params.extend([path, filter_value, filter_value])
        base = f"FROM inst_types t {join}WHERE {' AND '.join(where)}"
        total = None
        with self.lock:
            if count:
                total = self._conn.execute(f"SELECT COUNT(*) {base}", params).fetchone()[0]
            page_sql = f"SELECT t.uuid {base} ORDER BY t.label, t.uuid"
            page_params = list(params)
            if limit is not None or offset:
                page_sql += " LIMIT ? OFFSET ?"
                page_params += [-1 if limit is None else limit, offset]
            uuids = [r[0] for r in self._conn.execute(page_sql, page_params).fetchall()]
            records = self.get_many(stage, uuids)
        return [records[u] for u in uuids if u in records], total

    def type_counts(
        self, stage: str, spaces: set[str] | None = None, space: str | None = None
    ) -> builtins.list[tuple[str, str, int]]:  # builtins: the method list() shadows it here
        """(type, space, count) at ``stage``."""
        where, params = ["stage=?"], [stage]
        if space is not None:
            where.append("space=?")
            params.append(space)
        if spaces is not None:
            where.append(f"space IN ({','.join('?' * len(spaces))})")
            params.extend(sorted(spaces))
        return [
            (t, s, n)
            for t, s, n in self._q(
                f"SELECT type, space, COUNT(*) FROM inst_types WHERE {' AND '.join(where)} "
                "GROUP BY type, space ORDER BY type, space",
                params,
            )
        ]

    def property_counts(
        self, stage: str, type_: str, spaces: set[str] | None = None
    ) -> builtins.list[tuple[str, int]]:
        """(property, number of instances using it) for one type."""
        where, params = ["t.stage=?", "t.type=?"], [stage, type_]
        if spaces is not None:
            where.append(f"t.space IN ({','.join('?' * len(spaces))})")
            params.extend(sorted(spaces))
        return [
            (k, n)
            for k, n in self._q(
                "SELECT j.key, COUNT(*) FROM inst_types t JOIN instances i ON i.stage=t.stage AND i.uuid=t.uuid, "
                f"json_each(i.doc) j WHERE {' AND '.join(where)} GROUP BY j.key ORDER BY j.key",
                params,
            )
        ]

    def spaces_in_use(self) -> set[str]:
        """Every space that holds, or has held, an instance."""
        with self.lock:
            return set(self._spaces)

    def count(self, stage: str | None = None, space: str | None = None) -> int:
        """Number of instances (at one stage, or rows over both; optionally in one space)."""
        where, params = ["1=1"], []
        if stage is not None:
            where.append("stage=?")
            params.append(stage)
        if space is not None:
            where.append("space=?")
            params.append(space)
        return self._q(f"SELECT COUNT(*) FROM instances WHERE {' AND '.join(where)}", params)[0][0]

    def release_info(self, uuid: str) -> tuple[str | None, str | None, str | None] | None:
        """(first released at, last released at, released revision), or None if never released."""
        rows = self._q(
            "SELECT first_released_at, last_released_at, released_revision FROM releases WHERE uuid=?",
            (uuid,),
        )
        return rows[0] if rows else None

    # -- writes (call inside ``transaction()``) ---------------------------------------------------
    def put(
        self,
        stage: str,
        uuid: str,
        space: str,
        doc: dict[str, Any],
        *,
        revision: str,
        label: str,
        types: Sequence[str],
        identifiers: Iterable[str],
    ) -> None:
        """Insert or replace one instance with its type and identifier index rows."""
        with self.transaction():
            c = self._conn
            self._spaces.add(space)
            c.execute("DELETE FROM inst_types WHERE stage=? AND uuid=?", (stage, uuid))
            c.execute("DELETE FROM identifiers WHERE stage=? AND uuid=?", (stage, uuid))
            c.execute(
                "INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?,?)",
                (stage, uuid, space, label, revision, json.dumps(doc, separators=(",", ":"))),
            )
            c.executemany(
                "INSERT OR IGNORE INTO inst_types VALUES (?,?,?,?,?)",
                [(stage, t, uuid, space, label) for t in dict.fromkeys(types)],
            )
            c.executemany(
                "INSERT OR IGNORE INTO identifiers VALUES (?,?,?)",
                [(stage, i, uuid) for i in dict.fromkeys(identifiers)],
            )
            self._changed(stage, [uuid])

    def bulk_put(
        self,
        stage: str,
        rows: Iterable[tuple[str, str, dict[str, Any], str, str, Sequence[str], Sequence[str]]],
    ) -> int:
        """Insert many new instances fast: rows of (uuid, space, doc, revision, label, types, identifiers)."""
        inst: list[tuple[str, ...]] = []
        types: list[tuple[str, ...]] = []
        idents: list[tuple[str, ...]] = []
        for uuid, space, doc, revision, label, tys, ids in rows:
            inst.append((stage, uuid, space, label, revision, json.dumps(doc, separators=(",", ":"))))
            types.extend((stage, t, uuid, space, label) for t in dict.fromkeys(tys))
            idents.extend((stage, i, uuid) for i in dict.fromkeys(ids))
        with self.transaction():
            self._spaces.update(row[2] for row in inst)
            self._conn.executemany("INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?,?)", inst)
            self._conn.executemany("INSERT OR IGNORE INTO inst_types VALUES (?,?,?,?,?)", types)
            self._conn.executemany("INSERT OR IGNORE INTO identifiers VALUES (?,?,?)", idents)
            self._changed(stage, [row[1] for row in inst])
        return len(inst)

    def mark_released(self, uuids: Iterable[str], now: str, revision: str) -> None:
        """Stamp release dates for instances inserted at both stages (seeding)."""
        ids = list(uuids)
        with self.transaction():
            self._conn.executemany(
                "INSERT OR REPLACE INTO releases VALUES (?,?,?,?)", [(u, now, now, revision) for u in ids]
            )
            for stage in STAGES:
                self._changed(stage, ids)

    def delete(self, stage: str, uuid: str) -> None:
        """Remove one instance at one stage."""
        with self.transaction():
            for table in ("instances", "inst_types", "identifiers"):
                self._conn.execute(f"DELETE FROM {table} WHERE stage=? AND uuid=?", (stage, uuid))
            self._changed(stage, [uuid])

    def release(self, uuid: str, now: str) -> None:
        """Copy the IN_PROGRESS instance to RELEASED and stamp the release dates."""
        with self.transaction():
            c = self._conn
            for table in ("instances", "inst_types", "identifiers"):
                c.execute(f"DELETE FROM {table} WHERE stage='RELEASED' AND uuid=?", (uuid,))
                c.execute(
                    f"INSERT INTO {table} SELECT 'RELEASED', {_COLUMNS[table]} FROM {table} "
                    "WHERE stage='IN_PROGRESS' AND uuid=?",
                    (uuid,),
                )
            rev = c.execute(
                "SELECT revision FROM instances WHERE stage='IN_PROGRESS' AND uuid=?", (uuid,)
            ).fetchone()[0]
            c.execute(
                "INSERT INTO releases VALUES (?,?,?,?) ON CONFLICT(uuid) DO UPDATE SET "
                "last_released_at=excluded.last_released_at, released_revision=excluded.released_revision",
                (uuid, now, now, rev),
            )
            self._changed("RELEASED", [uuid])
            self._changed("IN_PROGRESS", [uuid])  # its release dates changed

    def unrelease(self, uuid: str) -> None:
        """Remove the RELEASED copy (the release dates are kept, as in the KG)."""
        with self.transaction():
            self.delete("RELEASED", uuid)
            self._conn.execute("UPDATE releases SET released_revision=NULL WHERE uuid=?", (uuid,))


_COLUMNS = {
    "instances": "uuid, space, label, revision, doc",
    "inst_types": "type, uuid, space, label",
    "identifiers": "identifier, uuid",
}
