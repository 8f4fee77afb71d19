"""The kiosk looks up what the candidate entered online: nothing to touch, just progress. Not
found, or not here, the session's notice says what to do."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class CandidateScreen(KioskScreen):
    screen_name = "candidate"
    dots = NumericProperty(0)

    _event = None

    def on_pre_enter(self, *args):
        if self._event is None:
            self._event = Clock.schedule_interval(self._spin, 0.4)

    def on_leave(self, *args):
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _spin(self, _dt):
        self.dots = (self.dots + 1) % 4
