"""The device registry and the memory of nonces: who may upload, and what was already said.

Both live in the server's SQLite file beside the records (on PostgreSQL: `pg_registry`). A
device is enrolled with its Ed25519 public key by an operator (`provincial-api devices add`) or,
on a development server only, on its first signed request (`serve --dev-enrol`). Nonces are
kept for twice the allowed clock skew, which is as long as a captured request could still pass
the clock check.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from provincial_api.storage import sqlite_connection

_SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    enrolled_at TEXT NOT NULL,
    enrolled_by TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
"""
# Nonces live in a file of their own beside the database, behind one connection and a mutex:
# in the records' file every request's nonce insert would queue for the same write lock as the
# record commits, and SQLite's busy wait sleeps in steps of up to 100 ms.
_NONCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (created);
"""


class DeviceExistsError(Exception):
    """The device id is enrolled already, with another key."""


@dataclass(frozen=True)
class Device:
    device_id: str
    public_key: bytes  # raw 32 bytes
    enrolled_at: str
    enrolled_by: str  # "operator" or "dev-enrol"
    active: bool

    def key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class DeviceRegistry:
    """A connection per call, like `RecordStore`: uvicorn's worker threads never share one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
        self._nonces = sqlite3.connect(
            str(path.with_name(path.name + ".nonces")), timeout=15.0, isolation_level=None,
            check_same_thread=False,
        )
        self._nonces.execute("PRAGMA journal_mode = WAL")
        # Nonces need not survive a power cut as surely as records (a replayed PUT is
        # idempotent anyway); an fsync per request would cost more than the upload itself.
        self._nonces.execute("PRAGMA synchronous = NORMAL")
        self._nonces.executescript(_NONCE_SCHEMA)
        self._nonce_lock = threading.Lock()

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return sqlite_connection(self.path)

    def close(self) -> None:
        """Close the nonce file's connection, the one thing held open between calls."""
        with self._nonce_lock:
            self._nonces.close()

    def get(self, device_id: str) -> Device | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT device_id, public_key, enrolled_at, enrolled_by, active FROM devices"
                " WHERE device_id = ?",
                (device_id,),
            ).fetchone()
        if row is None:
            return None
        return Device(row[0], bytes(row[1]), row[2], row[3], bool(row[4]))

    def add(self, device_id: str, public_key: bytes, enrolled_at: str, enrolled_by: str) -> bool:
        """Enrol a device; False when it was already enrolled with this very key."""
        Ed25519PublicKey.from_public_bytes(public_key)  # ValueError if not a key
        with self._connect() as conn:
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
        with self._connect() as conn:
            cursor = conn.execute("DELETE FROM devices WHERE device_id = ?", (device_id,))
            return cursor.rowcount > 0

    def all(self) -> list[Device]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT device_id, public_key, enrolled_at, enrolled_by, active FROM devices"
                " ORDER BY device_id"
            ).fetchall()
        return [Device(r[0], bytes(r[1]), r[2], r[3], bool(r[4])) for r in rows]

    def remember_nonce(self, device_id: str, nonce: str, created: int, forget_before: int) -> bool:
        """Record a nonce; False when this device used it before (a replay)."""
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
