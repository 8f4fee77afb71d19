"""The end-of-day report on the panel: its rows as they print, "print" to the A4 printer and
"confirm" (a supervisor's card only, which signs it; a staff card is told a supervisor must
sign in)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.day_report import report_rows
from kiosk.core.session import Session
from kiosk.staff_shell import PANEL_PAGE
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class StaffReportScreen(KioskScreen):
    screen_name = "staff_report"
    labels = StringProperty("")
    values = StringProperty("")
    may_confirm = BooleanProperty(False)
    said = StringProperty("")

    def show(self, session: Session) -> None:
        staff = self.shell.staff
        member = staff.member
        if member is None:
            return
        rows = report_rows(staff.day_report(), self.shell.language)
        self.labels = "\n".join(label for label, _ in rows)
        self.values = "\n".join(value for _, value in rows)
        self.may_confirm = member.may("end_of_day") and staff.report_state != "signing"
        if staff.report_state:  # the supervisor's card is signing it, signed it, or did not
            self.said = self.t(f"staff_report_{staff.report_state}")
        elif not member.may("end_of_day") and not self.said:
            self.said = self.t("staff_report_needs_supervisor")

    def print_report(self) -> None:
        try:
            job = self.shell.staff.print_day_report()
        except Exception as exc:  # noqa: BLE001 - an A4 fault is said on the panel
            self.said = f"{self.t('staff_health')}: {getattr(exc, 'code', type(exc).__name__)}"
            return
        self.said = self.t("staff_report_printed") if job else self.t("staff_report_no_printer")

    def confirm(self) -> None:
        if self.shell.staff.confirm_day_report():
            return  # "signing", then signed or not, as the staff side says
        member = self.shell.staff.member
        supervisor = member is not None and member.may("end_of_day")
        self.said = self.t("staff_report_failed" if supervisor
                           else "staff_report_needs_supervisor")

    def on_leave(self, *args: object) -> None:
        self.said = ""  # the next one to open the report (another card) starts afresh

    def back(self) -> None:
        self.said = ""
        self.shell.staff.open_page(PANEL_PAGE)
