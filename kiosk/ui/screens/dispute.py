"""The candidate said "不是我" or "信息有误": staff are called. Shown in place of the identity or
check screen while the session waits for staff's answer, which only a signed-in staff card can
give (correct a hand-entered entry, mark the record for central correction, or end the
session; which apply is `kiosk.core.exception_cases.dispute_actions`). It names the disputed
fields, never their values."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core.exception_cases import dispute_actions
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


def dispute_alert(session: Session, language: str) -> str:
    """What staff read: the disputed fields by name ("" when no dispute)."""
    from kiosk.core.texts import text

    data = session.data
    if data is None or data.dispute is None:
        return ""
    if data.dispute.kind == "not_me":
        return text("dispute_alert_not_me", language)
    names = "、".join(text(f"field_{f}", language) for f in data.dispute.fields) or "—"
    return text("dispute_alert_data_wrong", language, fields=names)


class DisputeScreen(KioskScreen):
    screen_name = "dispute"
    alert = StringProperty("")
    actions = ListProperty([])
    staff_here = BooleanProperty(False)

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or data.dispute is None:
            return
        self.alert = dispute_alert(session, self.shell.language)
        member = self.shell.staff_member()
        self.staff_here = member is not None and member.may("exception")
        self.actions = list(dispute_actions(data.dispute, data.document))

    def resolve(self, action: str) -> None:
        if self.staff_here and action in self.actions:
            self.send(ev.ResolveDispute(action))  # type: ignore[arg-type]
