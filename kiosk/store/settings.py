"""Small JSON values shared between the kiosk's processes (the uploader's last outcome, when it
may try again), in the `settings` table.

sqlite-utils does the job: its upsert by key (inside the connection's write transaction, for
the lock and the busy timeout) and its `query` for the lookup.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.store.connection import Connection


class Settings:
    """Key -> JSON value; a key never set reads as None."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, key: str) -> Any:
        rows = self._conn.read("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else None

    def set(self, key: str, value: Any) -> None:
        text = json.dumps(value, sort_keys=True, default=str)
        with self._conn.write():
            self._conn.db.table("settings").upsert({"key": key, "value": text}, pk="key")
