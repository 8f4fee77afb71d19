"""The kiosk's button. Styled in root.kv; behaviour here."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.button import Button


class KioskButton(Button):
    kind = StringProperty("primary")  # primary | secondary

    def on_touch_down(self, touch):
        # A hidden button must not swallow a touch meant for what is shown in its place
        # (Kivy lets a disabled widget consume every touch that lands on it).
        if self.opacity == 0:
            return False
        return super().on_touch_down(touch)
