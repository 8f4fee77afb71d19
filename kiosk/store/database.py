"""The machine's one SQLite database: outbox of sealed records, sequence numbers, audit log.

The kiosk UI writes here and the uploader, a separate process, updates the same file, so every
connection uses WAL (readers never block the writer), synchronous=FULL (a committed record
survives a power cut: the plans order "keep collecting when the network is down", which only
works if what was collected is really on disk) and a busy timeout (two writers wait for each
other instead of failing). Every write is one `BEGIN IMMEDIATE` transaction: it takes the write
lock up front, so a read-then-write such as handing out the next serial cannot interleave with
another process doing the same.

Nothing personal is stored in the clear: the outbox holds sealed blobs and their metadata only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from central_api_client.contract import utc_timestamp
from central_api_client.logs import redact
from central_api_client.records import SealedRecord
from kiosk.core import sequence
from kiosk.core.errors import DiskFullError, SequenceExhaustedError

OUTBOX_STATES = ("queued", "sent", "acknowledged", "purged")
# "sent" means a PUT was started and its answer not yet recorded; the PUT is idempotent, so a
# record left "sent" by a crash is simply sent again.
PENDING_STATES = ("queued", "sent")
BUSY_TIMEOUT_S = 15.0
SCHEMA_VERSION = 2  # 2: outbox.id_hash (keyed hash of the ID number, to notice a second visit)
# Below this much free space on the data directory's filesystem no new session starts (see
# `disk_ok`). A record in progress is still committed: refusing it would lose a signed record.
DEFAULT_MIN_FREE_BYTES = 200 * 2**20

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    workflow TEXT NOT NULL,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob BLOB,
    signature BLOB NOT NULL,
    sequence_number TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN {OUTBOX_STATES!r}),
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    acknowledged_at TEXT,
    server_time TEXT,
    server_sha256 TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at TEXT,
    next_attempt_at TEXT,
    id_hash TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, seq);
CREATE TABLE IF NOT EXISTS sequence_numbers (
    number TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    serial INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'used')),
    session_id TEXT NOT NULL,
    record_id TEXT UNIQUE,
    reserved_at TEXT NOT NULL,
    used_at TEXT,
    UNIQUE (county_code, serial)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    facts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class StoreError(Exception):
    """A write that would break the database's rules (never a transient condition)."""


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
_ENTRY_SELECT = (
    f"SELECT seq, {', '.join(_RECORD_COLUMNS)}, sequence_number, state, queued_at, attempts,"
    " last_error FROM outbox"
)


def _now() -> str:
    return utc_timestamp(datetime.now(UTC))


class KioskStore:
    """The database of one machine. Safe to share between threads of one process; several
    processes each open their own `KioskStore` on the same file."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
    ) -> None:
        self.path = path
        self.min_free_bytes = min_free_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the driver opens no transaction on its own; `_write` does.
        conn = sqlite3.connect(
            str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        with self._write():
            self.db.executescript(_SCHEMA)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"database schema {version} is newer than this program's")
            columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
            if "id_hash" not in columns:  # a version 1 database
                conn.execute("ALTER TABLE outbox ADD COLUMN id_hash TEXT")
            conn.execute("CREATE INDEX IF NOT EXISTS outbox_id_hash ON outbox (id_hash)")
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def __enter__(self) -> KioskStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock from its first statement."""
        with self._lock:
            conn = self.db.conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # some errors (disk full) already rolled it back
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if "full" in str(exc).lower():
                    raise DiskFullError("database or disk is full") from exc
                raise

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))

    # -- sequence numbers ----------------------------------------------------------------------

    def reserve_sequence_number(
        self, county_code: str, first: int, last: int, session_id: str
    ) -> str:
        """Hand out the next serial of [first, last] for this county, committed before return.

        The row stays even if the session is abandoned, which is what makes a number never come
        back, across restarts and across a change of range.
        """
        sequence.check_county_code(county_code)
        sequence.check_range(first, last)
        self.check_disk()  # a session starts here: refuse it while the disk is nearly full
        with self._write() as conn:
            (highest,) = conn.execute(
                "SELECT max(serial) FROM sequence_numbers"
                " WHERE county_code = ? AND serial BETWEEN ? AND ?",
                (county_code, first, last),
            ).fetchone()
            serial = sequence.next_serial(first, last, highest)
            if serial is None:
                raise SequenceExhaustedError(
                    f"no serial left in {first:04d}-{last:04d} for county {county_code}"
                )
            number = sequence.format_number(county_code, serial)
            self.db.table("sequence_numbers").insert(
                {
                    "number": number,
                    "county_code": county_code,
                    "serial": serial,
                    "state": "reserved",
                    "session_id": session_id,
                    "reserved_at": _now(),
                }
            )
        return number

    def sequence_usage(self, county_code: str | None = None) -> dict[str, Any]:
        """Reserved (handed out, no record yet) and used counts, and the last number handed out."""
        where, params = ("WHERE county_code = ?", (county_code,)) if county_code else ("", ())
        counts = {
            row["state"]: row["n"]
            for row in self._read(
                f"SELECT state, count(*) AS n FROM sequence_numbers {where} GROUP BY state", params
            )
        }
        last = self._read(
            f"SELECT number, serial FROM sequence_numbers {where} ORDER BY rowid DESC LIMIT 1",
            params,
        )
        return {
            "reserved": counts.get("reserved", 0),
            "used": counts.get("used", 0),
            "last_serial": last[0]["serial"] if last else None,
            "last_number": last[0]["number"] if last else None,
        }

    def sequence_remaining(self, county_code: str, first: int, last: int) -> int:
        """Serials the range [first, last] can still hand out, for staff and `kioskctl status`."""
        rows = self._read(
            "SELECT max(serial) AS highest FROM sequence_numbers"
            " WHERE county_code = ? AND serial BETWEEN ? AND ?",
            (county_code, first, last),
        )
        return sequence.remaining(first, last, rows[0]["highest"])

    # -- committing records --------------------------------------------------------------------

    # -- disk guard ----------------------------------------------------------------------------

    def disk_free_bytes(self) -> int:
        """Free space for an unprivileged writer on the database's filesystem."""
        st = os.statvfs(self.path.parent)
        return int(st.f_bavail * st.f_frsize)

    def disk_ok(self) -> bool:
        """True while there is room for new sessions (free space at or above the threshold).

        The UI asks before starting a session and shows the staff "disk nearly full" screen
        when False; queued records are never dropped to make room.
        """
        return self.disk_free_bytes() >= self.min_free_bytes

    def check_disk(self) -> None:
        """Raise DiskFullError when a new session must not start (see `disk_ok`)."""
        if not self.disk_ok():
            free_mb = self.disk_free_bytes() // 2**20
            raise DiskFullError(
                f"{free_mb} MB free, below the {self.min_free_bytes // 2**20} MB threshold"
            )

    def commit_record(
        self, sealed: SealedRecord, sequence_number: str, *, id_hash: str | None = None
    ) -> None:
        """Queue a sealed record, spend its sequence number and audit it, all or nothing.

        A second call for the same record id (a retried save after a crash or a timeout) changes
        nothing: the first sealed blob stands. `id_hash`: the keyed hash of the candidate's ID
        number (`kiosk.visits`), kept to notice a second visit; never the number itself.
        """
        with self._write() as conn:
            if conn.execute(
                "SELECT 1 FROM outbox WHERE record_id = ?", (sealed.record_id,)
            ).fetchone():
                return
            row = conn.execute(
                "SELECT state, record_id FROM sequence_numbers WHERE number = ?",
                (sequence_number,),
            ).fetchone()
            if row is None:
                raise StoreError("sequence number was never reserved on this machine")
            if row[0] == "used":
                raise StoreError("sequence number is already used by another record")
            now = _now()
            self.db.table("outbox").insert(
                {
                    "record_id": sealed.record_id,
                    "device_id": sealed.device_id,
                    "workflow": sealed.workflow,
                    "created_at": sealed.created_at,
                    "size": sealed.size,
                    "sha256": sealed.sha256,
                    "blob": sealed.blob,
                    "signature": sealed.signature,
                    "sequence_number": sequence_number,
                    "state": "queued",
                    "queued_at": now,
                    "id_hash": id_hash,
                }
            )
            conn.execute(
                "UPDATE sequence_numbers SET state = 'used', record_id = ?, used_at = ?"
                " WHERE number = ?",
                (sealed.record_id, now, sequence_number),
            )
            self._audit_in(
                conn,
                "record.committed",
                record_id=sealed.record_id,
                sequence_number=sequence_number,
                size=sealed.size,
            )

    def visits(self, id_hash: str) -> int:
        """How many records this machine holds for the same ID number (by its keyed hash)."""
        rows = self._read("SELECT count(*) AS n FROM outbox WHERE id_hash = ?", (id_hash,))
        return int(rows[0]["n"])

    def newest_record_id(self) -> str | None:
        """The record committed last (the demo and `kioskctl` follow it to the server)."""
        rows = self._read("SELECT record_id FROM outbox ORDER BY seq DESC LIMIT 1")
        return rows[0]["record_id"] if rows else None

    def counts_by_state(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTBOX_STATES, 0)
        for row in self._read("SELECT state, count(*) AS n FROM outbox GROUP BY state"):
            counts[row["state"]] = row["n"]
        return counts

    # -- audit ---------------------------------------------------------------------------------

    def audit(self, event: str, **facts: Any) -> None:
        """Append to the audit log: ids and counts only, like a log line."""
        with self._write() as conn:
            self._audit_in(conn, event, **facts)

    def _audit_in(self, conn: sqlite3.Connection, event: str, **facts: Any) -> None:
        # redact(): the same second line of defence as the log formatter.
        text = redact(json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str))
        conn.execute(
            "INSERT INTO audit (at, event, facts) VALUES (?, ?, ?)", (_now(), event, text)
        )

    def recent_audit(self, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first: {id, at, event, facts}."""
        rows = self._read(
            "SELECT id, at, event, facts FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [{**row, "facts": json.loads(row["facts"])} for row in rows]

    # -- for the uploader ----------------------------------------------------------------------

    def queued(self, limit: int = 20, *, now: str | None = None) -> list[OutboxEntry]:
        """Records still to upload, oldest first, leaving out those told to wait (rejections)."""
        rows = self._read(
            f"{_ENTRY_SELECT} WHERE state IN ('queued', 'sent')"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " ORDER BY seq LIMIT ?",
            (now or _now(), limit),
        )
        return [OutboxEntry.from_row(row) for row in rows]

    def mark_sent(self, record_id: str) -> None:
        """A PUT is about to go out: counted as an attempt even if the process dies during it."""
        self.mark_sent_many([record_id])

    def mark_sent_many(self, record_ids: list[str]) -> None:
        """`mark_sent` for a batch, in one transaction (one fsync, not one per record)."""
        now = _now()
        with self._write() as conn:
            conn.executemany(
                "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE record_id = ? AND state IN ('queued', 'sent')",
                [(now, record_id) for record_id in record_ids],
            )

    def mark_acknowledged_many(self, acks: list[tuple[str, str, str]]) -> list[str]:
        """Record a batch of acks (record id, server time, server sha256) in one transaction.

        Returns the ids whose acknowledged hash is not the one queued: those stay pending.
        """
        bad: list[str] = []
        now = _now()
        with self._write() as conn:
            for record_id, server_time, server_sha256 in acks:
                row = conn.execute(
                    "SELECT sha256, state FROM outbox WHERE record_id = ?", (record_id,)
                ).fetchone()
                if row is None or row[0] != server_sha256:
                    bad.append(record_id)
                    continue
                if row[1] not in PENDING_STATES:
                    continue
                conn.execute(
                    "UPDATE outbox SET state = 'acknowledged', acknowledged_at = ?,"
                    " server_time = ?, server_sha256 = ?, next_attempt_at = NULL"
                    " WHERE record_id = ?",
                    (now, server_time, server_sha256, record_id),
                )
                self._audit_in(conn, "record.acknowledged", record_id=record_id)
        return bad

    def purge_acknowledged(self, older_than_s: float) -> int:
        """Drop the sealed blob of records acknowledged longer ago than `older_than_s`.

        The metadata line stays (ids, hashes, times) as the machine's own account of what it
        collected and the province received. Returns how many were purged.
        """
        cutoff = utc_timestamp(datetime.fromtimestamp(time.time() - older_than_s, UTC))
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET state = 'purged', blob = NULL"
                " WHERE state = 'acknowledged' AND acknowledged_at < ?",
                (cutoff,),
            )
            purged = cursor.rowcount
            if purged:
                self._audit_in(conn, "records.purged", count=purged)
        return purged

    def release_waiting(self) -> int:
        """Make every pending record due now (`kioskctl sync now`); returns how many waited."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET next_attempt_at = NULL"
                " WHERE state IN ('queued', 'sent') AND next_attempt_at IS NOT NULL"
            )
            return cursor.rowcount

    def unacknowledged(self) -> Iterator[OutboxEntry]:
        """Every record not yet acknowledged, oldest first, due or not (for export).

        Read a page at a time, so a week of backlog is never in memory at once."""
        after = 0
        while True:
            rows = self._read(
                f"{_ENTRY_SELECT} WHERE state IN ('queued', 'sent') AND seq > ?"
                " ORDER BY seq LIMIT 100",
                (after,),
            )
            if not rows:
                return
            for row in rows:
                yield OutboxEntry.from_row(row)
            after = rows[-1]["seq"]

    def count_unacknowledged(self) -> int:
        rows = self._read("SELECT count(*) AS n FROM outbox WHERE state IN ('queued', 'sent')")
        return int(rows[0]["n"])

    # -- settings ------------------------------------------------------------------------------

    def get_setting(self, key: str) -> Any:
        """A JSON value of the settings table, None when unset."""
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else None

    def set_setting(self, key: str, value: Any) -> None:
        text = json.dumps(value, sort_keys=True, default=str)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )

    def mark_acknowledged(self, record_id: str, server_time: str, server_sha256: str) -> None:
        """The province has the record. Its hash must be ours, or the ack is not for this blob."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT sha256, state FROM outbox WHERE record_id = ?", (record_id,)
            ).fetchone()
            if row is None:
                raise StoreError("no such record in the outbox")
            if row[0] != server_sha256:
                raise StoreError("server acknowledged a different sha256 than the one queued")
            if row[1] not in PENDING_STATES:
                return
            conn.execute(
                "UPDATE outbox SET state = 'acknowledged', acknowledged_at = ?, server_time = ?,"
                " server_sha256 = ?, next_attempt_at = NULL WHERE record_id = ?",
                (_now(), server_time, server_sha256, record_id),
            )
            self._audit_in(conn, "record.acknowledged", record_id=record_id)

    def mark_error(self, record_id: str, error_text: str, *, retry_after_s: float = 0.0) -> None:
        """Keep the record queued with why it failed; `retry_after_s` holds it back that long."""
        now = time.time()
        error_at = utc_timestamp(datetime.fromtimestamp(now, UTC))
        retry_at = utc_timestamp(datetime.fromtimestamp(now + retry_after_s, UTC))
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'queued', last_error = ?, last_error_at = ?,"
                " next_attempt_at = ? WHERE record_id = ? AND state IN ('queued', 'sent')",
                (redact(error_text)[:500], error_at, retry_at, record_id),
            )

    def oldest_unacknowledged_age_s(self) -> float | None:
        """Seconds since the oldest record still waiting was queued; None when none waits."""
        rows = self._read(
            "SELECT min(queued_at) AS oldest FROM outbox WHERE state IN ('queued', 'sent')"
        )
        oldest = rows[0]["oldest"]
        if oldest is None:
            return None
        return max(0.0, time.time() - datetime.fromisoformat(oldest).timestamp())

    def last_error(self) -> dict[str, Any] | None:
        """The newest error among records still waiting: {record_id, error, at, attempts}."""
        rows = self._read(
            "SELECT record_id, last_error AS error, last_error_at AS at, attempts FROM outbox"
            " WHERE state IN ('queued', 'sent') AND last_error IS NOT NULL"
            " ORDER BY last_error_at DESC, seq DESC LIMIT 1"
        )
        return rows[0] if rows else None
