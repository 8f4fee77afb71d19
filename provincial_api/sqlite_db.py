"""SQLite for the reference server: the schema, and a connection per call.

The default backend (pilots, demos, conformance tests): one file holds the records and the
device registry; the nonces sit in a second file beside it (see `sqlite_registry`). The same
tables as on PostgreSQL (`pg_db`). The files hold who enrolled which key and every sealed
record: they are made owner-only (0600) whatever the umask, and SQLite gives its -wal and -shm
files the database file's mode.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OWNER_ONLY = 0o600
# SQLite's companions of a database file, which it creates with the file's own mode.
COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")

# A record is keyed by its id *and* the device that sealed it: one device's upload can never
# block, or take credit for, another's record of the same id.
RECORDS_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    record_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    workflow TEXT NOT NULL,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob BLOB NOT NULL,
    signature BLOB NOT NULL,
    device_public_key BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (record_id, device_id)
);
"""
SCHEMA = RECORDS_TABLE.format(name="records") + """
CREATE INDEX IF NOT EXISTS records_by_device ON records (device_id, received_at);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    enrolled_at TEXT NOT NULL,
    enrolled_by TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS voided_numbers (
    device_id TEXT NOT NULL,
    number TEXT NOT NULL,
    voided_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, number)
);
CREATE TABLE IF NOT EXISTS day_reports (
    device_id TEXT NOT NULL,
    day TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, day)
);
CREATE TABLE IF NOT EXISTS heartbeats (
    device_id TEXT PRIMARY KEY,
    sent_at TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
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


@contextmanager
def sqlite_write(path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on its own connection: BEGIN IMMEDIATE takes the write lock at
    once, so two processes checking and then writing cannot interleave; rolled back on any
    error."""
    with sqlite_connection(path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def ensure_schema(path: Path) -> None:
    """Create the file and its tables if missing (WAL: readers never wait for the writer), and
    bring an older database's records table to the (record id, device id) key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    owner_only(path)
    with sqlite_connection(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
        if _record_key(conn) == ["record_id"]:
            _rekey_records(conn)


def owner_only(path: Path) -> None:
    """Create `path` 0600 if missing (before SQLite does, with the umask's mode), and take
    away group and other rights from it and its companions if they exist already."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, OWNER_ONLY))
    for suffix in COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        try:
            if companion.stat().st_mode & 0o077:
                companion.chmod(OWNER_ONLY)
        except FileNotFoundError:
            pass


def _record_key(conn: sqlite3.Connection) -> list[str]:
    """The records table's primary key columns, in key order."""
    rows = conn.execute("PRAGMA table_info(records)").fetchall()
    return [row[1] for row in sorted(rows, key=lambda r: r[5]) if row[5] > 0]


def _rekey_records(conn: sqlite3.Connection) -> None:
    """Migrate a database made when a record id alone was the key: copy the rows into a table
    keyed by (record id, device id). One transaction, checked again inside it, so two
    processes opening the same old file migrate it once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _record_key(conn) == ["record_id"]:
            conn.execute(RECORDS_TABLE.format(name="records_rekeyed").strip().rstrip(";"))
            columns = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(records)"))
            conn.execute(f"INSERT INTO records_rekeyed ({columns}) SELECT {columns} FROM records")
            conn.execute("DROP TABLE records")
            conn.execute("ALTER TABLE records_rekeyed RENAME TO records")
            conn.execute("CREATE INDEX IF NOT EXISTS records_by_device"
                         " ON records (device_id, received_at)")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
