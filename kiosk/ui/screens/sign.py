"""The candidate signs with a finger; the signature completes the record, which is then sealed."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import signature_pad  # noqa: F401  (kv class)

load_kv(__file__)


class SignScreen(KioskScreen):
    screen_name = "sign"
    final = BooleanProperty(False)  # the adult exam: nothing can be changed once signed

    def show(self, session: Session) -> None:
        reg = session.data.registration if session.data else None
        self.final = reg is not None and reg.exam == "adult"
        saving = bool(session.data and session.data.saving)
        self.ids.pad.enabled = not saving
        self.ids.saving.opacity = 1 if saving else 0

    def on_leave(self, *args):
        self.ids.pad.clear()
        self.ids.saving.opacity = 0

    def clear(self) -> None:
        self.ids.pad.clear()

    def confirm(self) -> None:
        strokes = self.ids.pad.normalised_strokes()
        if not strokes:
            return
        self.send(ev.Signed(strokes))  # its picture is drawn off the UI thread
