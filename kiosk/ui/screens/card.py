"""Waiting for the ID card: the reader loop delivers the card as an event to the session."""

from __future__ import annotations

from kivy.animation import Animation

from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class CardScreen(KioskScreen):
    screen_name = "card"

    def on_enter(self, *args):
        self._anim = Animation(lift=1, duration=0.9, t="in_out_sine") + Animation(
            lift=0, duration=0.9, t="in_out_sine"
        )
        self._anim.repeat = True
        self._anim.start(self.ids.art)

    def on_leave(self, *args):
        Animation.cancel_all(self.ids.art)
