"""The records table on PostgreSQL: the SQLite store's behaviour, for a real deployment.

Writes share `GroupCommitStore` with SQLite (one durable commit for a group of uploads, the same
dedupe rule). Where SQLite serialises writers with BEGIN IMMEDIATE, here several server
processes may write at once, so a record is claimed with INSERT ... ON CONFLICT DO NOTHING: the
primary key decides which upload stored it, and a repeat reads back what the first one stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from provincial_api.postgres import Pool, is_alive
from provincial_api.storage import META_COLUMNS, GroupCommitStore, IncomingRecord, StoredRecord

if TYPE_CHECKING:
    from psycopg import Connection


class PgRecordStore(GroupCommitStore["Connection"]):
    """Reads take a pooled connection per call; writes go through the group-commit thread."""

    def __init__(self, pool: Pool) -> None:
        super().__init__()
        self.pool = pool

    def _connect(self) -> AbstractContextManager[Connection]:
        return self.pool.connection()

    @contextmanager
    def _transaction(self, conn: Connection) -> Iterator[None]:
        # COMMIT returns once the WAL is flushed (synchronous_commit=on, set by the pool).
        with self.pool.guard(conn), conn.transaction():
            yield

    def _claim(self, conn: Connection, record: IncomingRecord,
               received_at: str) -> tuple[StoredRecord, bool]:
        inserted = conn.execute(
            "INSERT INTO records (record_id, device_id, workflow, created_at, size,"
            " sha256, blob, signature, device_public_key, received_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (record_id) DO NOTHING",
            (record.record_id, record.device_id, record.workflow, record.created_at,
             record.size, record.sha256, record.blob, record.signature,
             record.device_public_key, received_at),
        ).rowcount == 1
        if inserted:
            return StoredRecord(record.record_id, record.device_id, record.workflow,
                                record.created_at, record.size, record.sha256, received_at), True
        holder = self._get(conn, record.record_id)  # committed by another writer: visible now
        if holder is None:
            raise RuntimeError("record id conflicted but holds no row")  # records are never deleted
        return holder, False

    def _reusable(self, conn: Connection) -> bool:
        return is_alive(conn)

    def close(self) -> None:
        self.pool.close()

    def get(self, record_id: str) -> StoredRecord | None:
        with self.pool.connection() as conn:
            return self._get(conn, record_id)

    def blob(self, record_id: str) -> bytes | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT blob FROM records WHERE record_id = %s", (record_id,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def device_records(self, device_id: str, limit: int) -> list[StoredRecord]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {META_COLUMNS} FROM records WHERE device_id = %s"
                " ORDER BY received_at, record_id LIMIT %s",
                (device_id, limit),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def all_records(self, limit: int | None = None) -> list[StoredRecord]:
        with self.pool.connection() as conn:
            rows = conn.execute(  # LIMIT NULL: no limit
                f"SELECT {META_COLUMNS} FROM records ORDER BY received_at, record_id LIMIT %s",
                (limit,),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def count(self) -> int:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT count(*) FROM records").fetchone()
        return 0 if row is None else int(row[0])

    @staticmethod
    def _get(conn: Connection, record_id: str) -> StoredRecord | None:
        row = conn.execute(
            f"SELECT {META_COLUMNS} FROM records WHERE record_id = %s", (record_id,)
        ).fetchone()
        return None if row is None else StoredRecord(*row)
