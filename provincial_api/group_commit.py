"""Group commit: uploads arriving together are stored in one durable transaction.

A durable commit costs an fsync (SQLite) or a WAL flush (PostgreSQL), which on ordinary disks
caps one-transaction-per-record ingest near the disk's flush rate. So every write goes through
one writer thread that stores what is waiting in one transaction; each caller still returns
only after its own record is durable. Both stores (`sqlite_store`, `pg_store`) hand their
writes to a `GroupCommit`, and the dedupe rule lives here once for both: a record is the same
record when its id and its device are (another device's record of that id is another record).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from contextlib import AbstractContextManager, ExitStack
from typing import Generic, Protocol, TypeVar

from provincial_api.domain import ConflictError, Put, ReceivedRecord, SealedRecord

GROUP_COMMIT_MAX = 256
IDLE_EXIT_S = 5.0

Conn = TypeVar("Conn")
Claimed = tuple[ReceivedRecord, bool]
# One caller's records (a PUT's one, a batch's up to 32) and the one future that answers them
# all: a future and a queue hand-over per record cost more than the record's insert.
Pending = tuple[list[SealedRecord], bytes, str, "Future[list[Put]]"]


class Claims(Protocol[Conn]):
    """What a backend tells the writer: how to connect, and how to claim one record id."""

    def writer_connection(self) -> AbstractContextManager[Conn]:
        """A connection for the writer thread (held while it has work)."""
        ...

    def write_transaction(self, conn: Conn) -> AbstractContextManager[None]:
        """A write transaction: committed durably on exit, rolled back on an exception."""
        ...

    def claim(self, conn: Conn, record: SealedRecord, device_public_key: bytes,
              received_at: str) -> Claimed:
        """Insert the record unless this device holds its id already: (stored, True), or
        (what the device stored before, False)."""
        ...

    def reusable(self, conn: Conn) -> bool:
        """False when the connection broke (a server restart), so the writer opens a fresh one
        rather than fail the next group on it."""
        ...


class GroupCommit(Generic[Conn]):
    """The one writer of a store; its thread starts on demand and exits when idle."""

    def __init__(self, backend: Claims[Conn]) -> None:
        self._backend = backend
        self._pending: queue.Queue[Pending] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def put_many(
        self, records: list[SealedRecord], device_public_key: bytes, received_at: str
    ) -> list[Put]:
        """Store verified records durably; a conflict comes back, not raised (see `Store`)."""
        if not records:
            return []
        future: Future[list[Put]] = Future()
        self._pending.put((records, device_public_key, received_at, future))
        with self._writer_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                                name="record-writer")
                self._writer.start()
        return future.result()

    def _write_loop(self) -> None:
        group: list[Pending] | None = None
        while True:
            with ExitStack() as stack:
                try:
                    conn = stack.enter_context(self._backend.writer_connection())
                except Exception as exc:  # no connection: fail who waits now, retry for the next
                    group = group or self._next_group()
                    if group is None:
                        return
                    for *_, future in group:
                        future.set_exception(exc)
                    group = None
                    continue
                while group is not None or (group := self._next_group()) is not None:
                    if not self._backend.reusable(conn):
                        break  # the group waits for a fresh connection
                    self._commit_group(conn, group)
                    group = None
                else:
                    return

    def _next_group(self) -> list[Pending] | None:
        """The callers waiting now (at least one; up to GROUP_COMMIT_MAX records unless one
        caller brings more), or None once idle: the thread then exits."""
        while True:
            try:
                first = self._pending.get(timeout=IDLE_EXIT_S)
            except queue.Empty:
                with self._writer_lock:  # idle: exit unless a put slipped in meanwhile
                    if self._pending.empty():
                        self._writer = None
                        return None
                continue
            group, records = [first], len(first[0])
            while records < GROUP_COMMIT_MAX:
                try:
                    group.append(self._pending.get_nowait())
                except queue.Empty:
                    break
                records += len(group[-1][0])
            return group

    def _commit_group(self, conn: Conn, group: list[Pending]) -> None:
        answers: list[tuple[Future[list[Put]], list[Put]]] = []
        try:
            with self._backend.write_transaction(conn):
                seen: dict[tuple[str, str], ReceivedRecord] = {}
                for records, key, received_at, future in group:
                    puts: list[Put] = []
                    for record in records:
                        record_key = (record.record_id, record.device_id)
                        if record_key in seen:
                            stored, created = seen[record_key], False
                        else:
                            stored, created = self._backend.claim(conn, record, key,
                                                                  received_at)
                            seen[record_key] = stored
                        if not created and stored.sha256 != record.sha256:
                            puts.append(ConflictError("record id holds another sha256"))
                        else:
                            puts.append((stored, created))
                    answers.append((future, puts))
        except BaseException as exc:
            for *_, future in group:
                future.set_exception(exc)
            return
        for future, puts in answers:
            future.set_result(puts)
