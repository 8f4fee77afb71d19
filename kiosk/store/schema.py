"""The database's tables, and bringing a database made by an older program up to date.

Version 1 had no `outbox.id_hash`; version 2 adds it (the keyed hash of the ID number, to
notice a second visit, `kiosk.visits`). Version 3 chains the audit log (`audit.prev_hash`,
`audit.hash`, `kiosk.core.audit_chain`): the entries an older program wrote are chained in id
order by the migration, after taking out the sequence numbers it kept in them (a candidate's
login name, not the audit's business). Version 4 lets a sequence number be voided (reserved by
a session that never finished, never to be issued, reported to the province): a new state and
two columns, so the table is rebuilt (SQLite cannot change a CHECK constraint in place).
Version 5 keeps each sealed blob in `outbox_blob`, beside its outbox row rather than in it:
SQLite rewrites a whole row on any UPDATE, so every state change of a record (sent,
acknowledged) copied its ~55 KB blob into the WAL again, most of the uploader's database work
per record (tests/bench/bench_drain.py); `outbox.blob` stays, always NULL. A database newer
than this program is refused rather than half understood. Tables added since
need no migration (`CREATE TABLE IF NOT EXISTS`): `candidate_sessions` (each candidate session's
start and how it ended, for the staff panel's day counts), `staff_voids` (the reason and staff
number of a number voided on the panel), `day_reports` (the confirmed end-of-day reports).

Which tool does what: the outbox, sequence-number and audit tables are raw DDL, because they
carry CHECK constraints on their states, a two-column UNIQUE and AUTOINCREMENT, which
sqlite-utils' `create` cannot express (and an existing machine's tables must stay the same).
The settings table, the indexes and the v1->v2 migration are sqlite-utils (`create(...,
if_not_exists=True)`, `create_index`, `add_column`). All of it runs in one `BEGIN IMMEDIATE`
transaction, so two processes opening a fresh file at once cannot both migrate it.
"""

from __future__ import annotations

import json
import sqlite3

import sqlite_utils

from kiosk.core.audit_chain import GENESIS, entry_hash
from kiosk.store.connection import StoreError

# 2: outbox.id_hash; 3: the audit chain; 4: voided sequence numbers; 5: blobs in outbox_blob
SCHEMA_VERSION = 5

OUTBOX_STATES = ("queued", "sent", "acknowledged", "purged")

_NUMBERS_TABLE = """
CREATE TABLE IF NOT EXISTS sequence_numbers (
    number TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    serial INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'used', 'void')),
    session_id TEXT NOT NULL,
    record_id TEXT UNIQUE,
    reserved_at TEXT NOT NULL,
    used_at TEXT,
    voided_at TEXT,
    void_reported_at TEXT,
    UNIQUE (county_code, serial)
);
"""

_TABLES = f"""
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
    id_hash TEXT,
    receipt TEXT
);
CREATE TABLE IF NOT EXISTS outbox_blob (
    outbox_seq INTEGER PRIMARY KEY REFERENCES outbox (seq),
    data BLOB NOT NULL
);
{_NUMBERS_TABLE}
CREATE TABLE IF NOT EXISTS candidate_sessions (
    session_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS candidate_sessions_started ON candidate_sessions (started_at);
CREATE TABLE IF NOT EXISTS staff_voids (
    number TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    staff_number TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS day_reports (
    day TEXT PRIMARY KEY,
    report TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    reported_at TEXT
);
CREATE TABLE IF NOT EXISTS staff_pin_failures (
    fingerprint TEXT PRIMARY KEY,
    wrong_in_a_row INTEGER NOT NULL CHECK (wrong_in_a_row >= 0),
    last_wrong_at TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    facts TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"""


def create_or_migrate(db: sqlite_utils.Database, conn: sqlite3.Connection) -> None:
    """Create what is missing and migrate to SCHEMA_VERSION; call inside a write transaction."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise StoreError(f"database schema {version} is newer than this program's")
    db.executescript(_TABLES)
    db.table("settings").create(
        {"key": str, "value": str}, pk="key", not_null={"value"}, if_not_exists=True
    )
    outbox = db.table("outbox")
    if "id_hash" not in outbox.columns_dict:  # a version 1 database
        outbox.add_column("id_hash", str)
    if "receipt" not in outbox.columns_dict:  # a version 2 database
        outbox.add_column("receipt", str)
    if "hash" not in db.table("audit").columns_dict:  # before version 3
        _chain_audit(db, conn)
    if "voided_at" not in db.table("sequence_numbers").columns_dict:  # before version 4
        _allow_void(conn)
    if version < 5:  # the blobs move beside their rows (none in a fresh database)
        conn.execute("INSERT OR IGNORE INTO outbox_blob (outbox_seq, data)"
                     " SELECT seq, blob FROM outbox WHERE blob IS NOT NULL")
        conn.execute("UPDATE outbox SET blob = NULL WHERE blob IS NOT NULL")
    outbox.create_index(["state", "seq"], index_name="outbox_pending", if_not_exists=True)
    outbox.create_index(["id_hash"], index_name="outbox_id_hash", if_not_exists=True)
    if version != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _chain_audit(db: sqlite_utils.Database, conn: sqlite3.Connection) -> None:
    """Version 3: hash-chain the existing audit entries in id order (inside the migration's
    transaction), without the sequence numbers older programs kept in their facts."""
    audit = db.table("audit")
    audit.add_column("prev_hash", str)
    audit.add_column("hash", str)
    prev = GENESIS
    rows = conn.execute("SELECT id, at, event, facts FROM audit ORDER BY id").fetchall()
    for entry_id, at, event, facts in rows:
        facts = _without_sequence_number(facts)
        digest = entry_hash(entry_id, at, event, facts, prev)
        conn.execute("UPDATE audit SET facts = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (facts, prev, digest, entry_id))
        prev = digest


def _without_sequence_number(facts: str) -> str:
    try:
        data = json.loads(facts)
    except json.JSONDecodeError:
        return facts
    if not isinstance(data, dict) or "sequence_number" not in data:
        return facts
    del data["sequence_number"]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


_V3_NUMBER_COLUMNS = ("number, county_code, serial, state, session_id, record_id, reserved_at,"
                      " used_at")


def _allow_void(conn: sqlite3.Connection) -> None:
    """Version 4: rebuild `sequence_numbers` with the 'void' state and its two columns,
    keeping every row (inside the migration's transaction)."""
    conn.execute("ALTER TABLE sequence_numbers RENAME TO sequence_numbers_v3")
    conn.execute(_NUMBERS_TABLE)
    conn.execute(f"INSERT INTO sequence_numbers ({_V3_NUMBER_COLUMNS})"
                 f" SELECT {_V3_NUMBER_COLUMNS} FROM sequence_numbers_v3")
    conn.execute("DROP TABLE sequence_numbers_v3")
