"""The integrity pledge (诚信考试承诺书): its text, and a pad on which the candidate copies its
key sentence by hand; the strokes go into the record as the pledge copy."""

from __future__ import annotations

from kiosk.core import events as ev
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import signature_pad  # noqa: F401  (kv class)

load_kv(__file__)


class PledgeScreen(KioskScreen):
    screen_name = "pledge"

    def on_leave(self, *args):
        self.ids.pad.clear()

    def clear(self) -> None:
        self.ids.pad.clear()

    def confirm(self) -> None:
        strokes = self.ids.pad.normalised_strokes()
        if strokes:
            self.send(ev.Signed(strokes))
