"""Something needs the candidate's attention or staff: say what and what to do, then go home."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.core import events as ev
from kiosk.core.closed import notice_words
from kiosk.core.notices import Notice
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class NoticeScreen(KioskScreen):
    screen_name = "notice"
    title = StringProperty("")
    message = StringProperty("")
    code = StringProperty("")

    def show(self, session: Session) -> None:
        notice = session.notice_code or Notice.ASK_STAFF
        self.code = notice.value
        self.title, self.message = notice_words(notice, session.closed, self.shell.language,
                                                 session.notice_values)

    def home(self) -> None:
        self.send(ev.Dismiss())
