"""Photo: live preview with the face guide and guidance, auto-capture, then accept or retake.

The candidate is guided by the screen, not by a button: a live analysis thread judges the
newest camera frame; this screen feeds each judged frame to core's `AutoCapture` and draws what
it says (the guidance sentence in the kiosk's language, the guide's colour, the countdown).
When it says capture, the frame it names goes to the session, which has the standard photo
made from it off the UI thread. The rules (verdict, streak, countdown, retake limit) are core's.
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
from kiosk.core.autocapture import AutoCapture, Phase, Seen, Settings
from kiosk.core.session import Session
from kiosk.core.texts import guidance_text
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import camera_preview  # noqa: F401  (kv class)

load_kv(__file__)
log = logging.getLogger(__name__)

WATCH_HZ = 15  # guidance updates: faster than people read, slower than the camera


class PhotoScreen(KioskScreen):
    screen_name = "photo"
    phase = StringProperty("preview")  # preview | countdown | review
    countdown = NumericProperty(0)
    guidance = StringProperty("")
    face_ok = BooleanProperty(False)
    camera_ok = BooleanProperty(True)
    live = None  # the live analysis while the screen is shown (its `analysed` counts frames)
    _auto: AutoCapture | None = None
    _good = None  # the newest (frame, analysis) judged good: what a capture is cut from
    _watch_event = None

    def on_enter(self, *args):
        config = self.shell.config
        self.ids.preview.camera = self.shell.camera
        self.ids.preview.standard = config.photo.standard()
        self.ids.preview.start()
        self.live = self.shell.live_analysis()
        self._auto = AutoCapture(
            Settings(good_frames=config.photo.good_frames, countdown_s=config.session.countdown_s),
            time.monotonic(),
        )
        self._watch_event = Clock.schedule_interval(self._watch, 1.0 / WATCH_HZ)
        self.shell.light(True)

    def on_leave(self, *args):
        if self._watch_event is not None:
            self._watch_event.cancel()
            self._watch_event = None
        if self.live is not None:
            self.live.stop()
            self.live = None
        self._good = None
        self.ids.preview.stop()
        self.ids.result.texture = None
        self.guidance = ""
        self.face_ok = False  # the next candidate's guide starts white
        self.phase = "preview"  # the next candidate starts with the live view
        self.countdown = 0
        self.shell.light(False)

    def show(self, session: Session) -> None:
        data = session.data
        jpeg = data.photo_jpeg if data else None
        if jpeg is not None and self.phase != "review":
            self.phase = "review"
            self._good = None
            self.ids.result.texture = CoreImage(BytesIO(jpeg), ext="jpg").texture
            event(log, LogEvent.PHOTO_REVIEW_SHOWN)
            # Nothing live is shown while the candidate reviews: no frames drawn or analysed.
            self.ids.preview.stop()
            if self.live is not None:
                self.live.stop()
        elif jpeg is None and self.phase == "review":  # a retake
            self._guide_again()
            self.ids.result.texture = None
            self.ids.preview.start()
            if self.live is not None:
                self.live.start()
        elif (jpeg is None and data is not None and not data.photo_taking
              and self._auto is not None and self._auto.taking):
            self._guide_again()  # the photo was refused: a new streak

    def _guide_again(self) -> None:
        self.phase, self.countdown, self.face_ok = "preview", 0, False
        if self._auto is not None:
            self._auto.restart(time.monotonic())

    # -- live guidance -------------------------------------------------------------------

    def _watch(self, _dt: float) -> None:
        if self.phase == "review" or self.live is None or self._auto is None:
            return
        latest = self.live.latest()
        seen = None
        if latest is not None:
            frame, analysis = latest
            seen = Seen(frame.seq, analysis.verdict.ok, bool(analysis.faces))
            if analysis.verdict.ok:
                self._good = latest
        view = self._auto.observe(seen, time.monotonic())
        if view.presence:
            self.send(ev.FaceSeen())
        self.camera_ok = view.camera_ok
        if view.phase is not Phase.TAKING:  # while the photo is encoded the guide stays as it was
            if view.good and not self.face_ok and latest is not None:
                # How long ago the camera took the frame: the face was in place since then.
                event(log, LogEvent.PHOTO_FACE_IN_PLACE,
                      frame_age_s=round(time.monotonic() - latest[0].t, 3))
            self.face_ok = view.good
        if view.phase is Phase.STALE:
            self.phase, self.countdown = "preview", 0
            self.guidance = self.t("photo_no_camera")
        elif view.phase is Phase.COUNTDOWN:
            if self.phase != "countdown":
                event(log, LogEvent.PHOTO_COUNTDOWN_STARTED, seconds=view.countdown)
            self.phase, self.countdown = "countdown", view.countdown
            self.guidance = self.t("photo_hold")
        elif view.phase is Phase.CAPTURE:
            self.countdown = 0
            event(log, LogEvent.PHOTO_CAPTURED)
            self._capture(view.capture_seq)
        elif view.phase is Phase.PREVIEW:
            self.phase, self.countdown = "preview", 0
            code = latest[1].verdict.guidance_code if latest is not None else None
            self.guidance = guidance_text(code, self.shell.language) or self.t("photo_good")
            self.shell.guidance_shown(code)

    def _capture(self, seq: int | None) -> None:
        good = self._good
        if good is None or good[0].seq != seq:
            self._guide_again()
            return
        frame, analysis = good
        self.send(ev.Capture(image=frame.image, analysis=analysis))

    # -- touches -------------------------------------------------------------------------

    def retake(self) -> None:
        self.send(ev.Retake())

    def accept(self) -> None:
        self.send(ev.Confirm())
