"""The exceptions list: one button per case of the domain page's exception table; each opens
the staff screen the case names (`kiosk.core.staff_panel.EXCEPTION_CASES`). Screens for the
cases register in `kiosk.ui.screens.SCREENS` under those names, read `shell.staff.case` (the
case's code) and `shell.staff.member`, and return with
`shell.staff.open_page(kiosk.staff_shell.PANEL_PAGE)`; a case whose screen is not there yet
says so instead of opening. A staff role that may not handle exceptions (a technician) is
told the same."""

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
        [case] = [c for c in EXCEPTION_CASES if c.code == code]
        member = self.shell.staff.member
        if self.manager is None or not self.manager.has_screen(case.screen) or (
                member is None or not member.may("exception")):
            self.said = self.t("staff_exception_unavailable")
            return
        self.said = ""
        self.shell.staff.open_case(case)

    def back(self) -> None:
        self.said = ""
        self.shell.staff.open_page(PANEL_PAGE)
