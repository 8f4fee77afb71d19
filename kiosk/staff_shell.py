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

from central_api_client.logs import LogEvent, event
from hardware.staffcard.card import StaffCard, StaffCardReader
from kiosk.core.health import DeviceHealth
from kiosk.core.session import NOTICE, Session
from kiosk.core.staff import CardSignature, StaffCardError, StaffMember, StaffSessionLimits
from kiosk.core.staff_panel import outcome_of
from kiosk.core.staff_session import StaffPhase, StaffSession, StaffView
from kiosk.staff_actions import PanelActions, ReportPrinter, pause_refusal

if TYPE_CHECKING:
    from kiosk.shell import Post
    from kiosk.store import KioskStore

log = logging.getLogger(__name__)


PANEL_PAGE = "staff_panel"
# The page that lets the candidate's session show while staff stay signed in (an exception
# they started, an approval, a dispute): staff work on the session's own screens.
SESSION_PAGE = "session"
# The sign-in sequence: the card's own (`StaffCard.sign_in`) by default; wiring gives the one
# with the persistent software lockout and its audit entries.
SignIn = Callable[[StaffCard, str], StaffMember]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StaffShell(PanelActions):
    """Not thread-safe by design: everything but the card calls runs on the UI thread."""

    def __init__(self, session: Session, store: KioskStore | None, *,
                 reader: StaffCardReader | None, device_id: str,
                 limits: StaffSessionLimits | None = None,
                 health: DeviceHealth | None = None,
                 print_report: ReportPrinter | None = None,
                 sign_in: SignIn | None = None,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.state = StaffSession(limits=limits or StaffSessionLimits())
        self.session = session
        self.store = store
        self.device_id = device_id
        self.print_report = print_report
        self._reader = reader
        self._sign_in: SignIn = sign_in or (lambda card, pin: card.sign_in(pin))
        self._card: StaffCard | None = None
        self._health = health or DeviceHealth()
        self._now = now
        self._post: Post = lambda fn: fn()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staffcard")
        self._listeners: list[Callable[[], None]] = []
        self._live_session: tuple[str, str] | None = None  # (session id, workflow)
        # Which staff screen the panel shows: the panel, its report or exceptions page, or the
        # candidate's session staff work on (SESSION_PAGE).
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
            return None if self.page == SESSION_PAGE else self.page
        return view.value if view is StaffView.PIN else None

    def open_page(self, name: str) -> None:
        """Show another staff page (the panel, its report or exceptions list)."""
        self._require("panel")
        self.page = name
        self._changed()

    def hand_over(self) -> None:
        """Staff work on the candidate's session (an exception, an approval, a dispute): its
        screens show while they stay signed in; the panel comes back when it ends."""
        self._require("panel")
        self.page = SESSION_PAGE
        self._changed()

    @property
    def member(self) -> StaffMember | None:
        return self.state.member

    def touch(self) -> None:
        self.state.touch(self._now())

    # -- the card -------------------------------------------------------------------------

    def _inserted(self, card: StaffCard) -> None:
        self._card = card
        busy = self.session.data is not None and not self.session.wants_staff
        self.state.card_inserted(candidate_busy=busy)
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
        self._call(lambda: self._sign_in(card, pin), self._signed_in)
        return True

    def _signed_in(self, member: StaffMember) -> None:
        self.state.signed_in(member, self._now())
        self.report_state = ""  # a confirmation is the card's that made it
        event(log, LogEvent.STAFF_SIGNED_IN, staff_number=member.staff_number, role=member.role,
              card=member.fingerprint[:16])
        if self.session.wants_staff:  # called to an approval or a dispute: straight to it
            self.page = SESSION_PAGE
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

    def _call(self, fn: Callable[[], Any], then: Callable[[Any], None],
              failed: Callable[[StaffCardError], None] | None = None) -> None:
        """A card call on the staff card's worker; its answer or StaffCardError back on the
        UI thread (to `failed`, by default the sign-in's refusal)."""
        refused = failed or self._refused

        def run() -> None:
            try:
                result = fn()
            except StaffCardError as exc:
                error = exc
                self._post(lambda: refused(error))
            except Exception as exc:  # noqa: BLE001 - a driver fault is a card that failed
                fault = StaffCardError("card_failed", type(exc).__name__)
                self._post(lambda: refused(fault))
            else:
                self._post(lambda: then(result))

        self._worker.submit(run)

    def _card_sign(self, digest: bytes, then: Callable[[CardSignature], None],
                   failed: Callable[[str], None]) -> bool:
        """The signed-in card signs `digest` on the worker (`StaffCard.sign`); False when no
        card is in. A card pulled out meanwhile also ends the staff session."""
        card = self._card
        if card is None:
            return False

        def refused(error: StaffCardError) -> None:
            failed(error.code)
            if error.code == "card_removed":
                self._removed()

        self._call(lambda: card.sign(digest), then, refused)
        return True

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
        elif data is None and self.page == SESSION_PAGE:  # the session staff worked on ended
            self.page = PANEL_PAGE
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

    # -- inside ---------------------------------------------------------------------------

    def _changed(self) -> None:
        if self.state.view is not StaffView.PANEL:
            self.page = PANEL_PAGE
        for callback in list(self._listeners):
            callback()


__all__ = ["PANEL_PAGE", "SESSION_PAGE", "ReportPrinter", "StaffShell", "pause_refusal", "utc_now"]
