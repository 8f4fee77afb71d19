"""What the staff panel keeps: each candidate session's start and end (the day's counts),
numbers voided on the panel with their reason, the kiosk's own pause and the confirmed
end-of-day reports.

The rules (what an end counts as, the China day, the reasons) are `kiosk.core.staff_panel`;
this module stores and counts. Staff are named by staff number only, never by name.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from central_api_client.contract import utc_now, utc_timestamp
from kiosk.core.staff_panel import VOID_REASONS, LocalPause, day_bounds, tally
from kiosk.store.audit import AuditLog
from kiosk.store.connection import Connection, StoreError
from kiosk.store.settings import Settings

LOCAL_PAUSE_KEY = "local_pause"
VOICE_OFF_KEY = "voice_off"  # staff turned the spoken guidance off on this kiosk


class StaffDesk:
    def __init__(self, connection: Connection, audit: AuditLog, settings: Settings) -> None:
        self._conn = connection
        self._audit = audit
        self._settings = settings

    # -- candidate sessions ---------------------------------------------------------------

    def session_started(self, session_id: str, workflow: str) -> None:
        with self._conn.write() as conn:
            conn.execute("INSERT OR IGNORE INTO candidate_sessions"
                         " (session_id, workflow, started_at) VALUES (?, ?, ?)",
                         (session_id, workflow, utc_now()))

    def session_ended(self, session_id: str, outcome: str) -> None:
        with self._conn.write() as conn:
            conn.execute("UPDATE candidate_sessions SET ended_at = ?, outcome = ?"
                         " WHERE session_id = ? AND ended_at IS NULL",
                         (utc_now(), outcome, session_id))

    def day_counts(self, day: date) -> dict[str, dict[str, int]]:
        """Per workflow: started, completed, cancelled, timed out, exceptions on that day."""
        start, end = (utc_timestamp(t) for t in day_bounds(day))
        rows = self._conn.read("SELECT workflow, outcome FROM candidate_sessions"
                               " WHERE started_at >= ? AND started_at < ?", (start, end))
        return tally([(r["workflow"], r["outcome"]) for r in rows])

    # -- numbers --------------------------------------------------------------------------

    def unfinished_numbers(self, live_session_id: str | None) -> list[str]:
        """Numbers reserved by sessions that never finished, newest first; never the one a
        candidate being served now holds."""
        rows = self._conn.read("SELECT number, session_id FROM sequence_numbers"
                               " WHERE state = 'reserved' ORDER BY rowid DESC")
        return [r["number"] for r in rows if r["session_id"] != live_session_id]

    def void(self, number: str, reason: str, staff_number: str,
             live_session_id: str | None) -> None:
        """Void one reserved number of an unfinished session, with its reason and who did it
        (audited with the reason and staff number; the number itself is a candidate's login
        name and stays out of the audit). StoreError when it is not such a number."""
        if reason not in VOID_REASONS:
            raise StoreError(f"unknown void reason {reason!r}")
        at = utc_now()
        with self._conn.write() as conn:
            row = conn.execute("SELECT state, session_id FROM sequence_numbers"
                               " WHERE number = ?", (number,)).fetchone()
            if row is None or row[0] != "reserved":
                raise StoreError("only a number reserved by an unfinished session is voided")
            if live_session_id is not None and row[1] == live_session_id:
                raise StoreError("the number of the candidate being served is not voided")
            conn.execute("UPDATE sequence_numbers SET state = 'void', voided_at = ?"
                         " WHERE number = ?", (at, number))
            conn.execute("INSERT INTO staff_voids (number, reason, staff_number, at)"
                         " VALUES (?, ?, ?, ?)", (number, reason, staff_number, at))
            self._audit.append_in(conn, "numbers.voided_by_staff", count=1, reason=reason,
                                  staff_number=staff_number)

    def numbers_of_day(self, day: date) -> dict[str, Any]:
        """Numbers used and voided on that day, and the voids' reasons."""
        start, end = (utc_timestamp(t) for t in day_bounds(day))
        [used] = self._conn.read("SELECT count(*) AS n FROM sequence_numbers WHERE state ="
                                 " 'used' AND used_at >= ? AND used_at < ?", (start, end))
        [void] = self._conn.read("SELECT count(*) AS n FROM sequence_numbers WHERE state ="
                                 " 'void' AND voided_at >= ? AND voided_at < ?", (start, end))
        reasons = {r["reason"]: r["n"] for r in self._conn.read(
            "SELECT reason, count(*) AS n FROM staff_voids WHERE at >= ? AND at < ?"
            " GROUP BY reason", (start, end))}
        return {"used": used["n"], "voided": void["n"], "void_reasons": reasons}

    # -- the kiosk's own pause ------------------------------------------------------------

    def local_pause(self) -> LocalPause | None:
        return LocalPause.from_json(self._settings.get(LOCAL_PAUSE_KEY))

    def pause(self, reason: str, staff_number: str) -> LocalPause:
        pause = LocalPause(reason, staff_number, utc_now())
        self._settings.set(LOCAL_PAUSE_KEY, pause.as_json())
        self._audit.append("kiosk.paused", reason=reason, staff_number=staff_number)
        return pause

    def resume(self, staff_number: str) -> None:
        self._settings.set(LOCAL_PAUSE_KEY, None)
        self._audit.append("kiosk.resumed", staff_number=staff_number)

    # -- the spoken guidance ---------------------------------------------------------------

    def voice_off(self) -> bool:
        return bool(self._settings.get(VOICE_OFF_KEY))

    def set_voice(self, on: bool, staff_number: str) -> None:
        """Staff turn the spoken guidance off (a quiet room, a candidate who asks) or back on;
        kept over a restart until staff turn it on again."""
        self._settings.set(VOICE_OFF_KEY, None if on else True)
        self._audit.append("kiosk.voice_on" if on else "kiosk.voice_off",
                           staff_number=staff_number)

    # -- end-of-day reports ---------------------------------------------------------------

    def confirm_report(self, day: date, report: dict[str, Any], staff_number: str) -> None:
        """A supervisor confirmed the day's report: kept until the uploader has sent it (a
        second confirmation of the same day replaces it and is sent again)."""
        with self._conn.write() as conn:
            conn.execute("INSERT OR REPLACE INTO day_reports (day, report, confirmed_by,"
                         " confirmed_at, reported_at) VALUES (?, ?, ?, ?, NULL)",
                         (day.isoformat(), json.dumps(report, sort_keys=True), staff_number,
                          utc_now()))
            self._audit.append_in(conn, "day_report.confirmed", day=day.isoformat(),
                                  staff_number=staff_number)

    def unreported_reports(self) -> list[dict[str, Any]]:
        rows = self._conn.read("SELECT day, report FROM day_reports WHERE reported_at IS NULL"
                               " ORDER BY day")
        return [json.loads(r["report"]) for r in rows]

    def mark_report_sent(self, day: str) -> None:
        with self._conn.write() as conn:
            conn.execute("UPDATE day_reports SET reported_at = ? WHERE day = ?",
                         (utc_now(), day))

    # -- the queue ------------------------------------------------------------------------

    def last_receipt_at(self) -> str | None:
        """When the province last acknowledged one of this machine's records."""
        [row] = self._conn.read("SELECT max(acknowledged_at) AS at FROM outbox")
        at = row["at"]
        return str(at) if at is not None else None
