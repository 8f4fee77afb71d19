"""A texture fitted inside the widget ("contain"), drawn as one rectangle.

Kivy 2.3's Image clips with the stencil buffer: two extra widget-sized fills per frame, drawn
even at opacity 0. On the software GL of panels without a GPU every full-size fill costs
~8 ms a frame at 1920x1080, so the live preview could not keep 30 fps with Images on screen.
A picture here never overflows its box (contain), so it needs no clipping.
"""

from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.properties import ListProperty, ObjectProperty
from kivy.uix.widget import Widget


class Picture(Widget):
    texture = ObjectProperty(None, allownone=True)
    # Where the texture is drawn, window-relative like pos: (x, y, width, height).
    picture_box = ListProperty([0.0, 0.0, 0.0, 0.0])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.canvas:
            Color(1, 1, 1, 1)
            self._rect = Rectangle(size=(0, 0))
        self.bind(pos=self._fit, size=self._fit, texture=self._fit)

    @property
    def norm_image_size(self) -> tuple[float, float]:
        return self.picture_box[2], self.picture_box[3]

    def _fit(self, *_):
        tex = self.texture
        if tex is None or not tex.width or not tex.height:
            self._rect.texture, self._rect.size = None, (0, 0)  # draws nothing at all
            self.picture_box = [self.x, self.y, 0.0, 0.0]
            return
        k = min(self.width / tex.width, self.height / tex.height)
        w, h = tex.width * k, tex.height * k
        x, y = self.center_x - w / 2, self.center_y - h / 2
        self._rect.texture = tex
        self._rect.pos, self._rect.size = (x, y), (w, h)
        self.picture_box = [x, y, w, h]
