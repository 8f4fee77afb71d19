"""A finger signature pad that keeps the strokes, not just the picture.

Points are stored normalised to the pad (0..1, y up) with the time since the first touch, so the
record holds the same signature whatever the panel's resolution. At the record's caps
(`kiosk.core.record_limits`) the pad stops taking strokes and points: the ink stops where the
candidate can see it, rather than the record being refused once it is complete.
"""

from __future__ import annotations

import time

from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.widget import Widget

from kiosk.core import record_limits
from kiosk.ui import theme

Stroke = list[tuple[float, float, float]]


class SignaturePad(Widget):
    has_ink = BooleanProperty(False)
    enabled = BooleanProperty(True)
    colors = ObjectProperty(theme.NORMAL, rebind=False)  # kv: app.colors (root.kv)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.strokes: list[Stroke] = []
        self._t0: float | None = None
        self._lines: dict[int, Line] = {}
        self.bind(pos=self._redraw, size=self._redraw, colors=self._redraw)

    def clear(self) -> None:
        self.strokes = []
        self._t0 = None
        self._lines = {}
        self.has_ink = False
        self._redraw()

    def normalised_strokes(self) -> tuple[tuple[tuple[float, float, float], ...], ...]:
        return tuple(tuple(stroke) for stroke in self.strokes if len(stroke) > 1)

    def _point(self, touch) -> tuple[float, float, float]:
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        x = min(max((touch.x - self.x) / max(self.width, 1), 0.0), 1.0)
        y = min(max((touch.y - self.y) / max(self.height, 1), 0.0), 1.0)
        return (round(x, 4), round(y, 4), round(now - self._t0, 3))

    def on_touch_down(self, touch):
        if not self.enabled or not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        if not record_limits.accepts_stroke(self.strokes):
            return True  # full: the touch is the pad's, but leaves no ink
        touch.grab(self)
        self.strokes.append([self._point(touch)])
        with self.canvas:
            Color(*self.colors.text)
            self._lines[touch.uid] = Line(
                points=[touch.x, touch.y], width=3, cap="round", joint="round"
            )
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        if self.collide_point(*touch.pos) and record_limits.accepts_point(self.strokes):
            self.strokes[-1].append(self._point(touch))
            self._lines[touch.uid].points += [touch.x, touch.y]
            self.has_ink = any(len(s) > 1 for s in self.strokes)
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        return True

    def _redraw(self, *_):
        """Background, baseline and the strokes so far, at the pad's current size."""
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*self.colors.surface)
            Rectangle(pos=self.pos, size=self.size)
            Color(*self.colors.primary)
            Line(rectangle=(self.x, self.y, self.width, self.height),
                 width=self.colors.border_width)
            Color(*self.colors.guide_line)
            Line(
                points=[
                    self.x + self.width * 0.06,
                    self.y + self.height * 0.25,
                    self.x + self.width * 0.94,
                    self.y + self.height * 0.25,
                ],
                width=1.2,
                dash_length=12,
                dash_offset=8,
            )
        self.canvas.clear()
        self._lines = {}
        with self.canvas:
            Color(*self.colors.text)
            for stroke in self.strokes:
                pts: list[float] = []
                for x, y, _t in stroke:
                    pts += [self.x + x * self.width, self.y + y * self.height]
                Line(points=pts, width=3, cap="round", joint="round")
