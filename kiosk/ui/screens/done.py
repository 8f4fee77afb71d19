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
    afterwards = StringProperty("")  # what an exception's candidate does next (the plans')

    def show(self, session: Session) -> None:
        data = session.data
        self.sequence_number = (data.sequence_number or "") if data else ""
        second_visit = data is not None and data.registration is not None
        self.message_key = "done_form_message" if second_visit else "done_message"
        keys = data.exception.afterwards if data and data.exception else ()
        self.afterwards = "\n".join(self.t(k) for k in keys)

    def on_leave(self, *args):
        self.sequence_number = ""
        self.afterwards = ""

    def finish(self) -> None:
        self.send(ev.Confirm())
