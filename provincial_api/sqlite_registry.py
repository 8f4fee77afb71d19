"""The device registry and the memory of nonces in SQLite: who may upload, what was said.

Devices live in the server's SQLite file beside the records (on PostgreSQL: `pg_registry`). A
device is enrolled with its public key (a TPM's P-256, or a development kiosk's Ed25519) by an
operator (`provincial-api devices add`) or, on a development server only, on its first signed
request (`serve --dev-enrol`). Nonces are
kept for twice the allowed clock skew, which is as long as a captured request could still pass
the clock check.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from provincial_api.domain import (
    AUDIT_HEAD_COLUMNS,
    DAY_REPORT_COLUMNS,
    HEARTBEAT_COLUMNS,
    VOID_COLUMNS,
    AuditHeadSeen,
    DayReportSeen,
    DayReportWire,
    Device,
    DeviceExistsError,
    Heartbeat,
    HeartbeatSeen,
    VoidedNumber,
    VoidSeen,
    audit_head_problem,
    canonical_device_key,
    day_report_json,
    day_report_seen,
    heartbeat_json,
    heartbeat_seen,
)
from provincial_api.sqlite_db import (
    NONCE_SCHEMA,
    ensure_schema,
    owner_only,
    sqlite_connection,
)

DEVICE_COLUMNS = "device_id, public_key, enrolled_at, enrolled_by, active"


class SqliteRegistry:
    """A connection per call, like `SqliteStore`: uvicorn's worker threads never share one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        ensure_schema(path)
        nonces = path.with_name(path.name + ".nonces")
        owner_only(nonces)
        self._nonces = sqlite3.connect(
            str(nonces), timeout=15.0, isolation_level=None, check_same_thread=False,
        )
        self._nonces.execute("PRAGMA journal_mode = WAL")
        # Nonces need not survive a power cut as surely as records (a replayed PUT is
        # idempotent anyway); an fsync per request would cost more than the upload itself.
        self._nonces.execute("PRAGMA synchronous = NORMAL")
        self._nonces.executescript(NONCE_SCHEMA)
        self._nonce_lock = threading.Lock()

    def close(self) -> None:
        """Close the nonce file's connection, the one thing held open between calls."""
        with self._nonce_lock:
            self._nonces.close()

    def get(self, device_id: str) -> Device | None:
        with sqlite_connection(self.path) as conn:
            row = conn.execute(
                f"SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?", (device_id,)
            ).fetchone()
        return None if row is None else _device(row)

    def add(self, device_id: str, public_key: bytes, enrolled_at: str, enrolled_by: str) -> bool:
        public_key = canonical_device_key(public_key)  # ValueError if not a device key
        with sqlite_connection(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                "SELECT public_key FROM devices WHERE device_id = ?", (device_id,)
            ).fetchone()
            if row is not None:
                conn.execute("ROLLBACK")
                if bytes(row[0]) != public_key:
                    raise DeviceExistsError(f"{device_id} is enrolled with another key")
                return False
            conn.execute(
                "INSERT INTO devices (device_id, public_key, enrolled_at, enrolled_by)"
                " VALUES (?, ?, ?, ?)",
                (device_id, public_key, enrolled_at, enrolled_by),
            )
            conn.execute("COMMIT")
        return True

    def remove(self, device_id: str) -> bool:
        with sqlite_connection(self.path) as conn:
            cursor = conn.execute("DELETE FROM devices WHERE device_id = ?", (device_id,))
            return cursor.rowcount > 0

    def set_active(self, device_id: str, active: bool) -> bool:
        with sqlite_connection(self.path) as conn:
            cursor = conn.execute("UPDATE devices SET active = ? WHERE device_id = ?",
                                  (int(active), device_id))
            return cursor.rowcount > 0

    def all(self) -> list[Device]:
        with sqlite_connection(self.path) as conn:
            rows = conn.execute(
                f"SELECT {DEVICE_COLUMNS} FROM devices ORDER BY device_id"
            ).fetchall()
        return [_device(row) for row in rows]

    def remember_nonce(self, device_id: str, nonce: str, created: int, forget_before: int) -> bool:
        with self._nonce_lock:
            try:
                self._nonces.execute(
                    "INSERT INTO nonces (device_id, nonce, created) VALUES (?, ?, ?)",
                    (device_id, nonce, created),
                )
            except sqlite3.IntegrityError:
                return False
            # Cheap housekeeping on the side: one indexed range delete.
            self._nonces.execute("DELETE FROM nonces WHERE created < ?", (forget_before,))
        return True


    def note_audit_head(self, device_id: str, count: int, head: str, created: int,
                        at: str) -> str | None:
        with sqlite_connection(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(f"SELECT {AUDIT_HEAD_COLUMNS} FROM audit_heads WHERE device_id = ?",
                               (device_id,)).fetchone()
            seen = None if row is None else AuditHeadSeen(*row)
            problem = audit_head_problem(seen, count, head, created)
            if problem is not None:
                conn.execute("UPDATE audit_heads SET problem = ? WHERE device_id = ?",
                             (problem, device_id))
            elif seen is None or count > seen.count:
                conn.execute(
                    "INSERT INTO audit_heads (device_id, count, head, created, seen_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET"
                    " count = excluded.count, head = excluded.head, created = excluded.created,"
                    " seen_at = excluded.seen_at",
                    (device_id, count, head, created, at))
            conn.execute("COMMIT")
        return problem

    def audit_heads(self) -> dict[str, AuditHeadSeen]:
        with sqlite_connection(self.path) as conn:
            rows = conn.execute(f"SELECT {AUDIT_HEAD_COLUMNS} FROM audit_heads").fetchall()
        return {row[0]: AuditHeadSeen(*row) for row in rows}

    def note_voids(self, device_id: str, voids: list[VoidedNumber], at: str) -> int:
        with sqlite_connection(self.path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            new = sum(conn.execute(
                "INSERT INTO voided_numbers (device_id, number, voided_at, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (device_id, v.number, v.voided_at, at)).rowcount for v in voids)
            conn.execute("COMMIT")
        return new

    def voids(self, device_id: str | None = None) -> list[VoidSeen]:
        where, params = ("WHERE device_id = ?", (device_id,)) if device_id else ("", ())
        with sqlite_connection(self.path) as conn:
            rows = conn.execute(f"SELECT {VOID_COLUMNS} FROM voided_numbers {where}"
                                " ORDER BY device_id, number", params).fetchall()
        return [VoidSeen(*row) for row in rows]

    def note_heartbeat(self, device_id: str, heartbeat: Heartbeat, received_at: str) -> None:
        with sqlite_connection(self.path) as conn:
            conn.execute(
                "INSERT INTO heartbeats (device_id, sent_at, body, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET"
                " sent_at = excluded.sent_at, body = excluded.body,"
                " received_at = excluded.received_at WHERE excluded.sent_at >= heartbeats.sent_at",
                (device_id, heartbeat.sent_at, heartbeat_json(heartbeat), received_at))

    def note_day_report(self, device_id: str, report: DayReportWire, received_at: str) -> None:
        with sqlite_connection(self.path) as conn:
            conn.execute(
                "INSERT INTO day_reports (device_id, day, body, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (device_id, day) DO UPDATE SET"
                " body = excluded.body, received_at = excluded.received_at",
                (device_id, report.day, day_report_json(report), received_at))

    def day_reports(self, device_id: str) -> list[DayReportSeen]:
        with sqlite_connection(self.path) as conn:
            rows = conn.execute(f"SELECT {DAY_REPORT_COLUMNS} FROM day_reports"
                                " WHERE device_id = ? ORDER BY day", (device_id,)).fetchall()
        return [day_report_seen(row) for row in rows]

    def heartbeats(self) -> dict[str, HeartbeatSeen]:
        with sqlite_connection(self.path) as conn:
            rows = conn.execute(f"SELECT {HEARTBEAT_COLUMNS} FROM heartbeats").fetchall()
        return {row[0]: heartbeat_seen(row) for row in rows}


def _device(row: tuple[str, bytes, str, str, int]) -> Device:
    return Device(row[0], bytes(row[1]), row[2], row[3], bool(row[4]))
