"""The kiosk's button. Styled in root.kv; behaviour here.

A Label with button behaviour rather than Kivy's Button: Button draws its own background
image under ours (even when transparent), a second fill per button on software GL.
"""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label


class KioskButton(ButtonBehavior, Label):
    kind = StringProperty("primary")  # primary | secondary

    def on_touch_down(self, touch):
        # A hidden button must not swallow a touch meant for what is shown in its place
        # (Kivy lets a disabled widget consume every touch that lands on it).
        if self.opacity == 0:
            return False
        return super().on_touch_down(touch)
