"""Photo: live preview with the face guide, a countdown, capture, then accept or retake."""

from __future__ import annotations

from io import BytesIO

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.properties import NumericProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import camera_preview  # noqa: F401  (kv class)

load_kv(__file__)


class PhotoScreen(KioskScreen):
    screen_name = "photo"
    phase = StringProperty("preview")  # preview | countdown | review
    countdown = NumericProperty(0)

    def on_enter(self, *args):
        self.ids.preview.camera = self.kiosk.camera
        self.ids.preview.start()
        self.kiosk.light(True)

    def on_leave(self, *args):
        self.ids.preview.stop()
        self._cancel_countdown()
        self.ids.result.texture = None
        self.kiosk.light(False)

    def show(self, session: Session) -> None:
        jpeg = session.data.photo_jpeg if session.data else None
        if jpeg is not None:
            self.phase = "review"
            self.ids.result.texture = CoreImage(BytesIO(jpeg), ext="jpg").texture
        elif self.phase == "review":
            self.phase = "preview"
            self.ids.result.texture = None

    def capture(self) -> None:
        if self.phase != "preview":
            return
        self.phase = "countdown"
        self.countdown = self.kiosk.machine_config.session.countdown_s
        self._tick_event = Clock.schedule_interval(self._tick, 1.0)
        if self.countdown <= 0:
            self._tick(0)

    def _tick(self, _dt: float) -> None:
        self.countdown -= 1
        if self.countdown > 0:
            return
        self._cancel_countdown()
        frame = self.ids.preview.latest_frame()
        if frame is None:
            self.phase = "preview"
            self.kiosk.send(ev.PhotoFailed("camera_unavailable"))
            return
        self.kiosk.send(ev.PhotoTaken(self.kiosk.standard_photo(frame.image)))

    def _cancel_countdown(self) -> None:
        event = getattr(self, "_tick_event", None)
        if event is not None:
            event.cancel()
            self._tick_event = None

    def retake(self) -> None:
        self.kiosk.send(ev.Retake())

    def accept(self) -> None:
        self.kiosk.send(ev.Confirm())
