"""`KioskStore`: the object a program opens, composing one module per job on one connection.

    store.outbox     sealed records and their upload state          (kiosk.store.outbox)
    store.numbers    registration sequence numbers                  (kiosk.store.numbers)
    store.audit      the audit log                                  (kiosk.store.audit)
    store.settings   small shared values (the uploader's status)    (kiosk.store.settings)
    store.staff_lockout  wrong staff PINs in a row, per card           (kiosk.store.staff_lockout)
    store.disk       the disk guard, before a session and at commit (kiosk.store.disk)
    store.staff      day counts, staff voids, the local pause, day reports (kiosk.store.staff_desk)

What spans jobs lives here: the commit of a record, which queues it, spends its number and
audits it in one transaction (raw SQL, one `BEGIN IMMEDIATE`), and `disk_ok`, the question the
UI asks before a session starts.
"""

from __future__ import annotations

from pathlib import Path

from central_api_client.contract import utc_now
from central_api_client.records import SealedRecord
from kiosk.store.audit import AuditLog
from kiosk.store.connection import BUSY_TIMEOUT_S, Connection
from kiosk.store.disk import DEFAULT_MIN_FREE_BYTES, DiskGuard, DiskMoment
from kiosk.store.numbers import SequenceNumbers
from kiosk.store.outbox import Outbox
from kiosk.store.schema import create_or_migrate
from kiosk.store.settings import Settings
from kiosk.store.staff_desk import StaffDesk
from kiosk.store.staff_lockout import StaffLockout


class KioskStore:
    """The database of one machine. Safe to share between threads of one process; several
    processes each open their own `KioskStore` on the same file."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
    ) -> None:
        self.path = path
        self.connection = Connection(path, busy_timeout_s=busy_timeout_s)
        try:
            with self.connection.write() as conn:
                create_or_migrate(self.connection.db, conn)
        except BaseException:
            self.connection.close()
            raise
        self.audit = AuditLog(self.connection)
        self.outbox = Outbox(self.connection, self.audit)
        self.numbers = SequenceNumbers(self.connection, self.audit)
        self.settings = Settings(self.connection)
        self.staff_lockout = StaffLockout(self.connection, self.audit)
        self.disk = DiskGuard(path.parent, min_free_bytes)
        self.staff = StaffDesk(self.connection, self.audit, self.settings)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> KioskStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def checkpoint(self) -> tuple[int, int]:
        """Move the WAL into the database file now, from this process (the uploader's, after
        each drain) rather than inside a kiosk's commit (`connection`)."""
        return self.connection.checkpoint()

    def disk_ok(self) -> bool:
        """True while a new session may start (free space at or above `storage.min_free_mb`).

        The UI asks before starting a session and shows the staff "disk nearly full" screen
        when False; queued records are never dropped to make room.
        """
        return self.disk.allows(DiskMoment.SESSION_START)

    def commit_record(
        self, sealed: SealedRecord, sequence_number: str, *, id_hash: str | None = None,
        spend: bool = True,
    ) -> None:
        """Queue a sealed record, spend its sequence number and audit it, all or nothing.
        `spend=False`: a second visit's record, which names the first visit's number (given
        out by whichever machine served that visit) and spends none of this machine's.

        A second call for the same record id (a retried save after a crash or a timeout) changes
        nothing: the first sealed blob stands. `id_hash`: the keyed hash of the candidate's ID
        number (`kiosk.visits`), kept to notice a second visit; never the number itself.
        Refused with DiskFullError only when even the record and a small margin no longer fit
        (`kiosk.store.disk`): a signed record is saved if there is any room for it.
        """
        with self.connection.write() as conn:
            if self.outbox.holds_in(conn, sealed.record_id):
                return
            self.disk.check(DiskMoment.COMMIT, record_bytes=sealed.size + len(sealed.signature))
            at = utc_now()
            if spend:
                self.numbers.spend_in(conn, sequence_number, sealed.record_id, at)
            self.outbox.queue_in(conn, sealed, sequence_number, id_hash, at)
            self.audit.append_in(
                conn,
                "record.committed",
                record_id=sealed.record_id,
                size=sealed.size,
            )
