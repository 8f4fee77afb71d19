"""Done: what to take away, the sequence number once more, and back to the start by itself."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class DoneScreen(KioskScreen):
    screen_name = "done"
    sequence_number = StringProperty("")
    message_key = StringProperty("done_message")

    def show(self, session: Session) -> None:
        self.sequence_number = (session.data.sequence_number or "") if session.data else ""
        second_visit = session.data is not None and session.data.registration is not None
        self.message_key = "done_form_message" if second_visit else "done_message"

    def on_leave(self, *args):
        self.sequence_number = ""

    def finish(self) -> None:
        self.send(ev.Confirm())
