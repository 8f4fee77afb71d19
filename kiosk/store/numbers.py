"""Registration sequence numbers handed out by this machine, durably, never twice.

The arithmetic (format, next serial, what is left) is `kiosk.core.sequence`; this module keeps
what was handed out. Raw SQL throughout: handing out a serial is a read-then-write (the highest
serial so far, then the next one) that must sit in one `BEGIN IMMEDIATE` transaction, and
spending a number is part of the record's commit (`KioskStore.commit_record`). The two counts
for `kioskctl status` are plain queries.

A number reserved by a session that never finished (the candidate walked away, the kiosk
crashed or lost power) is voided: never issued, never handed out again, and reported to the
province with the next upload so it knows which numbers no candidate holds. The kiosk voids
at start, before any session (every reservation then is an orphan); staff void through
`kioskctl numbers void`, which spares reservations younger than a session can live.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from central_api_client.contract import utc_now, utc_timestamp
from kiosk.core import sequence
from kiosk.core.errors import SequenceExhaustedError
from kiosk.store.audit import AuditLog
from kiosk.store.connection import Connection, StoreError

_HIGHEST_IN_RANGE = (
    "SELECT max(serial) AS highest FROM sequence_numbers"
    " WHERE county_code = ? AND serial BETWEEN ? AND ?"
)


class SequenceNumbers:
    """The `sequence_numbers` table: reserved when a session reaches step 4, used at commit."""

    def __init__(self, connection: Connection, audit: AuditLog) -> None:
        self._conn = connection
        self._audit = audit

    def reserve(self, county_code: str, first: int, last: int, session_id: str) -> str:
        """Hand out the next serial of [first, last] for this county, committed before return.

        The row stays even if the session is abandoned, which is what makes a number never come
        back, across restarts and across a change of range.
        """
        sequence.check_county_code(county_code)
        sequence.check_range(first, last)
        with self._conn.write() as conn:
            (highest,) = conn.execute(_HIGHEST_IN_RANGE, (county_code, first, last)).fetchone()
            serial = sequence.next_serial(first, last, highest)
            if serial is None:
                raise SequenceExhaustedError(
                    f"no serial left in {first:04d}-{last:04d} for county {county_code}"
                )
            number = sequence.format_number(county_code, serial)
            conn.execute(
                "INSERT INTO sequence_numbers"
                " (number, county_code, serial, state, session_id, reserved_at)"
                " VALUES (?, ?, ?, 'reserved', ?, ?)",
                (number, county_code, serial, session_id, utc_now()),
            )
        return number

    def spend_in(self, conn: sqlite3.Connection, number: str, record_id: str, at: str) -> None:
        """Mark a reserved number used by `record_id`, inside the caller's transaction."""
        row = conn.execute(
            "SELECT state FROM sequence_numbers WHERE number = ?", (number,)
        ).fetchone()
        if row is None:
            raise StoreError("sequence number was never reserved on this machine")
        if row[0] == "used":
            raise StoreError("sequence number is already used by another record")
        if row[0] == "void":
            raise StoreError("sequence number was voided: the province was told it is unused")
        conn.execute(
            "UPDATE sequence_numbers SET state = 'used', record_id = ?, used_at = ?"
            " WHERE number = ?",
            (record_id, at, number),
        )

    def usage(self, county_code: str | None = None) -> dict[str, Any]:
        """Reserved (handed out, no record yet) and used counts, and the last number handed out."""
        where, params = ("WHERE county_code = ?", (county_code,)) if county_code else ("", ())
        counts = {
            row["state"]: row["n"]
            for row in self._conn.read(
                f"SELECT state, count(*) AS n FROM sequence_numbers {where} GROUP BY state", params
            )
        }
        last = self._conn.read(
            f"SELECT number, serial FROM sequence_numbers {where} ORDER BY rowid DESC LIMIT 1",
            params,
        )
        return {
            "reserved": counts.get("reserved", 0),
            "used": counts.get("used", 0),
            "void": counts.get("void", 0),
            "last_serial": last[0]["serial"] if last else None,
            "last_number": last[0]["number"] if last else None,
        }

    def remaining(self, county_code: str, first: int, last: int) -> int:
        """Serials the range [first, last] can still hand out, for staff and `kioskctl status`."""
        [row] = self._conn.read(_HIGHEST_IN_RANGE, (county_code, first, last))
        return sequence.remaining(first, last, row["highest"])

    def void_abandoned(self, older_than_s: float = 0.0, *, spare_live: bool = False) -> int:
        """Void every number still only reserved (0: all of them, whatever their times say,
        as at the kiosk's start when no session can hold one); else those reserved at least
        `older_than_s` ago. `spare_live` (staff, while the kiosk runs): never the newest
        session's number, which a slow candidate may still commit. One audit entry with the
        count (the numbers are candidates' login names, not the audit's business). How many."""
        now = time.time()
        where, params = "state = 'reserved'", [_iso(now)]
        if older_than_s > 0:
            where += " AND reserved_at <= ?"
            params.append(_iso(now - older_than_s))
        with self._conn.write() as conn:
            if spare_live:
                newest = conn.execute("SELECT session_id FROM sequence_numbers"
                                      " ORDER BY rowid DESC LIMIT 1").fetchone()
                if newest is not None:
                    where += " AND session_id != ?"
                    params.append(newest[0])
            count = conn.execute(f"UPDATE sequence_numbers SET state = 'void', voided_at = ?"
                                 f" WHERE {where}", params).rowcount
            if count:
                self._audit.append_in(conn, "numbers.voided", count=count)
        return count

    def unreported_voids(self, limit: int = 1000) -> list[tuple[str, str]]:
        """(number, voided_at) of voided numbers the province has not been told of, oldest
        first."""
        rows = self._conn.read(
            "SELECT number, voided_at FROM sequence_numbers WHERE state = 'void'"
            " AND void_reported_at IS NULL ORDER BY voided_at, number LIMIT ?", (limit,))
        return [(row["number"], row["voided_at"]) for row in rows]

    def mark_voids_reported(self, numbers: list[str]) -> None:
        """The province has these voided numbers (its answer to the report)."""
        at = utc_now()
        with self._conn.write() as conn:
            conn.executemany(
                "UPDATE sequence_numbers SET void_reported_at = ?"
                " WHERE number = ? AND state = 'void'", [(at, n) for n in numbers])


def _iso(epoch_s: float) -> str:
    """The text form of `utc_now`, so the stored times compare as strings."""
    return utc_timestamp(datetime.fromtimestamp(epoch_s, UTC))
