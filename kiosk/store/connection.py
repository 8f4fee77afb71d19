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

Checkpoints: SQLite's automatic WAL checkpoint runs inside the COMMIT that crosses its
threshold (1000 pages by default: every few dozen records with a 40 KB photo), so one candidate
in a few dozen waited for a copy of the whole WAL and two more fsyncs (p99 of a save 17-25 ms
against a median of 3 ms, `tests/bench/bench_enqueue.py`). Here the automatic one is only a
backstop at `WAL_BACKSTOP_PAGES` (the WAL stays bounded even if no uploader runs); the uploader
checkpoints after each drain (`checkpoint`), from its own process, PASSIVE, so it never waits
for or blocks the kiosk's writer. Durability is the WAL's either way: a commit is on disk once
the WAL is fsynced (synchronous=FULL).
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
# The automatic checkpoint as a backstop only (8 MiB of 4 KiB pages, some 70 records: within
# the disk guard's commit margin); and the size a WAL file is cut back to once a checkpoint
# has emptied it.
WAL_BACKSTOP_PAGES = 2048
WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024


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
        # 16 MiB of page cache (SQLite's default is 2 MiB): a drain's batch rewrites its rows,
        # each with its ~55 KB blob, and a smaller cache spilled mid-transaction (measured).
        conn.execute("PRAGMA cache_size = -16384")
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_BACKSTOP_PAGES}")
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
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

    def checkpoint(self) -> tuple[int, int]:
        """Copy what the WAL holds into the database file, without waiting for any writer or
        reader (PASSIVE): (frames in the WAL, frames checkpointed). The uploader calls it after
        each drain, so the kiosk's own commits never pay for it."""
        with self._lock:
            _busy, frames, done = self.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return int(frames), int(done)

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Every row of one query, as dicts (a snapshot: WAL readers never wait for a writer)."""
        with self._lock:
            return list(self.db.query(sql, params))
