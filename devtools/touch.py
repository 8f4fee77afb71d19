"""One simulated finger, dispatched through Kivy's event loop exactly as a touch panel's events
are, so what passes a script passes for a finger."""

from __future__ import annotations

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent


class ScriptTouch(MotionEvent):
    """One finger, dispatched through the event loop like a touch panel's events."""

    def __init__(self, x: float, y: float) -> None:
        super().__init__("autoplay", 0, self._args(x, y), is_touch=True, type_id="touch")

    @staticmethod
    def _args(x: float, y: float) -> dict[str, float]:
        return {"x": x / max(Window.width - 1.0, 1.0), "y": y / max(Window.height - 1.0, 1.0)}

    def depack(self, args: dict[str, float]) -> None:
        self.sx, self.sy = args["x"], args["y"]
        self.profile = ["pos"]
        super().depack(args)

    def down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def move_to(self, x: float, y: float) -> None:
        self.move(self._args(x, y))
        EventLoop.post_dispatch_input("update", self)

    def up(self) -> None:
        EventLoop.post_dispatch_input("end", self)
