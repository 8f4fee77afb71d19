"""What the staff panel does, for `kiosk.staff_shell.StaffShell` (a mixin, so the card and
sign-in side and the panel's actions each fit a module): pause and resume this kiosk, today's
counts, the queue and the devices, voiding an unfinished session's number, printing a failed
login card again, and the end-of-day report (printed, confirmed by a supervisor's card, kept
for the uploader). Every action needs a signed-in staff member who may do it, and names them
by staff number only.
"""

from __future__ import annotations

import logging
from base64 import b64encode
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from central_api_client.contract import utc_timestamp
from central_api_client.day_report import DayReportFormatError, DayReportWire
from central_api_client.logs import LogEvent, event
from kiosk.core import events as ev
from kiosk.core.day_report import DayReport, build_day_report
from kiosk.core.health import DeviceHealth
from kiosk.core.schedule import Refusal
from kiosk.core.session import Session
from kiosk.core.staff import CardSignature, StaffAction, StaffMember
from kiosk.core.staff_panel import LocalPause, china_day
from kiosk.core.staff_session import StaffSession
from kiosk.store.connection import StoreError

if TYPE_CHECKING:
    from kiosk.store import KioskStore

log = logging.getLogger("kiosk.staff_shell")

ReportPrinter = Callable[[DayReport], str]  # prints the report on A4; the job's id


class PanelActions:
    state: StaffSession
    session: Session
    store: KioskStore | None
    device_id: str
    print_report: ReportPrinter | None
    _health: DeviceHealth
    _now: Callable[[], datetime]
    _voice_off: bool | None = None  # staff's switch, read from the store once
    report_state: str = ""  # the day report's confirmation: "", signing, confirmed, failed

    def _changed(self) -> None:
        raise NotImplementedError

    def touch(self) -> None:
        raise NotImplementedError

    def local_pause(self) -> LocalPause | None:
        return self.store.staff.local_pause() if self.store is not None else None

    def pause(self, reason: str) -> None:
        member = self._require("panel")
        if self.store is not None:
            self.store.staff.pause(reason, member.staff_number)
        event(log, LogEvent.STAFF_PAUSED, reason=reason, staff_number=member.staff_number)
        self.session.ask_gate_now()
        self._changed()

    def resume(self) -> None:
        member = self._require("panel")
        if self.store is not None:
            self.store.staff.resume(member.staff_number)
        event(log, LogEvent.STAFF_RESUMED, staff_number=member.staff_number)
        self.session.ask_gate_now()
        self._changed()

    @property
    def voice_off(self) -> bool:
        """Staff turned the spoken guidance off (kept in the store over a restart; read from
        it once, asked before every sentence)."""
        if self._voice_off is None:
            self._voice_off = self.store is not None and self.store.staff.voice_off()
        return self._voice_off

    def set_voice(self, on: bool) -> None:
        member = self._require("panel")
        if self.store is not None:
            self.store.staff.set_voice(on, member.staff_number)
        self._voice_off = not on
        event(log, LogEvent.STAFF_VOICE, on=on, staff_number=member.staff_number)
        self._changed()

    def day_counts(self) -> dict[str, dict[str, int]]:
        if self.store is None:
            return {}
        return self.store.staff.day_counts(china_day(self._now()))

    def queue(self) -> dict[str, Any]:
        """Queue depth, the last upload that went well, the last receipt."""
        if self.store is None:
            return {"depth": 0, "last_upload": None, "last_receipt": None}
        from kiosk.sync.status import read_status

        return {"depth": self.store.outbox.count_unacknowledged(),
                "last_upload": read_status(self.store).last_success_at,
                "last_receipt": self.store.staff.last_receipt_at()}

    def health(self) -> tuple[str | None, dict[str, str]]:
        """The staff alert that wins now (its text key, or None) and every part's fault."""
        alert = self._health.alert
        faults = {part: code for part, code in self._health.parts().items() if code != "ok"}
        return (alert.value if alert is not None else None), faults

    def unfinished_numbers(self) -> list[str]:
        if self.store is None:
            return []
        return self.store.staff.unfinished_numbers(self._live_session_id())

    def void(self, number: str, reason: str) -> bool:
        """Void an unfinished session's number; False when it may not be (already used, the
        live candidate's)."""
        member = self._require("void")
        if self.store is None:
            return False
        try:
            self.store.staff.void(number, reason, member.staff_number, self._live_session_id())
        except StoreError:
            return False
        event(log, LogEvent.STAFF_VOIDED, reason=reason, staff_number=member.staff_number)
        self._changed()
        return True

    @property
    def can_reprint(self) -> bool:
        data = self.session.data
        return (self.session.screen == "print" and data is not None
                and data.print_failed is not None and not data.printing)

    def reprint(self) -> None:
        """Print the open session's failed printout again (the print step's own retry)."""
        member = self._require("panel")
        if self.can_reprint:
            event(log, LogEvent.STAFF_REPRINT, staff_number=member.staff_number)
            self.session.handle(ev.Retake())
            self._changed()

    # -- the end-of-day report ------------------------------------------------------------

    def day_report(self) -> DayReport:
        day = china_day(self._now())
        numbers = self.store.staff.numbers_of_day(day) if self.store else {}
        return build_day_report(day=day, device_id=self.device_id, counts=self.day_counts(),
                                numbers=numbers, queue_depth=self.queue()["depth"])

    def print_day_report(self) -> str:
        """Send the day's report to the A4 printer; the job's id ("" when none is set up)."""
        self._require("panel")
        if self.print_report is None:
            return ""
        return self.print_report(self.day_report())

    def confirm_day_report(self) -> bool:
        """A supervisor confirms the day's report (a staff card may not): their card signs
        it (`report_state` "signing", on the card's worker), then it is kept and queued for the
        uploader to send up ("confirmed"), or not ("failed": the card said no or was pulled
        out). False when the signed-in card may not confirm or is no longer in."""
        member = self.state.member
        if member is None or not member.may("end_of_day") or self.report_state == "signing":
            return False
        report = self.day_report()
        try:
            wire = DayReportWire(
                day=report.day.isoformat(), numbers_used=report.numbers_used,
                numbers_voided=report.numbers_voided, queue_depth=report.queue_depth,
                confirmed_by=member.staff_number, card_fingerprint=member.fingerprint,
                confirmed_at=utc_timestamp(self._now()), counts=report.counts,
                void_reasons=report.void_reasons)
        except DayReportFormatError as exc:  # a card whose staff number the contract refuses
            event(log, LogEvent.STAFF_DAY_REPORT_UNSENDABLE, level=logging.ERROR,
                  reason=str(exc))
            return False

        def signed(by_card: CardSignature) -> None:
            final = replace(wire, card_signature=b64encode(by_card.signature).decode(),
                            card_certificate=b64encode(by_card.certificate).decode())
            if self.store is not None:
                self.store.staff.confirm_report(report.day, final.to_wire(),
                                                member.staff_number)
            event(log, LogEvent.STAFF_DAY_REPORT_CONFIRMED, staff_number=member.staff_number)
            self.report_state = "confirmed"
            self._changed()

        def failed(code: str) -> None:
            event(log, LogEvent.STAFF_DAY_REPORT_UNSENDABLE, level=logging.ERROR,
                  reason=f"the card did not sign it: {code}")
            self.report_state = "failed"
            self._changed()

        self.report_state = "signing"  # before the worker may answer
        if not self._card_sign(wire.digest(self.device_id), signed, failed):
            self.report_state = ""
            return False
        self._changed()
        return True

    def _card_sign(self, digest: bytes, then: Callable[[CardSignature], None],
                   failed: Callable[[str], None]) -> bool:
        raise NotImplementedError  # the staff shell's: the card's worker

    # -- inside ---------------------------------------------------------------------------

    def _require(self, action: StaffAction) -> StaffMember:
        member = self.state.member
        if member is None or not member.may(action):
            raise PermissionError(f"no signed-in staff member may {action}")
        self.touch()
        return member

    def _live_session_id(self) -> str | None:
        data = self.session.data
        return data.session_id if data is not None else None


def pause_refusal(store: KioskStore) -> Refusal | None:
    """The kiosk's own pause as the start gate's refusal (asked beside the central rules)."""
    pause = store.staff.local_pause()
    return pause.refusal() if pause is not None else None
