"""SQLite for the reference server: the schema, and a connection per call.

The default backend (pilots, demos, conformance tests): one file holds the records and the
device registry; the nonces sit in a second file beside it (see `sqlite_registry`). The same
tables as on PostgreSQL (`pg_db`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    enrolled_at TEXT NOT NULL,
    enrolled_by TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS audit_heads (
    device_id TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    head TEXT NOT NULL,
    created INTEGER NOT NULL,
    seen_at TEXT NOT NULL,
    problem TEXT
);
"""
# Nonces live in a file of their own beside the database, behind one connection and a mutex:
# in the records' file every request's nonce insert would queue for the same write lock as the
# record commits, and SQLite's busy wait sleeps in steps of up to 100 ms.
NONCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (created);
"""


@contextmanager
def sqlite_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for one call (uvicorn's worker threads never share one), durable commits."""
    conn = sqlite3.connect(str(path), timeout=15.0, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        yield conn
    finally:
        conn.close()


def ensure_schema(path: Path) -> None:
    """Create the file and its tables if missing (WAL: readers never wait for the writer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_connection(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
