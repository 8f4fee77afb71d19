"""Live camera preview with the face guide drawn over it.

Frames come from the camera's own thread; the preview only ever takes the latest one, on the
Kivy clock, so a slow frame never queues up behind others.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.image import Image

from kiosk.ui import theme


class CameraPreview(Image):
    camera = ObjectProperty(None, allownone=True)
    fps = NumericProperty(30)
    show_guide = BooleanProperty(True)
    frames_shown = NumericProperty(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fit_mode = "contain"
        self._event = None
        self._last_seq = -1
        self.bind(pos=self._draw_guide, size=self._draw_guide, show_guide=self._draw_guide,
                  texture=self._draw_guide)

    def start(self) -> None:
        if self._event is None:
            self._event = Clock.schedule_interval(self._update, 1.0 / self.fps)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def latest_frame(self):
        return self.camera.latest_frame() if self.camera is not None else None

    def _update(self, _dt: float) -> None:
        frame = self.latest_frame()
        if frame is None or frame.seq == self._last_seq:
            return
        self._last_seq = frame.seq
        image = frame.image
        h, w = image.shape[:2]
        tex = self.texture
        if tex is None or tex.size != (w, h):
            tex = Texture.create(size=(w, h), colorfmt="rgb")
            tex.flip_vertical()  # numpy rows run top-down, GL textures bottom-up
        tex.blit_buffer(image.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.texture = tex
        self.canvas.ask_update()
        self.frames_shown += 1

    def _draw_guide(self, *_):
        self.canvas.after.clear()
        if not self.show_guide:
            return
        iw, ih = self.norm_image_size
        cx, cy = self.center_x, self.center_y
        # The face should fill the oval; its proportions follow the standard photo's face box.
        fw, fh = iw * 0.36, ih * 0.58
        with self.canvas.after:
            Color(1, 1, 1, 0.9)
            Line(ellipse=(cx - fw / 2, cy - fh / 2 + ih * 0.06, fw, fh), width=3, dash_offset=0)
            Color(*theme.ACCENT[:3], 0.9)
            Line(points=[cx - iw * 0.38, cy - ih * 0.38, cx + iw * 0.38, cy - ih * 0.38], width=2)
