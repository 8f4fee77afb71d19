"""Where the reference server keeps what it received: one SQLite file.

Enough for pilots, demos and conformance tests; a real deployment puts the same table in
PostgreSQL. The server only ever holds sealed blobs: it cannot read them without the province's
private key, which `provincial-api open` takes from the operator, not from here.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    workflow TEXT NOT NULL,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob BLOB NOT NULL,
    signature BLOB NOT NULL,
    device_public_key BLOB NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_device ON records (device_id, received_at);
"""

_META_COLUMNS = "record_id, device_id, workflow, created_at, size, sha256, received_at"


class ConflictError(Exception):
    """The record id is already taken by a different blob."""


@dataclass(frozen=True)
class StoredRecord:
    record_id: str
    device_id: str
    workflow: str
    created_at: str
    size: int
    sha256: str
    received_at: str


@dataclass(frozen=True)
class IncomingRecord:
    record_id: str
    device_id: str
    workflow: str
    created_at: str
    size: int
    sha256: str
    blob: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    device_public_key: bytes = field(repr=False)


GROUP_COMMIT_MAX = 256


class RecordStore:
    """A connection per call for reads; writes go through one group-commit thread.

    Group commit: uploads arriving together are stored in one transaction, so one fsync
    covers many records (synchronous=FULL costs an fsync per commit, which on ordinary disks
    caps one-transaction-per-record ingest near the disk's fsync rate). Each caller still
    returns only after its own record is durable.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
        self._pending: queue.Queue[tuple[IncomingRecord, str, Future]] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(str(self.path), timeout=15.0, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous = FULL")
            yield conn
        finally:
            conn.close()

    def put(self, record: IncomingRecord, received_at: str) -> tuple[StoredRecord, bool]:
        """Store a verified record: (what is stored, True) or, for a repeat, (the original, False).

        Raises ConflictError when the id already holds another hash: the first blob stands.
        """
        outcome = self.put_many([record], received_at)[0]
        if isinstance(outcome, ConflictError):
            raise outcome
        return outcome

    def put_many(
        self, records: list[IncomingRecord], received_at: str
    ) -> list[tuple[StoredRecord, bool] | ConflictError]:
        """`put` for several records, durable together; a conflict comes back, not raised."""
        futures: list[Future] = []
        for record in records:
            future: Future = Future()
            self._pending.put((record, received_at, future))
            futures.append(future)
        with self._writer_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                                name="record-writer")
                self._writer.start()
        outcomes: list[tuple[StoredRecord, bool] | ConflictError] = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except ConflictError as exc:
                outcomes.append(exc)
        return outcomes

    def _write_loop(self) -> None:
        with self._connect() as conn:
            while True:
                try:
                    first = self._pending.get(timeout=5.0)
                except queue.Empty:
                    with self._writer_lock:  # idle: exit unless a put slipped in meanwhile
                        if self._pending.empty():
                            self._writer = None
                            return
                    continue
                group = [first]
                while len(group) < GROUP_COMMIT_MAX:
                    try:
                        group.append(self._pending.get_nowait())
                    except queue.Empty:
                        break
                self._commit_group(conn, group)

    def _commit_group(self, conn: sqlite3.Connection,
                      group: list[tuple[IncomingRecord, str, Future]]) -> None:
        outcomes: list[tuple[Future, object]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            seen: dict[str, StoredRecord] = {}
            for record, received_at, future in group:
                existing = seen.get(record.record_id) or self._get(conn, record.record_id)
                if existing is not None:
                    if existing.sha256 != record.sha256:
                        outcomes.append((future, ConflictError("record id holds another sha256")))
                    else:
                        outcomes.append((future, (existing, False)))
                    continue
                stored = self._insert(conn, record, received_at)
                seen[record.record_id] = stored
                outcomes.append((future, (stored, True)))
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for _, _, future in group:
                future.set_exception(exc)
            return
        for future, outcome in outcomes:
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    @staticmethod
    def _insert(conn: sqlite3.Connection, record: IncomingRecord,
                received_at: str) -> StoredRecord:
        conn.execute(
            "INSERT INTO records (record_id, device_id, workflow, created_at, size,"
            " sha256, blob, signature, device_public_key, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.record_id,
                record.device_id,
                record.workflow,
                record.created_at,
                record.size,
                record.sha256,
                record.blob,
                record.signature,
                record.device_public_key,
                received_at,
            ),
        )
        return StoredRecord(
            record_id=record.record_id,
            device_id=record.device_id,
            workflow=record.workflow,
            created_at=record.created_at,
            size=record.size,
            sha256=record.sha256,
            received_at=received_at,
        )

    def get(self, record_id: str) -> StoredRecord | None:
        with self._connect() as conn:
            return self._get(conn, record_id)

    def blob(self, record_id: str) -> bytes | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT blob FROM records WHERE record_id = ?", (record_id,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def device_records(self, device_id: str, limit: int) -> list[StoredRecord]:
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_META_COLUMNS} FROM records WHERE device_id = ?"
                " ORDER BY received_at, record_id LIMIT ?",
                (device_id, limit),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def all_records(self, limit: int | None = None) -> list[StoredRecord]:
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_META_COLUMNS} FROM records ORDER BY received_at, record_id LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])

    @staticmethod
    def _get(conn: sqlite3.Connection, record_id: str) -> StoredRecord | None:
        row = conn.execute(
            f"SELECT {_META_COLUMNS} FROM records WHERE record_id = ?", (record_id,)
        ).fetchone()
        return None if row is None else StoredRecord(*row)
