"""Something needs the candidate's attention or staff: say what and what to do, then go home."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.strings import notice_text
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class NoticeScreen(KioskScreen):
    screen_name = "notice"
    title = StringProperty("")
    message = StringProperty("")
    code = StringProperty("")

    def show(self, session: Session) -> None:
        self.code = session.notice_code or "default"
        self.title, self.message = notice_text(self.code, self.kiosk.language)

    def home(self) -> None:
        self.kiosk.send(ev.Dismiss())
