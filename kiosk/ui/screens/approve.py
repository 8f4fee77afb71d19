"""A hand-entered record, signed but not sealed, waits for a supervisor: their card and PIN
(the staff panel's sign-in), then "approve". Who entered it is shown by staff number; whether
that same person may approve is the machine's config (`[exceptions]`), and the step says no
with its reason when the card may not."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class ApproveScreen(KioskScreen):
    screen_name = "approve"
    entered_by = StringProperty("")
    problem = StringProperty("")
    saving = BooleanProperty(False)
    signed_in = BooleanProperty(False)  # a staff card is signed in: it may try to approve

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or data.exception is None:
            return
        stamp = data.exception.entered_by
        self.entered_by = self.t("approve_entered_by",
                                 staff_number=stamp.staff_number) if stamp else ""
        self.problem = self.t(data.approval_problem) if data.approval_problem else ""
        self.saving = data.saving
        self.signed_in = self.shell.staff_member() is not None

    def approve(self) -> None:
        member = self.shell.staff_member()
        if member is not None:
            self.send(ev.Approve(member))
