"""The machine's own account of what happened to its records: an append-only audit table.

Ids and counts only, like a log line, and passed through the log's `redact` as a second line
of defence. Entries that belong to a change of the outbox (a commit, an ack, a purge) are
written inside that change's transaction (`append_in`), so the account and the outbox never
disagree; one on its own (an export) is a single insert in its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from central_api_client.contract import utc_now
from central_api_client.logs import redact
from kiosk.store.connection import Connection

_INSERT = "INSERT INTO audit (at, event, facts) VALUES (?, ?, ?)"


def _facts_text(facts: dict[str, Any]) -> str:
    return redact(json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str))


class AuditLog:
    """The `audit` table (newest last, never updated)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def append(self, event: str, **facts: Any) -> None:
        """One entry, committed on its own."""
        with self._conn.write() as conn:
            self.append_in(conn, event, **facts)

    def append_in(self, conn: sqlite3.Connection, event: str, **facts: Any) -> None:
        """One entry inside the caller's transaction (it commits or rolls back with it)."""
        conn.execute(_INSERT, (utc_now(), event, _facts_text(facts)))
