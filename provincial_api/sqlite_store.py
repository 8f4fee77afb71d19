"""The records table in one SQLite file: the default store of the reference server.

Enough for pilots, demos and conformance tests; a real deployment keeps the same table in
PostgreSQL (`pg_store`, chosen by `backend`). Writes go through the group-commit writer shared
with it. The server only ever holds sealed blobs: it cannot read them without the province's
private key, which `provincial-api open` takes from the operator, not from here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from provincial_api.domain import Put, ReceivedRecord, SealedRecord
from provincial_api.group_commit import Claimed, GroupCommit
from provincial_api.record_reads import RecordReads
from provincial_api.sqlite_db import ensure_schema, sqlite_connection


class SqliteStore(RecordReads):
    """A connection per call for reads; writes through the group-commit thread.

    synchronous=FULL: a commit is on disk (fsync) before a record is acknowledged.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        ensure_schema(path)
        self._writes: GroupCommit[sqlite3.Connection] = GroupCommit(self)

    def put_many(
        self, records: list[SealedRecord], device_public_key: bytes, received_at: str
    ) -> list[Put]:
        return self._writes.put_many(records, device_public_key, received_at)

    def reading(self) -> AbstractContextManager[Any]:
        return sqlite_connection(self.path)

    def close(self) -> None:
        """Nothing held open between calls (the writer closes its connection when idle)."""

    # -- what the group-commit writer asks of this backend (`group_commit.Claims`) ----------

    def writer_connection(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite_connection(self.path)

    @contextmanager
    def write_transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def claim(self, conn: sqlite3.Connection, record: SealedRecord, device_public_key: bytes,
              received_at: str) -> Claimed:
        # BEGIN IMMEDIATE: no writer in between
        existing = self.lookup(conn, record.record_id, record.device_id)
        if existing is not None:
            return existing, False
        conn.execute(
            "INSERT INTO records (record_id, device_id, workflow, created_at, size,"
            " sha256, blob, signature, device_public_key, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.record_id, record.device_id, record.workflow, record.created_at,
             record.size, record.sha256, record.blob, record.signature, device_public_key,
             received_at),
        )
        return ReceivedRecord.of(record, received_at), True

    def reusable(self, conn: sqlite3.Connection) -> bool:
        return True
