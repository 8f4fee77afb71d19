"""Simple drawn pictures (an ID card on a reader, a warning sign) so screens need no image files."""

from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.widget import Widget

from kiosk.ui import theme


class Drawing(Widget):
    """A picture drawn from the palette in force (kv: `colors: app.colors`, root.kv), drawn
    again when it changes."""

    colors = ObjectProperty(theme.NORMAL, rebind=False)
    # The sign's largest diameter (0: as large as the box). A screen gives a sign a share of
    # its free height and this cap: where words need the room (large text, a small panel) the
    # sign shrinks instead of pushing them out of the screen.
    largest = NumericProperty(0.0)
    smallest = NumericProperty(0.0)  # below this a sign is a speck: none is drawn

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, colors=self._draw, largest=self._draw,
                  smallest=self._draw)

    def diameter(self) -> float:
        d = min(self.width, self.height)
        d = min(d, self.largest) if self.largest > 0 else d
        return d if d >= self.smallest else 0.0

    def _draw(self, *_):
        raise NotImplementedError


class CardOnReader(Drawing):
    """An ID card hovering over a reader pad; `lift` animates the card."""

    lift = NumericProperty(0.0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(lift=self._draw)

    def _draw(self, *_):
        self.canvas.clear()
        h = min(self.height * 0.95, self.width * 0.8 / 1.2 / 1.6)  # reader at most 80 % wide
        w = h * 1.6
        x0 = self.center_x - w / 2
        y0 = self.center_y - h / 2
        c = self.colors
        with self.canvas:
            # reader pad
            Color(*c.art_dark)
            RoundedRectangle(pos=(x0 - w * 0.1, y0), size=(w * 1.2, h * 0.28), radius=[h * 0.06])
            Color(*c.accent)
            Rectangle(pos=(x0 + w * 0.35, y0 + h * 0.11), size=(w * 0.3, h * 0.05))
            # card
            cy = y0 + h * 0.35 + self.lift * h * 0.12
            Color(*c.art_card)
            RoundedRectangle(pos=(x0 + w * 0.1, cy), size=(w * 0.8, h * 0.55), radius=[h * 0.05])
            Color(*c.primary)
            Line(rounded_rectangle=(x0 + w * 0.1, cy, w * 0.8, h * 0.55, h * 0.05), width=2)
            Color(*c.art_detail)
            RoundedRectangle(
                pos=(x0 + w * 0.64, cy + h * 0.1), size=(w * 0.2, h * 0.35), radius=[h * 0.02]
            )
            for i in range(4):
                Rectangle(
                    pos=(x0 + w * 0.16, cy + h * (0.39 - i * 0.08)),
                    size=(w * (0.4 - i * 0.05), h * 0.03),
                )


class WarningSign(Drawing):
    def _draw(self, *_):
        self.canvas.clear()
        d = self.diameter()
        if d <= 0:
            return
        x, y = self.center_x - d / 2, self.center_y - d / 2
        with self.canvas:
            Color(*self.colors.accent)
            Ellipse(pos=(x, y), size=(d, d))
            Color(*self.colors.mark)
            RoundedRectangle(
                pos=(self.center_x - d * 0.05, y + d * 0.34),
                size=(d * 0.1, d * 0.44),
                radius=[d * 0.04],
            )
            Ellipse(pos=(self.center_x - d * 0.06, y + d * 0.14), size=(d * 0.12, d * 0.12))


class CheckMark(Drawing):
    def _draw(self, *_):
        self.canvas.clear()
        d = self.diameter()
        if d <= 0:
            return
        x, y = self.center_x - d / 2, self.center_y - d / 2
        with self.canvas:
            Color(*self.colors.success)
            Ellipse(pos=(x, y), size=(d, d))
            Color(*self.colors.mark)
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
