"""Photo: live preview with the face guide and guidance, auto-capture, then accept or retake.

The candidate is guided by the screen, not by a button: a `LiveAnalysis` thread judges the
newest camera frame, this screen shows its guidance sentence and colours the guide, and once
the verdict has stayed good for `[photo] good_frames` frames a short countdown runs and the
photo is cut from the last analysed frame (the very frame the verdict describes). The rules
(the verdict, the streak, the retake limit) live in core; this screen only forwards.
"""

from __future__ import annotations

import logging
import time
from io import BytesIO

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from central_api_client.logs import LogEvent, event
from kiosk.core import events as ev
from kiosk.core.photo_standard import GoodStreak
from kiosk.core.session import Session
from kiosk.imaging import PhotoRefused
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import camera_preview  # noqa: F401  (kv class)

load_kv(__file__)
log = logging.getLogger(__name__)

WATCH_HZ = 15  # guidance updates: faster than people read, slower than the camera
# A countdown survives a frame or two of flicker (a blink, a detector miss) but not a
# candidate who moved away: this many bad frames in a row stop it.
COUNTDOWN_BAD_FRAMES = 4
CAMERA_STALE_S = 1.5  # no new frame for this long: the camera has gone


class PhotoScreen(KioskScreen):
    screen_name = "photo"
    phase = StringProperty("preview")  # preview | countdown | review
    countdown = NumericProperty(0)
    guidance = StringProperty("")
    face_ok = BooleanProperty(False)
    camera_ok = BooleanProperty(True)
    _live = None  # the LiveAnalysis while the screen is shown

    def on_enter(self, *args):
        self.ids.preview.camera = self.kiosk.camera
        self.ids.preview.standard = self.kiosk.machine_config.photo.standard()
        self.ids.preview.start()
        self._live = self.kiosk.live_analysis()
        self._streak = GoodStreak(self.kiosk.machine_config.photo.good_frames)
        self._bad_in_countdown = 0
        self._last_seq, self._last_new = -1, time.monotonic()
        self._watch_event = Clock.schedule_interval(self._watch, 1.0 / WATCH_HZ)
        self.kiosk.light(True)

    def on_leave(self, *args):
        if getattr(self, "_watch_event", None) is not None:
            self._watch_event.cancel()
            self._watch_event = None
        if getattr(self, "_live", None) is not None:
            self._live.stop()
            self._live = None
        self.ids.preview.stop()
        self._cancel_countdown()
        self.ids.result.texture = None
        self.guidance = ""
        self.phase = "preview"  # the next candidate starts with the live view
        self.kiosk.light(False)

    def show(self, session: Session) -> None:
        jpeg = session.data.photo_jpeg if session.data else None
        if jpeg is not None and self.phase != "review":
            self.phase = "review"
            self.ids.result.texture = CoreImage(BytesIO(jpeg), ext="jpg").texture
            # Nothing live is shown while the candidate reviews: no frames drawn or analysed.
            self.ids.preview.stop()
            if self._live is not None:
                self._live.stop()
        elif jpeg is None and self.phase == "review":
            self._back_to_preview()
            self.ids.result.texture = None
            self.ids.preview.start()
            if self._live is not None:
                self._live.start()
            self._last_new = time.monotonic()  # a fresh start, not a camera gone quiet

    # -- live guidance -------------------------------------------------------------------

    def _watch(self, _dt: float) -> None:
        if self.phase == "review" or self._live is None:
            return
        latest = self._live.latest()
        now = time.monotonic()
        if latest is not None and latest[0].seq != self._last_seq:
            self._last_seq, self._last_new = latest[0].seq, now
        if latest is None or now - self._last_new > CAMERA_STALE_S:
            self.camera_ok = self.face_ok = False
            self.guidance = self.kiosk.t("photo_no_camera")
            self._streak.reset()
            if self.phase == "countdown":
                self._back_to_preview()
            return
        self.camera_ok = True
        frame, analysis = latest
        verdict = analysis.verdict
        if analysis.faces:
            self.kiosk.session.touch()  # someone is there being guided: not idle
        self.face_ok = verdict.ok
        ready = self._streak.feed(frame.seq, verdict)
        if self.phase == "countdown":
            self._bad_in_countdown = 0 if verdict.ok else self._bad_in_countdown + 1
            if self._bad_in_countdown >= COUNTDOWN_BAD_FRAMES:
                self._back_to_preview()
        if self.phase == "countdown":
            self.guidance = self.kiosk.t("photo_hold")
        else:
            self.guidance = verdict.guidance or self.kiosk.t("photo_good")
            if ready:
                self._start_countdown()

    def _start_countdown(self) -> None:
        self.phase = "countdown"
        self._bad_in_countdown = 0
        self.countdown = self.kiosk.machine_config.session.countdown_s
        if self.countdown <= 0:
            self._capture()
            return
        self._tick_event = Clock.schedule_interval(self._tick, 1.0)

    def _tick(self, _dt: float) -> None:
        self.countdown -= 1
        if self.countdown <= 0:
            self._cancel_countdown()
            self._capture()

    def _capture(self) -> None:
        """Cut the photo from the newest analysed frame, or say why not and guide again."""
        latest = self._live.latest() if self._live is not None else None
        if latest is None:
            self._back_to_preview()
            return
        frame, analysis = latest
        try:
            jpeg = self.kiosk.standard_photo(frame.image, analysis)
        except PhotoRefused as refused:
            event(log, LogEvent.PHOTO_REFUSED, reasons=list(refused.reasons))
            self._back_to_preview()
            return
        self.kiosk.send(ev.PhotoTaken(jpeg))

    def _back_to_preview(self) -> None:
        self._cancel_countdown()
        self.phase = "preview"
        self.countdown = 0
        if getattr(self, "_streak", None) is not None:
            self._streak.reset()

    def _cancel_countdown(self) -> None:
        e = getattr(self, "_tick_event", None)
        if e is not None:
            e.cancel()
            self._tick_event = None

    # -- touches -------------------------------------------------------------------------

    def retake(self) -> None:
        self.kiosk.send(ev.Retake())

    def accept(self) -> None:
        self.kiosk.send(ev.Confirm())
