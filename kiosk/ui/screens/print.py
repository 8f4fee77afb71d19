"""The record is saved; the login card is printing. Nothing to touch, just progress."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv class)

load_kv(__file__)


class PrintScreen(KioskScreen):
    screen_name = "print"
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
