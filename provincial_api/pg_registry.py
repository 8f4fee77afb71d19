"""The device registry and the nonce memory on PostgreSQL: `sqlite_registry`'s behaviour.

Nonces sit in the same database as the records (SQLite needs a file of their own to keep them
off the records' write lock; PostgreSQL locks rows, not the file). A replay is refused by the
primary key: INSERT ... ON CONFLICT DO NOTHING inserts for exactly one of two racing requests.
"""

from __future__ import annotations

import time
from typing import Any

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
from provincial_api.pg_db import Pool

DEVICE_COLUMNS = "device_id, public_key, enrolled_at, enrolled_by, active"
# How often expired nonces are deleted (they are refused by their age until then anyway).
NONCE_SWEEP_S = 10.0


class PgRegistry:
    """A pooled connection per call: uvicorn's worker threads never share one."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._last_sweep = -NONCE_SWEEP_S

    def close(self) -> None:
        self.pool.close()

    def get(self, device_id: str) -> Device | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                f"SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = %s", (device_id,)
            ).fetchone()
        return None if row is None else _device(row)

    def add(self, device_id: str, public_key: bytes, enrolled_at: str, enrolled_by: str) -> bool:
        public_key = canonical_device_key(public_key)  # ValueError if not a device key
        with self.pool.connection() as conn, conn.transaction():
            inserted = conn.execute(
                "INSERT INTO devices (device_id, public_key, enrolled_at, enrolled_by)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (device_id) DO NOTHING",
                (device_id, public_key, enrolled_at, enrolled_by),
            ).rowcount == 1
            if inserted:
                return True
            row = conn.execute(  # FOR SHARE: not removed before we compare
                "SELECT public_key FROM devices WHERE device_id = %s FOR SHARE", (device_id,)
            ).fetchone()
        if row is not None and bytes(row[0]) == public_key:
            return False
        # Another key (or removed in the instant between): the operator decides, as on SQLite.
        raise DeviceExistsError(f"{device_id} is enrolled with another key")

    def remove(self, device_id: str) -> bool:
        with self.pool.connection() as conn:
            return conn.execute(
                "DELETE FROM devices WHERE device_id = %s", (device_id,)
            ).rowcount > 0

    def set_active(self, device_id: str, active: bool) -> bool:
        with self.pool.connection() as conn:
            return conn.execute(
                "UPDATE devices SET active = %s WHERE device_id = %s", (active, device_id)
            ).rowcount > 0

    def all(self) -> list[Device]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {DEVICE_COLUMNS} FROM devices ORDER BY device_id"
            ).fetchall()
        return [_device(row) for row in rows]

    def remember_nonce(self, device_id: str, nonce: str, created: int, forget_before: int) -> bool:
        # One round trip (a pipeline) for what is asked of every signed request.
        with self.pool.connection() as conn:
            with conn.pipeline(), conn.transaction():
                # As on SQLite (synchronous=NORMAL): a nonce need not wait for a WAL flush; a
                # replayed PUT is idempotent anyway, and a flush per request costs more.
                conn.execute("SET LOCAL synchronous_commit = off")
                inserted = conn.execute(
                    "INSERT INTO nonces (device_id, nonce, created) VALUES (%s, %s, %s)"
                    " ON CONFLICT (device_id, nonce) DO NOTHING RETURNING 1",
                    (device_id, nonce, created),
                )
                if self._sweep_due():
                    # Housekeeping on the side; SKIP LOCKED: requests never wait on each
                    # other for it.
                    conn.execute(
                        "DELETE FROM nonces WHERE (device_id, nonce) IN (SELECT device_id,"
                        " nonce FROM nonces WHERE created < %s FOR UPDATE SKIP LOCKED)",
                        (forget_before,),
                    )
            # Read while the connection is still ours (the pipeline has synced by now).
            return inserted.fetchone() is not None

    def _sweep_due(self) -> bool:
        """Whether to forget expired nonces now: once every NONCE_SWEEP_S, not per request (a
        race lets two requests both sweep, which is harmless)."""
        now = time.monotonic()
        if now - self._last_sweep < NONCE_SWEEP_S:
            return False
        self._last_sweep = now
        return True

    def note_audit_head(self, device_id: str, count: int, head: str, created: int,
                        at: str) -> str | None:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(  # a row to lock, so two reports of one device take turns
                "INSERT INTO audit_heads (device_id, count, head, created, seen_at)"
                " VALUES (%s, -1, '', 0, %s) ON CONFLICT (device_id) DO NOTHING", (device_id, at))
            row = conn.execute(f"SELECT {AUDIT_HEAD_COLUMNS} FROM audit_heads WHERE device_id = %s"
                               " FOR UPDATE", (device_id,)).fetchone()
            assert row is not None  # inserted above, locked now
            seen = AuditHeadSeen(*row) if row[1] >= 0 else None
            problem = audit_head_problem(seen, count, head, created)
            if problem is not None:
                conn.execute("UPDATE audit_heads SET problem = %s WHERE device_id = %s",
                             (problem, device_id))
            elif seen is None or count > seen.count:
                conn.execute("UPDATE audit_heads SET count = %s, head = %s, created = %s,"
                             " seen_at = %s WHERE device_id = %s",
                             (count, head, created, at, device_id))
        return problem

    def audit_heads(self) -> dict[str, AuditHeadSeen]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {AUDIT_HEAD_COLUMNS} FROM audit_heads WHERE count >= 0").fetchall()
        return {row[0]: AuditHeadSeen(*row) for row in rows}

    def note_voids(self, device_id: str, voids: list[VoidedNumber], at: str) -> int:
        with self.pool.connection() as conn, conn.transaction():
            return sum(conn.execute(
                "INSERT INTO voided_numbers (device_id, number, voided_at, received_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (device_id, v.number, v.voided_at, at)).rowcount for v in voids)

    def voids(self, device_id: str | None = None) -> list[VoidSeen]:
        where, params = ("WHERE device_id = %s", (device_id,)) if device_id else ("", ())
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {VOID_COLUMNS} FROM voided_numbers {where}"
                                " ORDER BY device_id, number", params).fetchall()
        return [VoidSeen(*row) for row in rows]

    def note_heartbeat(self, device_id: str, heartbeat: Heartbeat, received_at: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO heartbeats (device_id, sent_at, body, received_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (device_id) DO UPDATE SET"
                " sent_at = excluded.sent_at, body = excluded.body,"
                " received_at = excluded.received_at WHERE excluded.sent_at >= heartbeats.sent_at",
                (device_id, heartbeat.sent_at, heartbeat_json(heartbeat), received_at))

    def note_day_report(self, device_id: str, report: DayReportWire, received_at: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO day_reports (device_id, day, body, received_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (device_id, day) DO UPDATE SET"
                " body = excluded.body, received_at = excluded.received_at",
                (device_id, report.day, day_report_json(report), received_at))

    def day_reports(self, device_id: str) -> list[DayReportSeen]:
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {DAY_REPORT_COLUMNS} FROM day_reports"
                                " WHERE device_id = %s ORDER BY day", (device_id,)).fetchall()
        return [day_report_seen(row) for row in rows]

    def heartbeats(self) -> dict[str, HeartbeatSeen]:
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {HEARTBEAT_COLUMNS} FROM heartbeats").fetchall()
        return {row[0]: heartbeat_seen(row) for row in rows}


def _device(row: tuple[Any, ...]) -> Device:
    return Device(row[0], bytes(row[1]), row[2], row[3], bool(row[4]))
