"""The software PIN lockout's memory: wrong PINs in a row per staff card, kept in the database
so that a restart does not give anyone fresh tries (the arithmetic is
`kiosk.core.staff.lockout_remaining`).

A card is named by its certificate's fingerprint. Every wrong PIN and every sign-in is an audit
entry, written in the same transaction as the count: the staff number and a short fingerprint,
never the PIN or the holder's name.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.store.audit import AuditLog
from kiosk.store.connection import Connection


class StaffLockout:
    def __init__(self, connection: Connection, audit: AuditLog) -> None:
        self._conn, self._audit = connection, audit

    def failures(self, fingerprint: str) -> tuple[int, datetime | None]:
        """(wrong PINs in a row, when the last was) for this card."""
        rows = self._conn.read(
            "SELECT wrong_in_a_row, last_wrong_at FROM staff_pin_failures WHERE fingerprint = ?",
            (fingerprint,))
        if not rows:
            return 0, None
        at = rows[0]["last_wrong_at"]
        return int(rows[0]["wrong_in_a_row"]), (datetime.fromisoformat(at) if at else None)

    def record_wrong(self, fingerprint: str, staff_number: str, at: datetime, *,
                     blocked: bool = False) -> int:
        """One more wrong PIN; returns how many in a row now."""
        with self._conn.write() as conn:
            conn.execute(
                "INSERT INTO staff_pin_failures (fingerprint, wrong_in_a_row, last_wrong_at) "
                "VALUES (?, 1, ?) ON CONFLICT (fingerprint) DO UPDATE SET "
                "wrong_in_a_row = wrong_in_a_row + 1, last_wrong_at = excluded.last_wrong_at",
                (fingerprint, at.isoformat()))
            (count,) = conn.execute(
                "SELECT wrong_in_a_row FROM staff_pin_failures WHERE fingerprint = ?",
                (fingerprint,)).fetchone()
            self._audit.append_in(conn, "staff.pin_blocked" if blocked else "staff.wrong_pin",
                                  staff_number=staff_number, card=fingerprint[:16],
                                  wrong_in_a_row=int(count))
        return int(count)

    def record_signed_in(self, fingerprint: str, staff_number: str, role: str) -> None:
        """A good PIN: the count starts again."""
        with self._conn.write() as conn:
            conn.execute("DELETE FROM staff_pin_failures WHERE fingerprint = ?", (fingerprint,))
            self._audit.append_in(conn, "staff.signed_in", staff_number=staff_number,
                                  card=fingerprint[:16], role=role)
