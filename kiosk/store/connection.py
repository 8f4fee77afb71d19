"""The one connection of a process to the machine's database, and its write transaction.

The kiosk UI writes here and the uploader, a separate process, updates the same file, so every
connection uses WAL (readers never block the writer), synchronous=FULL (a committed record
survives a power cut: the plans order "keep collecting when the network is down", which only
works if what was collected is really on disk) and a busy timeout (two writers wait for each
other instead of failing). Every write is one `BEGIN IMMEDIATE` transaction: it takes the write
lock up front, so a read-then-write such as handing out the next serial cannot interleave with
another process doing the same.

Raw SQL here on purpose: the pragmas and the transaction need exact control of what the driver
sends (sqlite-utils would open a plain `BEGIN`, which takes the write lock only at the first
write). Reads go through sqlite-utils' `query`, which returns rows as dicts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.core.errors import DiskFullError

BUSY_TIMEOUT_S = 15.0
# FULL: a commit returns only after the WAL is fsynced. The power-cut test
# (tests/integration/test_power_loss.py) sets NORMAL in its children to show it would notice.
SYNCHRONOUS = "FULL"


class StoreError(Exception):
    """A write that would break the database's rules, or a database this program cannot use
    (never a transient condition)."""


class Connection:
    """One SQLite connection, shared by the threads of one process under a lock."""

    def __init__(self, path: Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the driver opens no transaction on its own; `write` does.
        conn = sqlite3.connect(
            str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        conn.execute("PRAGMA foreign_keys = ON")
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock from its first statement.

        All of it commits or none of it does. SQLite's "database or disk is full" becomes the
        kiosk's DiskFullError, the one error a person is shown for a full disk.
        """
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
                    raise DiskFullError("write: database or disk is full") from exc
                raise

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Every row of one query, as dicts (a snapshot: WAL readers never wait for a writer)."""
        with self._lock:
            return list(self.db.query(sql, params))
