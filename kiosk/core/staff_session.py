"""The staff side of a running kiosk: from a staff card inserted to the panel and back.

    no staff ──card in──► (a candidate is being served? wait, or take over) ──► PIN pad
    PIN pad ──right PIN──► signed in (the panel) ──card out / idle / 12 h / sign out──► no staff

Between candidates the PIN pad opens at once; during a candidate's session the kiosk only shows
a small banner offering to take over (which cancels the candidate's session as Cancel does) and
otherwise waits for the session to end. A card pulled out ends everything at once, wherever it
was. Pure: the shell feeds it events and the card's answers, and draws `view`.

The PIN never passes through here: the PIN pad hands it straight to the card (`StaffCard.sign_in`)
and only the answer comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kiosk.core.staff import (
    StaffCardError,
    StaffMember,
    StaffSessionEnd,
    StaffSessionLimits,
    staff_session_over,
)


class StaffPhase(StrEnum):
    NONE = "none"  # no staff card
    WAITING = "waiting"  # a card is in, a candidate is being served: the banner
    PIN = "pin"  # the PIN pad
    CHECKING = "checking"  # the card is checking the PIN (the pad stays, its keys off)
    SIGNED_IN = "signed_in"  # the panel


class StaffView(StrEnum):
    """What the staff side puts on the screen; NONE leaves the candidate's screens alone."""

    NONE = "none"
    BANNER = "banner"
    PIN = "staff_pin"
    PANEL = "staff_panel"


StaffEnd = StaffSessionEnd | str  # also "signed_out", "card_failed"


@dataclass
class StaffSession:
    """One reader's staff session. Not thread-safe: the shell calls it from the UI thread."""

    limits: StaffSessionLimits = StaffSessionLimits()
    phase: StaffPhase = StaffPhase.NONE
    member: StaffMember | None = None  # once signed in
    identified: StaffMember | None = None  # who the card says it is, before the PIN
    error: str | None = None  # the last StaffCardError code the card gave
    tries_left: int | None = None
    locked_until: datetime | None = None
    signed_in_at: datetime | None = None
    last_touch_at: datetime | None = None
    last_end: StaffEnd | None = None

    # -- what the screen shows ------------------------------------------------------------

    @property
    def view(self) -> StaffView:
        return {
            StaffPhase.NONE: StaffView.NONE,
            StaffPhase.WAITING: StaffView.BANNER,
            StaffPhase.PIN: StaffView.PIN,
            StaffPhase.CHECKING: StaffView.PIN,
            StaffPhase.SIGNED_IN: StaffView.PANEL,
        }[self.phase]

    def lockout_left(self, now: datetime) -> int:
        """Seconds until the PIN pad takes a PIN again (0: now)."""
        if self.locked_until is None:
            return 0
        return max(0, int((self.locked_until - now).total_seconds() + 0.999))

    def may_enter_pin(self, now: datetime) -> bool:
        return (self.phase is StaffPhase.PIN and self.lockout_left(now) == 0
                and self.error not in ("pin_blocked", "untrusted_card", "expired_card",
                                       "wrong_county", "card_failed"))

    # -- events ---------------------------------------------------------------------------

    def card_inserted(self, candidate_busy: bool) -> None:
        self._reset()
        self.phase = StaffPhase.WAITING if candidate_busy else StaffPhase.PIN

    def card_identified(self, member: StaffMember, tries_left: int | None = None) -> None:
        """The card's certificate checked out (no PIN spent yet)."""
        if self.phase is StaffPhase.NONE:
            return
        self.identified = member
        if tries_left is not None:
            self.tries_left = tries_left

    def card_refused(self, error: StaffCardError, now: datetime) -> None:
        """The card said no (to identify or to the PIN): the pad shows why."""
        if self.phase is StaffPhase.NONE:
            return
        if error.code == "card_removed":
            self.card_removed()
            return
        self.error = error.code
        if error.tries_left is not None:
            self.tries_left = error.tries_left
        if error.code == "locked_out" and error.seconds:
            self.locked_until = now + timedelta(seconds=error.seconds)
        if self.phase is StaffPhase.CHECKING:
            self.phase = StaffPhase.PIN

    def candidate_done(self) -> None:
        """The candidate's session ended: a waiting card gets its PIN pad."""
        if self.phase is StaffPhase.WAITING:
            self.phase = StaffPhase.PIN

    def take_over(self) -> bool:
        """Staff chose to take over from the candidate (the shell cancels the session). True
        when there was a waiting card to take over with."""
        if self.phase is not StaffPhase.WAITING:
            return False
        self.phase = StaffPhase.PIN
        return True

    def pin_sent(self, now: datetime) -> bool:
        """A PIN was typed and goes to the card; False when the pad may not take one now."""
        if not self.may_enter_pin(now):
            return False
        self.phase = StaffPhase.CHECKING
        self.error = None
        self.last_touch_at = now
        return True

    def signed_in(self, member: StaffMember, now: datetime) -> None:
        if self.phase is not StaffPhase.CHECKING:
            return
        self.phase = StaffPhase.SIGNED_IN
        self.member = member
        self.signed_in_at = self.last_touch_at = now
        self.error, self.locked_until = None, None

    def touch(self, now: datetime) -> None:
        if self.phase is not StaffPhase.NONE:
            self.last_touch_at = now

    def card_removed(self) -> StaffEnd | None:
        """The card came out: whatever was shown goes. Why it ended (None: nothing was on)."""
        return self._end("card_removed") if self.phase is not StaffPhase.NONE else None

    def sign_out(self) -> StaffEnd | None:
        """Staff signed out; the card stays in the reader but must be inserted again."""
        return self._end("signed_out") if self.phase is not StaffPhase.NONE else None

    def tick(self, now: datetime) -> StaffEnd | None:
        """The idle time and the 12 h limit; also idles out a PIN pad left alone."""
        if self.phase is StaffPhase.SIGNED_IN:
            assert self.signed_in_at is not None and self.last_touch_at is not None
            why = staff_session_over(self.signed_in_at, self.last_touch_at, now, self.limits)
            return self._end(why) if why is not None else None
        if self.phase is StaffPhase.PIN and self.last_touch_at is not None and (
                (now - self.last_touch_at).total_seconds() >= self.limits.idle_s
                and self.lockout_left(now) == 0):
            return self._end("idle")
        return None

    def pin_pad_shown(self, now: datetime) -> None:
        """The pad's idle clock starts when it is first shown."""
        if self.phase is StaffPhase.PIN and self.last_touch_at is None:
            self.last_touch_at = now

    # -- inside ---------------------------------------------------------------------------

    def _end(self, why: StaffEnd) -> StaffEnd:
        self._reset()
        self.last_end = why
        return why

    def _reset(self) -> None:
        self.phase = StaffPhase.NONE
        self.member = self.identified = None
        self.error = None
        self.tries_left = None
        self.locked_until = None
        self.signed_in_at = self.last_touch_at = None
