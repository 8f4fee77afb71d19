"""Plays a scripted candidate: simulated touches through the real Kivy input path.

A script is a generator that yields conditions to wait for (`Wait`), and taps widgets by their
kv id. Each step is reported as a JSON log line; a condition that does not come true in time
fails the run with a non-zero exit status naming what was awaited. Scripts read the kiosk's
public state only: the session, the shown screen and its widgets, the footer.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.screenmanager import Screen

from central_api_client.logs import LogEvent, event
from devtools import staff_slot
from devtools.layout import LayoutError, check_layout
from devtools.staff_slot import StaffSlot
from devtools.touch import ScriptTouch
from devtools.waits import Script, ScriptFailed, Wait
from hardware.idcard.sim import card_file, place_card, remove_card
from kiosk.config import Config
from kiosk.core.session import Session
from kiosk.core.texts import text

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)


def _in_window(widget) -> bool:
    x, y = widget.to_window(*widget.center)
    return widget.width > 0 and widget.height > 0 and 0 <= x < Window.width \
        and 0 <= y < Window.height


class Player:
    def __init__(self, script: Script, shots_dir: Path | None = None, repeat: int = 1,
                 on_iteration: Callable[[int], None] | None = None) -> None:
        self.script = script
        self.shots_dir = shots_dir
        self.repeat = repeat
        self.on_iteration = on_iteration
        self.shots: list[Path] = []
        self._shot_index = 0

    # -- running ---------------------------------------------------------------------------

    def start(self, app: KioskApp) -> None:
        """The app's driver: called once the kiosk shows its attract screen."""
        self.app = app
        if self.shots_dir is not None:
            self.shots_dir.mkdir(parents=True, exist_ok=True)
        self._steps = self._all()
        self._wait: Wait | None = None
        self._since = self._deadline = 0.0
        self._event = Clock.schedule_interval(self._poll, 1 / 30)

    def _all(self) -> Iterator[Wait]:
        for i in range(self.repeat):
            yield from self.script(self)
            event(log, LogEvent.AUTOPLAY_ITERATION, iteration=i + 1)
            if self.on_iteration is not None:
                self.on_iteration(i + 1)

    def _poll(self, _dt: float) -> None:
        try:
            while self._wait is None or self._wait.done():
                self._waited()
                self._wait = next(self._steps)
                self._since = time.monotonic()
                self._deadline = self._since + self._wait.timeout_s
            if time.monotonic() > self._deadline:
                raise ScriptFailed(f"timed out waiting for {self._wait.what}")
        except StopIteration:
            self._finish(0, LogEvent.AUTOPLAY_DONE)
        except Exception as exc:  # noqa: BLE001 - any failure ends the run with its reason
            self._finish(1, LogEvent.AUTOPLAY_FAILED, reason=str(exc),
                         screen=self.session.screen)

    def _waited(self) -> None:
        """Log how long the kiosk kept the script waiting (a wait not done at once)."""
        if self._wait is not None and self._wait.kiosk:
            seconds = time.monotonic() - self._since
            if seconds > 0.001:
                event(log, LogEvent.AUTOPLAY_WAITED, what=self._wait.what,
                      seconds=round(seconds, 3))

    def _finish(self, code: int, event_id: LogEvent, **facts) -> None:
        self._event.cancel()
        event(log, event_id, shots=[str(p) for p in self.shots], **facts)
        self.app.exit_code = code
        self.app.stop()

    # -- public state scripts read --------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.app.shell.session

    @property
    def config(self) -> Config:
        return self.app.shell.config

    @property
    def current_screen(self) -> Screen:
        return self.app.root.ids.screens.current_screen

    def t(self, key: str) -> str:
        """A sentence as the kiosk shows it now."""
        return text(key, self.app.shell.language)

    @property
    def staff_slot(self) -> StaffSlot:
        """The staff card slot of this run (`devtools.staff_slot`)."""
        if staff_slot.SLOT is None:
            raise ScriptFailed("this run has no staff card slot")
        return staff_slot.SLOT

    @property
    def staff_alert(self) -> str:
        """The footer's staff alert as shown ("" when none)."""
        return self.app.root.staff_alert

    # -- what scripts use ------------------------------------------------------------------

    def screen(self, name: str, timeout_s: float = 15.0) -> Wait:
        manager = self.app.root.ids.screens

        def shown() -> bool:
            return (self.session.screen == name and manager.current == name
                    and not manager.transition.is_active)

        return Wait(shown, f"screen {name!r}", timeout_s, kiosk=True)

    def until(self, predicate: Callable[[], bool], what: str, timeout_s: float = 15.0) -> Wait:
        return Wait(predicate, what, timeout_s, kiosk=True)

    def sleep(self, seconds: float, kiosk: bool = False) -> Wait:
        """`kiosk`: a pause after an action, while the kiosk takes it in (counted as its time)."""
        end = time.monotonic() + seconds
        return Wait(lambda: time.monotonic() >= end, f"{seconds}s", seconds + 5, kiosk=kiosk)

    def widget(self, widget_id: str):
        """A widget by kv id: on the current screen first, then in the header and footer."""
        screen = self.app.root.ids.screens.current_screen
        found = screen.ids.get(widget_id) or self.app.root.ids.get(widget_id)
        if found is None:
            raise ScriptFailed(f"no widget {widget_id!r} on screen {screen.name!r}")
        return found

    def tap(self, widget_id: str) -> Iterator[Wait]:
        yield self.until(lambda: not self.widget(widget_id).disabled, f"{widget_id!r} enabled")
        # A button sized by its words (the footer's) has its place a frame or two after its
        # text is drawn: a finger finds it where it is shown, so the script waits for that.
        yield self.until(lambda: _in_window(self.widget(widget_id)),
                         f"{widget_id!r} laid out in the window")
        yield from self.tap_on(self.widget(widget_id), widget_id)

    def tap_on(self, widget, name: str) -> Iterator[Wait]:
        """Tap a widget found otherwise than by id (a key of the pinyin keyboard)."""
        x, y = widget.to_window(*widget.center)
        screen = self.session.screen  # the one tapped on: a button may act on the press
        touch = ScriptTouch(x, y)
        touch.down()
        yield self.sleep(0.08)
        touch.up()
        event(log, LogEvent.AUTOPLAY_TAP, target=name, screen=screen, at=[round(x), round(y)])
        yield self.sleep(0.1, kiosk=True)

    def sign(self, widget_id: str = "pad", points_per_stroke: int = 25) -> Iterator[Wait]:
        """Draw a two-stroke squiggle, the way a finger signs (fewer points: a quicker one)."""
        pad = self.widget(widget_id)
        last = points_per_stroke - 1
        for stroke in range(2):
            points = []
            for i in range(points_per_stroke):
                fx = 0.12 + 0.36 * stroke + 0.34 * i / last
                fy = 0.5 + 0.22 * math.sin(i / last * math.pi * 3 + stroke)
                points.append(pad.to_window(pad.x + fx * pad.width, pad.y + fy * pad.height))
            touch = ScriptTouch(*points[0])
            touch.down()
            for x, y in points[1:]:
                yield self.sleep(0.012)
                touch.move_to(x, y)
            touch.up()
            yield self.sleep(0.05)

    def place_card(self, name: str) -> Wait:
        place_card(self.config.sim_dir, card_file(name))
        event(log, LogEvent.AUTOPLAY_PLACE_CARD, card=name)
        return self.sleep(0.05, kiosk=True)

    def card_to_check(self) -> Iterator[Wait]:
        """The scripts' common way in: a valid card placed, the identity confirmed, the photo
        taken and accepted, until the check screen is shown."""
        yield self.place_card("resident-valid")
        yield self.screen("identity")
        yield from self.tap("confirm")
        yield self.screen("photo")
        yield self.until(lambda: self.current_screen.phase == "review", "photo review",
                         timeout_s=30)
        yield from self.tap("accept")
        yield self.screen("check")

    def remove_card(self) -> Wait:
        remove_card(self.config.sim_dir)
        return self.sleep(0.05)

    def settled(self, frames: int = 6) -> Wait:
        """Some clock frames from now: Kivy lays out a change over a few frames (a label's
        texture, then its height, then its parent's), so a time alone is not enough on a
        loaded machine, where 50 ms may be a single frame."""
        target = Clock.frames + frames
        return Wait(lambda: Clock.frames >= target, f"{frames} frames to lay out", 10)

    def shot(self, name: str) -> Iterator[Wait]:
        """Save what the window shows now (after the frame has settled) as NN-name.png."""
        yield self.sleep(0.35 if self.shots_dir is not None else 0.05)
        yield self.settled()
        try:
            check_layout(self.app.root, self.app.touch_min)
        except LayoutError as exc:
            self._save_shot(f"{name}-layout-error")  # what the check saw, to look at
            raise ScriptFailed(str(exc)) from None
        self._save_shot(name)

    def _save_shot(self, name: str) -> None:
        if self.shots_dir is None:
            return
        self._shot_index += 1
        target = self.shots_dir / f"{self._shot_index:02d}-{name}.png"
        taken = Window.screenshot(name=str(self.shots_dir / ".shot.png"))
        if taken:
            Path(taken).replace(target)
            self.shots.append(target)
            event(log, LogEvent.AUTOPLAY_SHOT, path=str(target))
