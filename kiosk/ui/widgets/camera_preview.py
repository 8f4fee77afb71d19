"""Live camera preview with the face guide drawn over it.

Frames come from the camera's own thread; the preview only ever takes the latest one, on the
Kivy clock, so a slow frame never queues up behind others.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty

from kiosk.core.photo_geometry import guide_box
from kiosk.core.photo_standard import PhotoStandard
from kiosk.ui import theme
from kiosk.ui.widgets.picture import Picture


class CameraPreview(Picture):
    camera = ObjectProperty(None, allownone=True)
    fps = NumericProperty(30)
    show_guide = BooleanProperty(True)
    guide_ok = BooleanProperty(False)  # the live verdict is good: the guide turns green
    standard = ObjectProperty(None, allownone=True)  # PhotoStandard; None: the published one
    frames_shown = NumericProperty(0)
    colors = ObjectProperty(theme.NORMAL, rebind=False)  # kv: app.colors (root.kv)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._event = None
        self._last_seq = -1
        self.bind(picture_box=self._draw_guide, show_guide=self._draw_guide,
                  guide_ok=self._draw_guide, standard=self._draw_guide,
                  colors=self._draw_guide)


    def start(self) -> None:
        if self._event is None:
            # Polled at twice the camera rate: at exactly the camera rate the two clocks beat
            # against each other and every so often a frame is replaced before it is shown.
            self._event = Clock.schedule_interval(self._update, 0.5 / self.fps)

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
        if self.texture is not tex:
            self.texture = tex
        self.canvas.ask_update()
        self.frames_shown += 1

    def _draw_guide(self, *_):
        """Dim all but the photo's window, and draw the head oval where the standard wants it.

        The window is the centred frame region the live guide judges (`guide_box`); the oval
        runs from the middle of the hair-top band to the chin, as wide as the target face. It
        turns green while the verdict is good, so the candidate sees they are in place.
        """
        self.canvas.after.clear()
        if not self.show_guide or self.texture is None:
            return
        std = self.standard or PhotoStandard()
        tw, th = self.texture.size
        ix, iy, iw, ih = self.picture_box
        g = guide_box(std, tw, th)
        k = iw / tw
        gx, gw, gh = ix + g.x * k, g.w * k, g.h * k
        gtop = iy + ih - g.y * k
        hair = (std.hair_top_min + std.hair_top_max) / 2 / std.height
        eyes = (std.eyes_min + std.eyes_max) / 2 / std.height
        chin = eyes + (eyes - hair) * 1.15
        ow = std.target_face_width / std.width * gw * 1.05
        otop, obottom = gtop - hair * gh, gtop - chin * gh
        with self.canvas.after:
            Color(0, 0, 0, 0.45)
            Rectangle(pos=(ix, iy), size=(max(gx - ix, 0), ih))
            Rectangle(pos=(gx + gw, iy), size=(max(ix + iw - gx - gw, 0), ih))
            # Opaque: Kivy draws a wide line of alpha < 1 through a window-sized stencil fill.
            Color(*(self.colors.success[:3] if self.guide_ok else (1, 1, 1)), 1)
            # 72 segments look round at this size; Kivy's default 180 costs ~1 ms a frame.
            Line(ellipse=(gx + (gw - ow) / 2, obottom, ow, otop - obottom, 0, 360, 72), width=4)
            Line(rectangle=(gx, gtop - gh, gw, gh), width=2)
