"""The staff side of one running kiosk: the staff card reader's events, signing in on the PIN
pad, and what the panel does (pause, counts, void, reprint, the end-of-day report).

The rules are `kiosk.core.staff_session` (the state machine) and `kiosk.core.staff_panel`; this
class carries them out: card calls on a worker thread of their own (a card answers in tens of
milliseconds, and the UI thread never waits on one), answers back on the UI thread through the
shell's `post`, the store for what the panel reads and writes. Logs and audit entries name
staff by staff number and card fingerprint only; the PIN goes from the pad to the card and
nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from central_api_client.contract import utc_timestamp
from central_api_client.day_report import DayReportFormatError, DayReportWire
from central_api_client.logs import LogEvent, event
from hardware.staffcard.card import StaffCard, StaffCardReader
from kiosk.core import events as ev
from kiosk.core.day_report import DayReport, build_day_report
from kiosk.core.schedule import Refusal
from kiosk.core.session import NOTICE, Session
from kiosk.core.staff import StaffCardError, StaffMember, StaffSessionLimits
from kiosk.core.staff_panel import LocalPause, china_day, outcome_of
from kiosk.core.staff_session import StaffPhase, StaffSession, StaffView
from kiosk.store.connection import StoreError

if TYPE_CHECKING:
    from kiosk.shell import Post
    from kiosk.store import KioskStore

log = logging.getLogger(__name__)


PANEL_PAGE = "staff_panel"
ReportPrinter = Callable[[DayReport], str]  # prints the report on A4; the job's id


def utc_now() -> datetime:
    return datetime.now(UTC)


class StaffShell:
    """Not thread-safe by design: everything but the card calls runs on the UI thread."""

    def __init__(self, session: Session, store: KioskStore | None, *,
                 reader: StaffCardReader | None, device_id: str,
                 limits: StaffSessionLimits | None = None,
                 health_parts: Callable[[], dict[str, str]] = dict,
                 print_report: ReportPrinter | None = None,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.state = StaffSession(limits=limits or StaffSessionLimits())
        self.session = session
        self.store = store
        self.device_id = device_id
        self.print_report = print_report
        self._reader = reader
        self._card: StaffCard | None = None
        self._health_parts = health_parts
        self._now = now
        self._post: Post = lambda fn: fn()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staffcard")
        self._listeners: list[Callable[[], None]] = []
        self._live_session: tuple[str, str] | None = None  # (session id, workflow)
        # Which staff screen the panel shows: the panel, its report or exceptions page, or a
        # screen an exception case names (registered by whoever builds it).
        self.page = PANEL_PAGE
        session.add_listener(lambda _s: self._candidate_changed())

    # -- life -----------------------------------------------------------------------------

    def attach(self, post: Post) -> None:
        self._post = post

    def on_change(self, callback: Callable[[], None]) -> None:
        """`callback()` after every change of what the staff side shows (on the UI thread)."""
        self._listeners.append(callback)

    def start(self) -> None:
        if self._reader is not None:
            self._reader.watch(lambda card: self._post(lambda: self._inserted(card)),
                               lambda: self._post(self._removed))

    def stop(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._worker.shutdown(wait=True)

    def tick(self) -> None:
        why = self.state.tick(self._now())
        if why is not None:
            self._ended(why)

    @property
    def view(self) -> StaffView:
        return self.state.view

    @property
    def screen(self) -> str | None:
        """The staff screen to show in place of the candidate's, or None (the banner is
        drawn over the candidate's screen)."""
        view = self.state.view
        if view is StaffView.PANEL:
            return self.page
        return view.value if view is StaffView.PIN else None

    def open_page(self, name: str) -> None:
        """Show another staff page (report, exceptions, an exception case's screen)."""
        self._require("panel")
        self.page = name
        self._changed()

    @property
    def member(self) -> StaffMember | None:
        return self.state.member

    def touch(self) -> None:
        self.state.touch(self._now())

    # -- the card -------------------------------------------------------------------------

    def _inserted(self, card: StaffCard) -> None:
        self._card = card
        self.state.card_inserted(candidate_busy=self.session.data is not None)
        event(log, LogEvent.STAFF_CARD_INSERTED, waiting=self.state.phase is StaffPhase.WAITING)
        self.state.pin_pad_shown(self._now())
        self._changed()
        self._call(card.identify, self._identified)

    def _identified(self, member: StaffMember) -> None:
        self.state.card_identified(member)
        self._changed()
        if self._card is not None:
            self._call(self._card.tries_left, self._tries_left)

    def _tries_left(self, tries: int) -> None:
        self.state.tries_left = tries
        self._changed()

    def _removed(self) -> None:
        self._card = None
        why = self.state.card_removed()
        if why is not None:
            self._ended(why)

    def enter_pin(self, pin: str) -> bool:
        """The PIN pad's OK: the PIN goes to the card on the worker; False when the pad may
        not take one now (checking, locked out, no card)."""
        card = self._card
        if card is None or not self.state.pin_sent(self._now()):
            return False
        self._changed()
        self._call(lambda: card.sign_in(pin), self._signed_in)
        return True

    def _signed_in(self, member: StaffMember) -> None:
        self.state.signed_in(member, self._now())
        event(log, LogEvent.STAFF_SIGNED_IN, staff_number=member.staff_number, role=member.role,
              card=member.fingerprint[:16])
        self._changed()

    def _refused(self, error: StaffCardError) -> None:
        who = self.state.identified
        event(log, LogEvent.STAFF_CARD_REFUSED, level=logging.WARNING, code=error.code,
              tries_left=error.tries_left, seconds=error.seconds,
              staff_number=who.staff_number if who else None)
        if error.code == "card_removed":
            self._removed()
            return
        self.state.card_refused(error, self._now())
        self._changed()

    def _call(self, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """A card call on the staff card's worker; its answer or StaffCardError back on the
        UI thread."""
        def run() -> None:
            try:
                result = fn()
            except StaffCardError as exc:
                error = exc
                self._post(lambda: self._refused(error))
            except Exception as exc:  # noqa: BLE001 - a driver fault is a card that failed
                failed = StaffCardError("card_failed", type(exc).__name__)
                self._post(lambda: self._refused(failed))
            else:
                self._post(lambda: then(result))

        self._worker.submit(run)

    # -- the candidate's session ----------------------------------------------------------

    def take_over(self) -> None:
        """The banner's "take over": the candidate's session is cancelled the way Cancel does
        (nothing half-done is kept), and the PIN pad opens. A session whose record is already
        sealed and whose printout failed stays open, so the panel can print it again."""
        data = self.session.data
        keep = data is not None and data.print_failed is not None and not data.printing
        if self.state.phase is not StaffPhase.WAITING or not (
                keep or self.session.may_take_over):
            return
        if not keep:
            self.session.take_over()
        self.state.take_over()
        self.state.pin_pad_shown(self._now())
        event(log, LogEvent.STAFF_TOOK_OVER)
        self._changed()

    def _candidate_changed(self) -> None:
        data = self.session.data
        live = (data.session_id, data.workflow) if data is not None else None
        if live != self._live_session:
            before, self._live_session = self._live_session, live
            if before is not None:
                outcome = outcome_of(self.session.last_end_reason,
                                     self.session.screen == NOTICE)
                self._store(lambda s: s.staff.session_ended(before[0], outcome))
            if live is not None:
                self._store(lambda s: s.staff.session_started(*live))
        if data is None and self.state.phase is StaffPhase.WAITING:
            self.state.candidate_done()
            self.state.pin_pad_shown(self._now())
            self._changed()

    def _store(self, fn: Callable[[KioskStore], None]) -> None:
        """A small bookkeeping write on the worker: the count is not worth a frame."""
        store = self.store
        if store is None:
            return

        def run() -> None:
            try:
                fn(store)
            except Exception as exc:  # noqa: BLE001 - a count missed, never a screen
                event(log, LogEvent.STAFF_NOT_SAVED, level=logging.WARNING,
                      error_type=type(exc).__name__)

        self._worker.submit(run)

    # -- the panel ------------------------------------------------------------------------

    def sign_out(self) -> None:
        why = self.state.sign_out()
        if why is not None:
            self._ended(why)

    def _ended(self, why: str) -> None:
        event(log, LogEvent.STAFF_SIGNED_OUT, why=why)
        self._changed()

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

    def health(self) -> dict[str, str]:
        return self._health_parts()

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
        """A supervisor confirms the day's report (a staff card may not): kept and queued for
        the uploader to send up signed. False when the signed-in card may not confirm."""
        member = self.state.member
        if member is None or not member.may("end_of_day"):
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
        if self.store is not None:
            self.store.staff.confirm_report(report.day, wire.to_wire(), member.staff_number)
        event(log, LogEvent.STAFF_DAY_REPORT_CONFIRMED, staff_number=member.staff_number)
        self._changed()
        return True

    # -- inside ---------------------------------------------------------------------------

    def _require(self, action: Any) -> StaffMember:
        member = self.state.member
        if member is None or not member.may(action):
            raise PermissionError(f"no signed-in staff member may {action}")
        self.touch()
        return member

    def _live_session_id(self) -> str | None:
        data = self.session.data
        return data.session_id if data is not None else None

    def _changed(self) -> None:
        if self.state.view is not StaffView.PANEL:
            self.page = PANEL_PAGE
        for callback in list(self._listeners):
            callback()


def pause_refusal(store: KioskStore) -> Refusal | None:
    """The kiosk's own pause as the start gate's refusal (asked beside the central rules)."""
    pause = store.staff.local_pause()
    return pause.refusal() if pause is not None else None

