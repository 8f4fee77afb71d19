"""The records table's reads, written once for both backends.

The SQL is the same on SQLite and PostgreSQL; only the parameter mark (`?` or `%s`) and the way
to a connection differ, which each adapter names. The column lists come from the wire type
(`domain.META_COLUMNS`, `SEALED_COLUMNS`), so a read returns what records.py declares.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, ClassVar

from provincial_api.domain import (
    META_COLUMNS,
    SEALED_COLUMNS,
    ReceivedRecord,
    SealedRecord,
    sealed_from_row,
)


class RecordReads:
    """Mixed into a store: `mark` is the driver's parameter mark, `reading()` a connection."""

    mark: ClassVar[str] = "?"

    def reading(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def lookup(self, conn: Any, record_id: str, device_id: str) -> ReceivedRecord | None:
        """A record's listing on an open connection (the writer's, inside its transaction)."""
        row = conn.execute(
            self._sql(f"SELECT {META_COLUMNS} FROM records"
                      " WHERE record_id = ? AND device_id = ?"), (record_id, device_id)
        ).fetchone()
        return None if row is None else ReceivedRecord(*row)

    def get(self, record_id: str, device_id: str) -> ReceivedRecord | None:
        with self.reading() as conn:
            return self.lookup(conn, record_id, device_id)

    def sealed(self, record_id: str, device_id: str) -> tuple[SealedRecord, bytes] | None:
        with self.reading() as conn:
            row = conn.execute(
                self._sql(f"SELECT {SEALED_COLUMNS}, device_public_key FROM records"
                          " WHERE record_id = ? AND device_id = ?"),
                (record_id, device_id),
            ).fetchone()
        return None if row is None else sealed_from_row(row)

    def holders(self, record_id: str) -> list[str]:
        with self.reading() as conn:
            rows = conn.execute(
                self._sql("SELECT device_id FROM records WHERE record_id = ? ORDER BY device_id"),
                (record_id,),
            ).fetchall()
        return [row[0] for row in rows]

    def device_records(self, device_id: str, limit: int) -> list[ReceivedRecord]:
        with self.reading() as conn:
            rows = conn.execute(
                self._sql(f"SELECT {META_COLUMNS} FROM records WHERE device_id = ?"
                          " ORDER BY received_at, record_id, device_id LIMIT ?"),
                (device_id, limit),
            ).fetchall()
        return [ReceivedRecord(*row) for row in rows]

    def all_records(self) -> list[ReceivedRecord]:
        with self.reading() as conn:
            rows = conn.execute(
                f"SELECT {META_COLUMNS} FROM records ORDER BY received_at, record_id, device_id"
            ).fetchall()
        return [ReceivedRecord(*row) for row in rows]
