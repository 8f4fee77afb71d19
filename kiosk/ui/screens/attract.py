"""The resting screen: invites the next candidate, and holds no one's data."""

from __future__ import annotations

from kivy.animation import Animation

from kiosk.core import events as ev
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import illustrations  # noqa: F401  (kv classes)

load_kv(__file__)


class AttractScreen(KioskScreen):
    screen_name = "attract"

    def on_enter(self, *args):
        art = self.ids.art
        self._anim = Animation(lift=1, duration=1.2, t="in_out_sine") + Animation(
            lift=0, duration=1.2, t="in_out_sine"
        )
        self._anim.repeat = True
        self._anim.start(art)

    def on_leave(self, *args):
        Animation.cancel_all(self.ids.art)

    def start(self) -> None:
        self.send(ev.Start())
