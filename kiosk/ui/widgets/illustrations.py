"""Simple drawn pictures (an ID card on a reader, a warning sign) so screens need no image files."""

from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import NumericProperty
from kivy.uix.widget import Widget

from kiosk.ui import theme


class CardOnReader(Widget):
    """An ID card hovering over a reader pad; `lift` animates the card."""

    lift = NumericProperty(0.0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, lift=self._draw)

    def _draw(self, *_):
        self.canvas.clear()
        h = min(self.height * 0.95, self.width * 0.8 / 1.2 / 1.6)  # reader at most 80 % wide
        w = h * 1.6
        x0 = self.center_x - w / 2
        y0 = self.center_y - h / 2
        with self.canvas:
            # reader pad
            Color(0.2, 0.24, 0.3, 1)
            RoundedRectangle(pos=(x0 - w * 0.1, y0), size=(w * 1.2, h * 0.28), radius=[h * 0.06])
            Color(*theme.ACCENT)
            Rectangle(pos=(x0 + w * 0.35, y0 + h * 0.11), size=(w * 0.3, h * 0.05))
            # card
            cy = y0 + h * 0.35 + self.lift * h * 0.12
            Color(0.86, 0.92, 0.99, 1)
            RoundedRectangle(pos=(x0 + w * 0.1, cy), size=(w * 0.8, h * 0.55), radius=[h * 0.05])
            Color(*theme.PRIMARY)
            Line(rounded_rectangle=(x0 + w * 0.1, cy, w * 0.8, h * 0.55, h * 0.05), width=2)
            Color(0.7, 0.78, 0.9, 1)
            RoundedRectangle(
                pos=(x0 + w * 0.64, cy + h * 0.1), size=(w * 0.2, h * 0.35), radius=[h * 0.02]
            )
            Color(0.6, 0.68, 0.8, 1)
            for i in range(4):
                Rectangle(
                    pos=(x0 + w * 0.16, cy + h * (0.39 - i * 0.08)),
                    size=(w * (0.4 - i * 0.05), h * 0.03),
                )


class WarningSign(Widget):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_):
        self.canvas.clear()
        d = min(self.width, self.height)
        x, y = self.center_x - d / 2, self.center_y - d / 2
        with self.canvas:
            Color(*theme.ACCENT)
            Ellipse(pos=(x, y), size=(d, d))
            Color(1, 1, 1, 1)
            RoundedRectangle(
                pos=(self.center_x - d * 0.05, y + d * 0.34),
                size=(d * 0.1, d * 0.44),
                radius=[d * 0.04],
            )
            Ellipse(pos=(self.center_x - d * 0.06, y + d * 0.14), size=(d * 0.12, d * 0.12))


class CheckMark(Widget):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_):
        self.canvas.clear()
        d = min(self.width, self.height)
        x, y = self.center_x - d / 2, self.center_y - d / 2
        with self.canvas:
            Color(*theme.SUCCESS)
            Ellipse(pos=(x, y), size=(d, d))
            Color(1, 1, 1, 1)
            Line(
                points=[
                    x + d * 0.27,
                    y + d * 0.5,
                    x + d * 0.44,
                    y + d * 0.33,
                    x + d * 0.74,
                    y + d * 0.66,
                ],
                width=max(2.0, d * 0.06),
                cap="round",
                joint="round",
            )
