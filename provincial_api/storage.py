"""Where the reference server keeps what it received: by default one SQLite file.

Enough for pilots, demos and conformance tests; a real deployment puts the same table in
PostgreSQL (`pg_storage`, chosen by `backend`), which shares the group-commit writer below. The
server only ever holds sealed blobs: it cannot read them without the province's private key,
which `provincial-api open` takes from the operator, not from here.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

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

META_COLUMNS = "record_id, device_id, workflow, created_at, size, sha256, received_at"


@contextmanager
def sqlite_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for one call (uvicorn's worker threads never share one), durable commits."""
    conn = sqlite3.connect(str(path), timeout=15.0, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        yield conn
    finally:
        conn.close()


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
IDLE_EXIT_S = 5.0

Conn = TypeVar("Conn")
Pending = tuple[IncomingRecord, str, Future]


class GroupCommitStore(ABC, Generic[Conn]):
    """Writes go through one group-commit thread; a backend says how to connect and store.

    Group commit: uploads arriving together are stored in one transaction, so one fsync
    covers many records (a durable commit costs an fsync, which on ordinary disks caps
    one-transaction-per-record ingest near the disk's fsync rate). Each caller still returns
    only after its own record is durable. The dedupe rule lives here once for every backend.
    """

    def __init__(self) -> None:
        self._pending: queue.Queue[Pending] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    @abstractmethod
    def _connect(self) -> AbstractContextManager[Conn]:
        """A connection for the writer thread (held while it has work)."""

    @abstractmethod
    def _transaction(self, conn: Conn) -> AbstractContextManager[None]:
        """A write transaction: committed durably on exit, rolled back on an exception."""

    @abstractmethod
    def _claim(self, conn: Conn, record: IncomingRecord,
               received_at: str) -> tuple[StoredRecord, bool]:
        """Insert the record unless its id is taken: (stored, True), or (the holder, False)."""

    def _reusable(self, conn: Conn) -> bool:
        """False when the connection broke (a server restart), so the writer opens a fresh one
        rather than fail the next group on it."""
        return True

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
        group: list[Pending] | None = None
        while True:
            with ExitStack() as stack:
                try:
                    conn = stack.enter_context(self._connect())
                except Exception as exc:  # no connection: fail who waits now, retry for the next
                    group = group or self._next_group()
                    if group is None:
                        return
                    for _, _, future in group:
                        future.set_exception(exc)
                    group = None
                    continue
                while group is not None or (group := self._next_group()) is not None:
                    if not self._reusable(conn):
                        break  # the group waits for a fresh connection
                    self._commit_group(conn, group)
                    group = None
                else:
                    return

    def _next_group(self) -> list[Pending] | None:
        """The records waiting now (at least one), or None once idle: the thread then exits."""
        while True:
            try:
                first = self._pending.get(timeout=IDLE_EXIT_S)
            except queue.Empty:
                with self._writer_lock:  # idle: exit unless a put slipped in meanwhile
                    if self._pending.empty():
                        self._writer = None
                        return None
                continue
            group = [first]
            while len(group) < GROUP_COMMIT_MAX:
                try:
                    group.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            return group

    def _commit_group(self, conn: Conn, group: list[Pending]) -> None:
        outcomes: list[tuple[Future, object]] = []
        try:
            with self._transaction(conn):
                seen: dict[str, StoredRecord] = {}
                for record, received_at, future in group:
                    if record.record_id in seen:
                        stored, created = seen[record.record_id], False
                    else:
                        stored, created = self._claim(conn, record, received_at)
                        seen[record.record_id] = stored
                    if not created and stored.sha256 != record.sha256:
                        outcomes.append((future, ConflictError("record id holds another sha256")))
                    else:
                        outcomes.append((future, (stored, created)))
        except BaseException as exc:
            for _, _, future in group:
                future.set_exception(exc)
            return
        for future, outcome in outcomes:
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


class RecordStore(GroupCommitStore[sqlite3.Connection]):
    """SQLite: a connection per call for reads; writes through the group-commit thread.

    synchronous=FULL: a commit is on disk (fsync) before a record is acknowledged.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite_connection(self.path)

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _claim(self, conn: sqlite3.Connection, record: IncomingRecord,
               received_at: str) -> tuple[StoredRecord, bool]:
        existing = self._get(conn, record.record_id)  # BEGIN IMMEDIATE: no writer in between
        if existing is not None:
            return existing, False
        return self._insert(conn, record, received_at), True

    def close(self) -> None:
        """Nothing held open between calls (the writer closes its connection when idle)."""

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
                f"SELECT {META_COLUMNS} FROM records WHERE device_id = ?"
                " ORDER BY received_at, record_id LIMIT ?",
                (device_id, limit),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def all_records(self, limit: int | None = None) -> list[StoredRecord]:
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {META_COLUMNS} FROM records ORDER BY received_at, record_id LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])

    @staticmethod
    def _get(conn: sqlite3.Connection, record_id: str) -> StoredRecord | None:
        row = conn.execute(
            f"SELECT {META_COLUMNS} FROM records WHERE record_id = ?", (record_id,)
        ).fetchone()
        return None if row is None else StoredRecord(*row)
