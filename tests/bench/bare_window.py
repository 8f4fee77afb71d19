"""The memory floor of the kiosk bench: a bare Kivy window set up as the kiosk sets up its own
(kiosk/app.py: no multisampling, a fixed size) with OpenCV and numpy loaded. Prints its RSS in
MB once the first frames are drawn. `python tests/bench/bare_window.py [WIDTH HEIGHT]`."""

import os
import sys
import tempfile

os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_HOME=tempfile.mkdtemp())

from kivy.config import Config  # noqa: E402  (Kivy reads its settings at import time)

width, height = sys.argv[1:3] if len(sys.argv) >= 3 else ("1920", "1080")
Config.set("graphics", "width", width)
Config.set("graphics", "height", height)
Config.set("graphics", "resizable", "0")
Config.set("graphics", "multisamples", "0")

import cv2  # noqa: E402, F401  (loaded as the kiosk loads it: part of the floor)
import numpy  # noqa: E402, F401
import psutil  # noqa: E402
from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.uix.label import Label  # noqa: E402


class Bare(App):
    def build(self):
        Clock.schedule_once(self.done, 2)
        return Label(text="floor")

    def done(self, _dt):
        print("RSS", psutil.Process().memory_info().rss / 2**20, flush=True)
        self.stop()


Bare().run()
