"""The outbox: sealed records waiting here until the province has acknowledged them.

Each row is one `SealedRecord` (the wire type, `central_api_client.records`) and its state on
this machine: queued -> sent (a PUT started) -> acknowledged (the province's signed receipt,
for our record and hash, stored with it) -> purged (blob dropped after the retention time, only
on a receipt that verifies; the metadata line stays). Nothing
personal is stored in the clear: sealed blobs and their metadata only, and the keyed hash of
the ID number (`kiosk.visits`).

Raw SQL throughout, on purpose: queueing is part of the record's multi-statement commit
(`KioskStore.commit_record`), and every state change is an `UPDATE ... WHERE state IN (...)`
run in one `BEGIN IMMEDIATE` transaction per batch (one fsync per batch, not per record) whose
guards sqlite-utils' `update` cannot express. Reads go through sqlite-utils' `query`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from central_api_client.contract import utc_now, utc_timestamp
from central_api_client.logs import redact
from central_api_client.receipts import Receipt, ReceiptError, ReceiptKey
from central_api_client.records import RecordMeta, SealedRecord
from kiosk.store.audit import AuditLog
from kiosk.store.connection import Connection
from kiosk.store.schema import OUTBOX_STATES

# "sent" means a PUT was started and its answer not yet recorded; the PUT is idempotent, so a
# record left "sent" by a crash is simply sent again.
PENDING_STATES = ("queued", "sent")
_PENDING = "state IN ('queued', 'sent')"


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox as the uploader sees it: the sealed record and its state here."""

    seq: int
    record: SealedRecord
    sequence_number: str
    state: str
    queued_at: str
    attempts: int
    last_error: str | None

    @property
    def record_id(self) -> str:
        return self.record.record_id

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxEntry:
        record = SealedRecord(**{name: row.pop(name) for name in _RECORD_COLUMNS})
        return cls(record=record, **row)


_RECORD_COLUMNS = [f.name for f in fields(SealedRecord)]
_META_COLUMNS = [f.name for f in fields(RecordMeta)]
# The blob lives in `outbox_blob`, beside its row (schema version 5): a state change rewrites
# the small row only. Rows still waiting always have theirs.
_ROW_COLUMNS = [name for name in _RECORD_COLUMNS if name != "blob"]
_SELECTED = ["outbox_blob.data AS blob" if name == "blob" else name for name in _RECORD_COLUMNS]
_ENTRY_COLUMNS = (f"seq, {', '.join(_SELECTED)}, sequence_number, state, queued_at, attempts,"
                  " last_error")


def _entries(where_order_limit: str) -> str:
    """Whole entries of the rows `where_order_limit` picks: the rows are picked and sorted
    first, and only their blobs are read (joined before the sort, SQLite carried every
    pending blob through it)."""
    return (f"SELECT {_ENTRY_COLUMNS} FROM (SELECT * FROM outbox WHERE {where_order_limit})"
            " JOIN outbox_blob ON outbox_seq = seq ORDER BY seq")


_QUEUE = (
    f"INSERT INTO outbox ({', '.join(_ROW_COLUMNS)}, sequence_number, state, queued_at,"
    f" id_hash) VALUES ({', '.join('?' * len(_ROW_COLUMNS))}, ?, 'queued', ?, ?)"
)
_HAS_BLOB = "EXISTS (SELECT 1 FROM outbox_blob WHERE outbox_seq = outbox.seq)"


def receipt_holds(row: dict[str, Any], key: ReceiptKey) -> bool:
    """Whether a row's stored receipt is the province's, for exactly this record."""
    if not row.get("receipt"):
        return False
    try:
        Receipt.from_text(row["receipt"]).verify(
            key, record_id=row["record_id"], device_id=row["device_id"], sha256=row["sha256"])
    except ReceiptError:
        return False
    return True


def _states_of(conn: sqlite3.Connection, record_ids: list[str]
               ) -> dict[str, tuple[str, str, str]]:
    """(sha256, device_id, state) of each of these records held here, in one query."""
    held: dict[str, tuple[str, str, str]] = {}
    unique = list(dict.fromkeys(record_ids))
    for start in range(0, len(unique), 500):  # within SQLite's bound on parameters
        part = unique[start:start + 500]
        for record_id, sha256, device_id, state in conn.execute(
                "SELECT record_id, sha256, device_id, state FROM outbox"
                f" WHERE record_id IN ({', '.join('?' * len(part))})", part):
            held[record_id] = (sha256, device_id, state)
    return held


def _at(epoch_s: float) -> str:
    return utc_timestamp(datetime.fromtimestamp(epoch_s, UTC))


class Outbox:
    """The `outbox` table: queueing (in the commit), upload states, and what waits."""

    def __init__(self, connection: Connection, audit: AuditLog) -> None:
        self._conn = connection
        self._audit = audit

    # -- inside the record's commit ------------------------------------------------------------

    @staticmethod
    def holds_in(conn: sqlite3.Connection, record_id: str) -> bool:
        return conn.execute("SELECT 1 FROM outbox WHERE record_id = ?", (record_id,)).fetchone() \
            is not None

    @staticmethod
    def queue_in(conn: sqlite3.Connection, sealed: SealedRecord, sequence_number: str,
                 id_hash: str | None, at: str) -> None:
        """Insert the record as queued, and its blob beside it, inside the caller's
        transaction."""
        values = [getattr(sealed, name) for name in _ROW_COLUMNS]
        seq = conn.execute(_QUEUE, (*values, sequence_number, at, id_hash)).lastrowid
        conn.execute("INSERT INTO outbox_blob (outbox_seq, data) VALUES (?, ?)",
                     (seq, sealed.blob))

    # -- the uploader --------------------------------------------------------------------------

    def queued(self, limit: int = 20, *, now: str | None = None,
               after_seq: int = 0) -> list[OutboxEntry]:
        """Records still to upload, oldest first, leaving out those told to wait (rejections).
        `after_seq`: only those queued after that row (a drain's cursor past its batches in
        flight)."""
        rows = self._conn.read(
            _entries(f"{_PENDING} AND seq > ?"
                     " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
                     " ORDER BY seq LIMIT ?"),
            (after_seq, now or utc_now(), limit),
        )
        return [OutboxEntry.from_row(row) for row in rows]

    def mark_sent(self, record_ids: list[str]) -> None:
        """PUTs are about to go out: each counts as an attempt even if the process dies during
        it. One transaction for the batch."""
        at = utc_now()
        with self._conn.write() as conn:
            conn.executemany(
                "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1"
                f" WHERE record_id = ? AND {_PENDING}",
                [(at, record_id) for record_id in record_ids],
            )

    def mark_acknowledged(self, receipts: list[Receipt]) -> list[str]:
        """Record a batch of the province's receipts (already verified by the client) in one
        transaction: each is stored with its record, the proof that lets it go later. A record
        acknowledged before keeps its state and takes the new receipt (reconciliation renews
        a missing or broken one).

        Returns the ids whose receipt is not for the record queued here (another hash or
        device): those stay as they were.
        """
        bad: list[str] = []
        at = utc_now()
        with self._conn.write() as conn:
            held = _states_of(conn, [receipt.record_id for receipt in receipts])
            renewed, acknowledged = [], []
            for receipt in receipts:
                row = held.get(receipt.record_id)
                if row is None or (row[0], row[1]) != (receipt.sha256, receipt.device_id):
                    bad.append(receipt.record_id)
                elif row[2] not in PENDING_STATES:
                    renewed.append((receipt.to_text(), receipt.record_id))
                else:
                    acknowledged.append((at, receipt.received_at, receipt.sha256,
                                         receipt.to_text(), receipt.record_id))
                    held[receipt.record_id] = (row[0], row[1], "acknowledged")  # twice: renewed
            # One statement each for the lot (a drain's batch is dozens of records), the
            # renewals after, so a record given twice keeps the later receipt.
            conn.executemany(
                "UPDATE outbox SET state = 'acknowledged', acknowledged_at = ?,"
                " server_time = ?, server_sha256 = ?, receipt = ?, next_attempt_at = NULL"
                " WHERE record_id = ?", acknowledged)
            conn.executemany("UPDATE outbox SET receipt = ? WHERE record_id = ?", renewed)
            self._audit.append_many_in(conn, "record.acknowledged",
                                       [{"record_id": row[-1]} for row in acknowledged])
        return bad

    def mark_error(self, record_id: str, error_text: str, *, retry_after_s: float = 0.0) -> None:
        """Keep the record queued with why it failed; `retry_after_s` holds it back that long."""
        epoch = time.time()
        with self._conn.write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'queued', last_error = ?, last_error_at = ?,"
                f" next_attempt_at = ? WHERE record_id = ? AND {_PENDING}",
                (redact(error_text)[:500], _at(epoch), _at(epoch + retry_after_s), record_id),
            )

    def purge_acknowledged(self, older_than_s: float, receipt_key: ReceiptKey) -> int:
        """Drop the sealed blob of records acknowledged longer ago than `older_than_s`, each
        only if its stored receipt verifies with the province's `receipt_key` now.

        A record without one (acknowledged by an older version) or whose receipt does not
        verify keeps its blob: nothing is let go on anyone's word but the province's. The
        metadata line stays (ids, hashes, times, the receipt) as the machine's own account of
        what it collected and the province received. Returns how many were purged.
        """
        cutoff = _at(time.time() - older_than_s)
        rows = self._conn.read(
            "SELECT record_id, device_id, sha256, receipt FROM outbox"
            " WHERE state = 'acknowledged' AND acknowledged_at < ?",
            (cutoff,),
        )
        proven = [row["record_id"] for row in rows if receipt_holds(row, receipt_key)]
        if not proven:
            return 0
        with self._conn.write() as conn:
            purged = 0
            for record_id in proven:
                row = conn.execute(
                    "UPDATE outbox SET state = 'purged', blob = NULL"
                    " WHERE record_id = ? AND state = 'acknowledged' RETURNING seq",
                    (record_id,),
                ).fetchone()
                if row is not None:
                    conn.execute("DELETE FROM outbox_blob WHERE outbox_seq = ?", (row[0],))
                    purged += 1
            if purged:
                self._audit.append_in(conn, "records.purged", count=purged)
        return purged

    def metas(self, states: tuple[str, ...]) -> list[RecordMeta]:
        """Every record in these states, oldest first, as metadata (no blobs)."""
        marks = ", ".join("?" * len(states))
        rows = self._conn.read(
            f"SELECT {', '.join(_META_COLUMNS)} FROM outbox WHERE state IN ({marks})"
            " ORDER BY seq", states)
        return [RecordMeta(**row) for row in rows]

    def requeue(self, record_ids: list[str]) -> int:
        """Send these acknowledged records again (the province says it does not hold them):
        their receipts are dropped; a purged record has no blob left to send."""
        with self._conn.write() as conn:
            count = 0
            for record_id in record_ids:
                count += conn.execute(
                    "UPDATE outbox SET state = 'queued', receipt = NULL, acknowledged_at = NULL,"
                    " next_attempt_at = NULL WHERE record_id = ? AND state = 'acknowledged'"
                    f" AND {_HAS_BLOB}", (record_id,)).rowcount
            if count:
                self._audit.append_in(conn, "records.requeued", count=count)
        return count

    def receipt_problems(self, receipt_key: ReceiptKey) -> list[str]:
        """Acknowledged records whose stored receipt does not verify (for `kioskctl`)."""
        rows = self._conn.read(
            "SELECT record_id, device_id, sha256, receipt FROM outbox"
            " WHERE state = 'acknowledged' ORDER BY seq"
        )
        return [row["record_id"] for row in rows if not receipt_holds(row, receipt_key)]

    def release_waiting(self) -> int:
        """Make every pending record due now (`kioskctl sync now`); returns how many waited."""
        with self._conn.write() as conn:
            cursor = conn.execute(
                f"UPDATE outbox SET next_attempt_at = NULL WHERE {_PENDING}"
                " AND next_attempt_at IS NOT NULL"
            )
            return cursor.rowcount

    # -- what waits, for export, `kioskctl` and staff ------------------------------------------

    def unacknowledged(self) -> Iterator[OutboxEntry]:
        """Every record not yet acknowledged, oldest first, due or not (for export).

        Read a page at a time, so a week of backlog is never in memory at once."""
        after = 0
        while True:
            rows = self._conn.read(
                _entries(f"{_PENDING} AND seq > ? ORDER BY seq LIMIT 100"), (after,)
            )
            if not rows:
                return
            for row in rows:
                yield OutboxEntry.from_row(row)
            after = rows[-1]["seq"]

    def count_unacknowledged(self) -> int:
        [row] = self._conn.read(f"SELECT count(*) AS n FROM outbox WHERE {_PENDING}")
        return int(row["n"])

    def counts_by_state(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTBOX_STATES, 0)
        for row in self._conn.read("SELECT state, count(*) AS n FROM outbox GROUP BY state"):
            counts[row["state"]] = row["n"]
        return counts

    def oldest_unacknowledged_age_s(self) -> float | None:
        """Seconds since the oldest record still waiting was queued; None when none waits."""
        [row] = self._conn.read(f"SELECT min(queued_at) AS oldest FROM outbox WHERE {_PENDING}")
        if row["oldest"] is None:
            return None
        return max(0.0, time.time() - datetime.fromisoformat(row["oldest"]).timestamp())

    def last_error(self) -> dict[str, Any] | None:
        """The newest error among records still waiting: {record_id, error, at, attempts}."""
        rows = self._conn.read(
            "SELECT record_id, last_error AS error, last_error_at AS at, attempts FROM outbox"
            f" WHERE {_PENDING} AND last_error IS NOT NULL"
            " ORDER BY last_error_at DESC, seq DESC LIMIT 1"
        )
        return rows[0] if rows else None

    def visits(self, id_hash: str) -> int:
        """How many records this machine holds for the same ID number (by its keyed hash)."""
        [row] = self._conn.read("SELECT count(*) AS n FROM outbox WHERE id_hash = ?", (id_hash,))
        return int(row["n"])

    def newest_record_id(self) -> str | None:
        """The record committed last (the demo follows it to the server)."""
        rows = self._conn.read("SELECT record_id FROM outbox ORDER BY seq DESC LIMIT 1")
        return rows[0]["record_id"] if rows else None
