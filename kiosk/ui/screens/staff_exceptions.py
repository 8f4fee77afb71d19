"""The exceptions list: one button per case of the domain page's exception table
(`kiosk.core.staff_panel.EXCEPTION_CASES`). Each case starts a candidate's session in its
workflow, staff still signed in; "dispute" goes to the candidate waiting for staff. When that
cannot be done the screen says why: nobody is waiting, a candidate is being served, or this
card's role may not handle exceptions (a technician)."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.core.staff_panel import EXCEPTION_CASES
from kiosk.staff_shell import PANEL_PAGE
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class StaffExceptionsScreen(KioskScreen):
    screen_name = "staff_exceptions"
    said = StringProperty("")
    cases = EXCEPTION_CASES

    def open_case(self, code: str) -> None:
        assert code in EXCEPTION_CASES, code
        self.said = ""
        member, session = self.shell.staff.member, self.shell.session
        if member is None or not member.may("exception"):
            self.said = self.t("staff_exception_not_allowed")
        elif code == "dispute":
            if not session.wants_staff:
                self.said = self.t("staff_exception_nobody_waiting")
                return
        elif not self.shell.begin_exception(code):
            self.said = self.t("staff_exception_busy")
        if not self.said:
            self.shell.staff.hand_over()

    def back(self) -> None:
        self.said = ""
        self.shell.staff.open_page(PANEL_PAGE)
