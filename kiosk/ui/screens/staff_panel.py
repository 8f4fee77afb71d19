"""The staff panel: who is signed in; pause or resume this kiosk; today's counts; the queue;
the devices; void an unfinished session's number; print a failed login card again; and the
ways to the end-of-day report and the exceptions. It draws `shell.staff` and forwards taps."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.session import Session
from kiosk.core.staff_panel import OUTCOMES
from kiosk.core.texts import alert_text
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class StaffPanelScreen(KioskScreen):
    screen_name = "staff_panel"
    who = StringProperty("")
    kiosk_state = StringProperty("")
    paused = BooleanProperty(False)
    today = StringProperty("")
    queue = StringProperty("")
    devices = StringProperty("")
    void_number = StringProperty("")  # the newest unfinished session's number, "" when none
    void_said = StringProperty("")
    can_reprint = BooleanProperty(False)
    voice_available = BooleanProperty(False)  # a speaker is configured
    voice_on = BooleanProperty(True)

    def show(self, session: Session) -> None:
        staff = self.shell.staff
        member = staff.member
        if member is None:
            return
        self.who = self.t("staff_signed_in_as", name=member.name,
                          role=self.t(f"role_{member.role}"),
                          staff_number=member.staff_number)
        pause = staff.local_pause()
        self.paused = pause is not None
        self.kiosk_state = (self.t("staff_paused", words=self.t(f"local_pause_{pause.reason}"))
                            if pause is not None else self.t("staff_open"))
        counts = staff.day_counts()
        self.today = "\n".join(
            self.t("staff_workflow_counts", workflow=workflow,
                   **{o: per.get(o, 0) for o in OUTCOMES})
            for workflow, per in sorted(counts.items())) or self.t("staff_no_sessions")
        q = staff.queue()
        never = self.t("staff_never")
        self.queue = self.t("staff_queue", depth=q["depth"],
                            last_upload=_clock(q["last_upload"]) or never,
                            last_receipt=_clock(q["last_receipt"]) or never)
        alert, faults = staff.health()
        parts = "; ".join(f"{self.t(f'part_{part}')}: {code}" for part, code in faults.items())
        self.devices = f"{self.t('staff_health')}: " + (
            f"{alert_text(alert, self.shell.language)} ({parts})" if alert
            else parts or self.t("staff_health_all_ok"))
        numbers = staff.unfinished_numbers()
        self.void_number = numbers[0] if numbers else ""
        self.can_reprint = staff.can_reprint
        self.voice_available = self.shell.voice_available
        self.voice_on = not staff.voice_off

    def pause(self, reason: str) -> None:
        self.shell.staff.pause(reason)

    def resume(self) -> None:
        self.shell.staff.resume()

    def void(self, reason: str) -> None:
        if self.void_number and self.shell.staff.void(self.void_number, reason):
            self.void_said = self.t("staff_voided")
        self.show(self.shell.session)

    def toggle_voice(self) -> None:
        self.shell.staff.set_voice(not self.voice_on)

    def reprint(self) -> None:
        self.shell.staff.reprint()

    def open_page(self, name: str) -> None:
        self.void_said = ""
        self.shell.staff.open_page(name)

    def sign_out(self) -> None:
        self.void_said = ""
        self.shell.staff.sign_out()


def _clock(at: str | None) -> str:
    """A stored UTC timestamp as China time's month-day hour:minute, for a glance."""
    if not at:
        return ""
    from datetime import datetime

    from kiosk.core.step_base import CHINA_TZ

    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return moment.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")
