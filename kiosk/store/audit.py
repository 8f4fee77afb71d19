"""The machine's own account of what happened to its records: an append-only, hash-chained
audit table (the chain's rules are `kiosk.core.audit_chain`).

Ids and counts only, like a log line, and passed through the log's `redact` as a second line
of defence: never an ID number, a name, a sequence number (it is the candidate's login name on
the login card) or anything typed. Entries that belong to a change of the outbox (a commit, an
ack, a purge) are written inside that change's transaction (`append_in`), so the account and
the outbox never disagree, and the `BEGIN IMMEDIATE` write lock orders the chain across
processes; one on its own (an export) is a single insert in its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from central_api_client.contract import utc_now
from central_api_client.logs import redact
from kiosk.core.audit_chain import GENESIS, AuditEntry, ChainHead, Verdict, entry_hash, verify
from kiosk.store.connection import Connection

_INSERT = "INSERT INTO audit (id, at, event, facts, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)"
_COLUMNS = "id, at, event, facts, prev_hash, hash"


def facts_text(facts: dict[str, Any]) -> str:
    """The JSON text an entry keeps of its facts."""
    return redact(json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str))


def append_entry(conn: sqlite3.Connection, event: str, facts: str, at: str) -> None:
    """Chain one entry to the newest, inside the caller's write transaction. Its id is the next
    AUTOINCREMENT value, never reused: a deleted newest entry leaves a gap."""
    append_entries(conn, [(event, facts)], at)


def append_entries(conn: sqlite3.Connection, entries: list[tuple[str, str]], at: str) -> None:
    """Chain (event, facts text) entries to the newest in order, inside the caller's write
    transaction: the chain's end is read once and the rows go in one `executemany` (a drain
    acknowledges dozens of records per transaction, one entry each)."""
    if not entries:
        return
    row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    entry_id = max(row[0] if row else 0, seq[0] if seq else 0)
    prev = (row[1] or GENESIS) if row else GENESIS
    rows = []
    for event, facts in entries:
        entry_id += 1
        digest = entry_hash(entry_id, at, event, facts, prev)
        rows.append((entry_id, at, event, facts, prev, digest))
        prev = digest
    conn.executemany(_INSERT, rows)


class AuditLog:
    """The `audit` table (newest last, never updated), and its chain's head and check."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def append(self, event: str, **facts: Any) -> None:
        """One entry, committed on its own."""
        with self._conn.write() as conn:
            self.append_in(conn, event, **facts)

    def append_in(self, conn: sqlite3.Connection, event: str, **facts: Any) -> None:
        """One entry inside the caller's transaction (it commits or rolls back with it)."""
        append_entry(conn, event, facts_text(facts), utc_now())

    def append_many_in(self, conn: sqlite3.Connection, event: str,
                       facts: list[dict[str, Any]]) -> None:
        """One `event` entry per facts dict, in order, inside the caller's transaction."""
        append_entries(conn, [(event, facts_text(f)) for f in facts], utc_now())

    def entries(self, last: int | None = None) -> list[AuditEntry]:
        """Every entry in id order, or the newest `last` of them."""
        if last is None:
            rows = self._conn.read(f"SELECT {_COLUMNS} FROM audit ORDER BY id")
        else:
            rows = self._conn.read(f"SELECT {_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?",
                                   (max(0, last),))[::-1]
        return [AuditEntry(r["id"], r["at"], r["event"], r["facts"], r["prev_hash"] or "",
                           r["hash"] or "") for r in rows]

    def verify(self) -> Verdict:
        """The whole chain checked (`kiosk.core.audit_chain.verify`)."""
        return verify(self.entries())

    def head(self) -> ChainHead:
        """How many entries there are and the newest one's hash, as the province is told.
        Every request of the uploader asks; SQLite counts a table's rows from its b-tree
        without reading them, so this stays well under a millisecond."""
        rows = self._conn.read("SELECT (SELECT COUNT(*) FROM audit) AS count,"
                               " (SELECT hash FROM audit ORDER BY id DESC LIMIT 1) AS hash")
        return ChainHead(int(rows[0]["count"]), rows[0]["hash"] or GENESIS)

    def head_header(self) -> str:
        """The head as the signed `Kiosk-Audit-Head` header carries it: COUNT:SHA256."""
        return self.head().header()
