"""The staff PIN pad: on-screen digits, shown masked, handed to the card and forgotten.

Who the card says it is (role and staff number, once the card checked out), the card's tries
left and the software lockout's seconds come from the shell's staff session. The digits live in
this screen only until OK (never in a property Kivy could echo, never logged)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.session import Session
from kiosk.core.staff_session import StaffPhase
from kiosk.staff_shell import utc_now
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)

MAX_DIGITS = 8  # PIV PINs are 6 to 8 digits


class StaffPinScreen(KioskScreen):
    screen_name = "staff_pin"
    who = StringProperty("")
    dots = StringProperty("")
    status = StringProperty("")
    may_type = BooleanProperty(False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._digits: list[str] = []

    def show(self, session: Session) -> None:
        staff = self.shell.staff.state
        now = utc_now()
        if staff.phase is StaffPhase.NONE or (self._digits and staff.phase is StaffPhase.CHECKING):
            self._digits.clear()
        who = staff.identified
        self.who = (self.t("staff_pin_card_of", role=self.t(f"role_{who.role}"),
                           staff_number=who.staff_number) if who is not None
                    else self.t("staff_pin_checking_card"))
        self.may_type = staff.may_enter_pin(now) and who is not None
        locked = staff.lockout_left(now)
        lines = []
        if staff.phase is StaffPhase.CHECKING:
            lines.append(self.t("staff_pin_checking"))
        elif locked:
            lines.append(self.t("staff_pin_locked", seconds=locked))
        elif staff.error is not None:
            lines.append(self.t(f"staff_error_{staff.error}"))
        if staff.tries_left is not None and staff.error not in ("pin_blocked",):
            lines.append(self.t("staff_pin_tries_left", tries=staff.tries_left))
        self.status = "\n".join(lines)
        self._draw_dots()

    def press(self, digit: str) -> None:
        if self.may_type and len(self._digits) < MAX_DIGITS:
            self._digits.append(digit)
            self._draw_dots()

    def clear(self) -> None:
        self._digits.clear()
        self._draw_dots()

    def ok(self) -> None:
        pin = "".join(self._digits)
        self._digits.clear()
        self._draw_dots()
        if pin:
            self.shell.staff.enter_pin(pin)

    def _draw_dots(self) -> None:
        self.dots = "● " * len(self._digits) if self._digits else "—"
