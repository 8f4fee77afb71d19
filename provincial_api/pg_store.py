"""The records table on PostgreSQL: the SQLite store's behaviour, for a real deployment.

Writes go through the group-commit writer shared with SQLite (one durable commit for a group
of uploads, the same dedupe rule). Where SQLite serialises writers with BEGIN IMMEDIATE, here
several server processes may write at once, so a record is claimed with INSERT ... ON CONFLICT
DO NOTHING: the primary key (record id, device id) decides which upload stored it, and a repeat
reads back what the first one stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from provincial_api.domain import Put, ReceivedRecord, SealedRecord
from provincial_api.group_commit import Claimed, GroupCommit
from provincial_api.pg_db import Pool, is_alive
from provincial_api.record_reads import RecordReads

if TYPE_CHECKING:
    from psycopg import Connection



class PgStore(RecordReads):
    """Reads take a pooled connection per call; writes go through the group-commit thread."""

    mark = "%s"

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._writes: GroupCommit[Connection[Any]] = GroupCommit(self)

    def put_many(
        self, records: list[SealedRecord], device_public_key: bytes, received_at: str
    ) -> list[Put]:
        return self._writes.put_many(records, device_public_key, received_at)

    def reading(self) -> AbstractContextManager[Any]:
        return self.pool.connection()

    def close(self) -> None:
        self.pool.close()

    # -- what the group-commit writer asks of this backend (`group_commit.Claims`) ----------

    def writer_connection(self) -> AbstractContextManager[Connection[Any]]:
        return self.pool.connection()

    @contextmanager
    def write_transaction(self, conn: Connection[Any]) -> Iterator[None]:
        # COMMIT returns once the WAL is flushed (synchronous_commit=on, set by the pool).
        with self.pool.guard(conn), conn.transaction():
            yield

    def claim(self, conn: Connection[Any], record: SealedRecord, device_public_key: bytes,
              received_at: str) -> Claimed:
        inserted = conn.execute(
            "INSERT INTO records (record_id, device_id, workflow, created_at, size,"
            " sha256, blob, signature, device_public_key, received_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (record_id, device_id) DO NOTHING",
            (record.record_id, record.device_id, record.workflow, record.created_at,
             record.size, record.sha256, record.blob, record.signature, device_public_key,
             received_at),
        ).rowcount == 1
        if inserted:
            return ReceivedRecord.of(record, received_at), True
        # committed by another writer: visible now
        holder = self.lookup(conn, record.record_id, record.device_id)
        if holder is None:
            raise RuntimeError("record id conflicted but holds no row")  # records are never deleted
        return holder, False

    def reusable(self, conn: Connection[Any]) -> bool:
        return is_alive(conn)
