"""Scripted candidates: simulated touches through the real Kivy input path.

The headless demo, the UI tests and the benchmarks all drive the kiosk this way: a script is a
generator that yields conditions to wait for, and taps widgets by their kv id. Touches enter
Kivy's event loop exactly as a touch panel's do, so what passes here passes for a finger.
Each step is reported as a JSON log line; a condition that does not come true in time fails
the run with a non-zero exit status naming what was awaited.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent

from central_api_client.logs import LogEvent, event
from hardware.idcard.sim import card_file, place_card, remove_card

log = logging.getLogger(__name__)


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


@dataclass
class Wait:
    done: Callable[[], bool]
    what: str
    timeout_s: float = 15.0


class ScriptFailed(Exception):
    pass


Script = Callable[["Player"], Iterator[Wait]]


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

    def start(self, app) -> None:
        self.app = app
        if self.shots_dir is not None:
            self.shots_dir.mkdir(parents=True, exist_ok=True)
        self._steps = self._all()
        self._wait: Wait | None = None
        self._deadline = 0.0
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
                self._wait = next(self._steps)
                self._deadline = time.monotonic() + self._wait.timeout_s
            if time.monotonic() > self._deadline:
                raise ScriptFailed(f"timed out waiting for {self._wait.what}")
        except StopIteration:
            self._finish(0, LogEvent.AUTOPLAY_DONE)
        except Exception as exc:  # noqa: BLE001 - any failure ends the run with its reason
            self._finish(1, LogEvent.AUTOPLAY_FAILED, reason=str(exc),
                         screen=self.app.session.screen)

    def _finish(self, code: int, event_id: LogEvent, **facts) -> None:
        self._event.cancel()
        event(log, event_id, shots=[str(p) for p in self.shots], **facts)
        self.app.exit_code = code
        self.app.stop()

    # -- what scripts use ------------------------------------------------------------------

    def screen(self, name: str, timeout_s: float = 15.0) -> Wait:
        manager = self.app.root.ids.screens

        def shown() -> bool:
            return (self.app.session.screen == name and manager.current == name
                    and not manager.transition.is_active)

        return Wait(shown, f"screen {name!r}", timeout_s)

    def until(self, predicate: Callable[[], bool], what: str, timeout_s: float = 15.0) -> Wait:
        return Wait(predicate, what, timeout_s)

    def sleep(self, seconds: float) -> Wait:
        end = time.monotonic() + seconds
        return Wait(lambda: time.monotonic() >= end, f"{seconds}s", seconds + 5)

    def widget(self, widget_id: str):
        """A widget by kv id: on the current screen first, then in the header and footer."""
        screen = self.app.root.ids.screens.current_screen
        found = screen.ids.get(widget_id) or self.app.root.ids.get(widget_id)
        if found is None:
            raise ScriptFailed(f"no widget {widget_id!r} on screen {screen.name!r}")
        return found

    def tap(self, widget_id: str) -> Iterator[Wait]:
        yield self.until(lambda: not self.widget(widget_id).disabled, f"{widget_id!r} enabled")
        x, y = self.widget(widget_id).to_window(*self.widget(widget_id).center)
        touch = ScriptTouch(x, y)
        touch.down()
        yield self.sleep(0.08)
        touch.up()
        event(log, LogEvent.AUTOPLAY_TAP, target=widget_id, screen=self.app.session.screen,
              at=[round(x), round(y)])
        yield self.sleep(0.1)

    def sign(self, widget_id: str = "pad") -> Iterator[Wait]:
        """Draw a two-stroke squiggle, the way a finger signs."""
        pad = self.widget(widget_id)
        for stroke in range(2):
            points = []
            for i in range(25):
                fx = 0.12 + 0.36 * stroke + 0.34 * i / 24
                fy = 0.5 + 0.22 * math.sin(i / 24 * math.pi * 3 + stroke)
                points.append(pad.to_window(pad.x + fx * pad.width, pad.y + fy * pad.height))
            touch = ScriptTouch(*points[0])
            touch.down()
            for x, y in points[1:]:
                yield self.sleep(0.012)
                touch.move_to(x, y)
            touch.up()
            yield self.sleep(0.05)

    def place_card(self, name: str) -> Wait:
        place_card(self.app.machine_config.sim_dir, card_file(name))
        event(log, LogEvent.AUTOPLAY_PLACE_CARD, card=name)
        return self.sleep(0.05)

    def remove_card(self) -> Wait:
        remove_card(self.app.machine_config.sim_dir)
        return self.sleep(0.05)

    def check_layout(self) -> None:
        """Every button a finger can reach is at least 15 mm each way, inside the window, and
        every label's text fits its box: what a person notices first on a new panel size."""
        from kivy.uix.behaviors import ButtonBehavior
        from kivy.uix.label import Label

        root = self.app.root
        minimum = self.app.touch_min - 0.5
        for widget in root.walk(restrict=True):
            if not isinstance(widget, Label) or widget.opacity == 0:
                continue
            if not self._shown(widget):
                continue
            x, y = widget.to_window(widget.x, widget.y)
            if isinstance(widget, ButtonBehavior) and not widget.disabled:
                if widget.width < minimum or widget.height < minimum:
                    raise ScriptFailed(f"button {widget.text!r} is {widget.width:.0f}x"
                                       f"{widget.height:.0f} px, under 15 mm")
                if x < -1 or y < -1 or x + widget.width > Window.width + 1 \
                        or y + widget.height > Window.height + 1:
                    raise ScriptFailed(f"button {widget.text!r} lies outside the window")
            tw, th = widget.texture_size
            if widget.text and (tw > widget.width + 2 or th > widget.height + 2):
                raise ScriptFailed(f"text {widget.text[:12]!r} overflows its box "
                                   f"({tw:.0f}x{th:.0f} in {widget.width:.0f}x{widget.height:.0f})")
            frame = self._frame_of(widget)
            if frame is not None and widget.text:
                fx, fy = frame.to_window(frame.x, frame.y)
                if x < fx - 2 or y < fy - 2 or x + widget.width > fx + frame.width + 2 \
                        or y + widget.height > fy + frame.height + 2:
                    raise ScriptFailed(f"text {widget.text[:12]!r} spills out of its "
                                       f"{type(frame).__name__}")

    @staticmethod
    def _frame_of(widget):
        """The panel or screen a label must stay inside."""
        node = widget.parent
        while node is not None and not isinstance(node, type(widget.get_root_window())):
            if type(node).__name__ in ("Panel",) or hasattr(node, "manager"):
                return node
            node = node.parent
        return None

    def _shown(self, widget) -> bool:
        """Not inside a screen other than the current one, nor under a hidden parent."""
        node = widget
        while node is not None and node is not self.app.root:
            if node.opacity == 0 or (node.height <= 0 and node is not widget):
                return False
            if node.__class__.__name__.endswith("Screen") and hasattr(node, "manager"):
                return node.manager is not None and node.manager.current == node.name
            node = node.parent
        return True

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
        self.check_layout()
        if self.shots_dir is None:
            return
        self._shot_index += 1
        target = self.shots_dir / f"{self._shot_index:02d}-{name}.png"
        taken = Window.screenshot(name=str(self.shots_dir / ".shot.png"))
        if taken:
            Path(taken).replace(target)
            self.shots.append(target)
            event(log, LogEvent.AUTOPLAY_SHOT, path=str(target))


# -- scripts ---------------------------------------------------------------------------------


def _to_photo(p: Player) -> Iterator[Wait]:
    yield p.screen("attract")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    yield from p.tap("confirm")
    yield p.screen("photo")


def _photo_phase(p: Player) -> str:
    return p.app.root.ids.screens.current_screen.phase


def _leave_photo(p: Player) -> Iterator[Wait]:
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.remove_card()


def journey(p: Player, card: str = "resident-valid") -> Iterator[Wait]:
    """A candidate's first visit, every screen, with a screenshot of each."""
    yield p.screen("attract")
    yield from p.shot("attract")
    yield from p.tap("start")
    yield p.screen("card")
    yield from p.shot("card")
    yield p.place_card(card)
    yield p.screen("identity")
    yield from p.shot("identity")
    yield from p.tap("confirm")
    yield p.screen("photo")
    yield p.until(lambda: p.widget("preview").frames_shown > 3, "camera frames")
    yield p.until(lambda: p.widget("guidance").text != "", "live guidance")
    yield from p.shot("photo-preview")
    yield p.until(lambda: p.app.root.ids.screens.current_screen.phase == "countdown",
                  "auto-capture countdown")
    yield from p.shot("photo-countdown")
    yield p.until(lambda: p.app.root.ids.screens.current_screen.phase == "review", "photo review")
    yield from p.shot("photo-review")
    yield from p.tap("accept")
    yield p.screen("check")
    yield p.until(lambda: p.app.session.data is not None
                  and p.app.session.data.sequence_number is not None, "sequence number")
    yield from p.shot("check")
    yield from p.tap("confirm")
    yield p.screen("sign")
    yield from p.sign()
    yield from p.shot("sign")
    yield from p.tap("confirm")
    yield p.screen("done", timeout_s=30)
    yield from p.shot("done")
    yield p.remove_card()
    yield from p.tap("finish")
    yield p.screen("attract")


def _card_refused(p: Player, card: str, shot: str, code: str,
                  by_itself: bool = False) -> Iterator[Wait]:
    """A card that starts no session: the notice, then home by a tap or by its own timer."""
    yield p.screen("attract")
    yield p.place_card(card)
    yield p.screen("notice")
    yield p.until(lambda: p.app.session.notice_code == code, f"notice {code!r}")
    yield from p.shot(shot)
    yield p.remove_card()
    if by_itself:
        yield p.screen("attract", timeout_s=60)
    else:
        yield from p.tap("home")
        yield p.screen("attract")


def expired_card(p: Player) -> Iterator[Wait]:
    yield from _card_refused(p, "resident-expired", "notice-card-expired", "card_expired")


def bad_card(p: Player) -> Iterator[Wait]:
    yield from _card_refused(p, "resident-bad-checksum", "notice-bad-number",
                             "id_number_checksum", by_itself=True)


def disk_full(p: Player) -> Iterator[Wait]:
    """With the disk nearly full no session starts: the notice asks for staff."""
    yield from _card_refused(p, "resident-valid", "notice-disk-full", "disk_full")


def cancel_midway(p: Player) -> Iterator[Wait]:
    yield from _to_photo(p)
    yield from p.tap("cancel")
    yield p.screen("attract")
    yield p.until(lambda: p.app.session.data is None, "session wiped")
    yield p.remove_card()


def idle_timeout(p: Player) -> Iterator[Wait]:
    yield p.screen("attract")
    yield p.place_card("resident-valid")
    yield p.screen("identity")
    timeout = p.app.session.settings.idle_timeout_s
    yield p.screen("attract", timeout_s=timeout + 10)  # nobody touches anything
    yield p.until(lambda: p.app.session.last_end_reason == "idle_timeout", "idle timeout")
    yield p.remove_card()


def sign_then_crash(p: Player) -> Iterator[Wait]:
    """Sign, and die the moment the record is saved: as a power cut would."""
    import os
    import signal

    for wait in journey(p):
        yield wait
        if p.app.session.screen in ("print", "done") and p.app.session.data is not None \
                and p.app.session.data.saved:
            event(log, LogEvent.AUTOPLAY_CRASH)
            os.kill(os.getpid(), signal.SIGKILL)


def range_exhausted(p: Player) -> Iterator[Wait]:
    """With no sequence number left, the check step sends the candidate to staff."""
    yield from _to_photo(p)
    yield p.until(lambda: p.app.session.data is not None
                  and p.app.session.data.photo_jpeg is not None, "photo taken")
    yield from p.tap("accept")
    yield p.screen("notice")
    yield p.until(lambda: p.app.session.notice_code == "sequence_exhausted", "exhausted notice")
    yield from p.shot("notice-range-exhausted")
    yield p.remove_card()
    yield from p.tap("home")
    yield p.screen("attract")


def photo_guidance(p: Player, hold_s: float = 4.0) -> Iterator[Wait]:
    """A candidate out of place: the screen guides and never captures while they stay there."""
    yield from _to_photo(p)
    screen = p.app.root.ids.screens.current_screen
    yield p.until(lambda: screen._live is not None and screen._live.latest() is not None
                  and p.widget("guidance").text != "", "live guidance")
    yield from p.shot("photo-guidance")
    start = time.monotonic()
    while time.monotonic() - start < hold_s:
        if _photo_phase(p) != "preview":
            raise ScriptFailed(f"captured a candidate out of place ({_photo_phase(p)})")
        yield p.sleep(0.2)
    _frame, analysis = screen._live.latest()
    event(log, LogEvent.AUTOPLAY_PHOTO_GUIDANCE, reasons=list(analysis.verdict.reasons),
          guidance=p.widget("guidance").text)
    yield from _leave_photo(p)


def photo_capture(p: Player) -> Iterator[Wait]:
    """Auto-capture from whatever the camera shows, review the photo, then leave."""
    yield from _to_photo(p)
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.shot("photo-review")
    event(log, LogEvent.AUTOPLAY_PHOTO_TAKEN, size=len(p.app.session.data.photo_jpeg))
    yield from _leave_photo(p)


def camera_unplugged(p: Player) -> Iterator[Wait]:
    """The camera drops out at the photo step: staff alerted, the candidate told, then it
    comes back and the photo is taken as if nothing happened."""
    from hardware.camera.sim.camera import UNPLUGGED_FILE

    fault = p.app.machine_config.sim_dir / UNPLUGGED_FILE
    yield from _to_photo(p)
    fault.touch()
    lost = p.app.t("staff_camera_lost")
    yield p.until(lambda: p.app.staff_alert == lost
                  and p.widget("guidance").text == p.app.t("photo_no_camera"), "camera lost")
    yield from p.shot("photo-camera-lost")
    fault.unlink()
    yield p.until(lambda: p.app.staff_alert == "", "camera back")
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture after the camera came back",
                  timeout_s=30)
    yield from _leave_photo(p)


def light_broken(p: Player) -> Iterator[Wait]:
    """The fill light's relay has failed: staff are told, the candidate's photo is still taken."""
    from hardware.light.sim.light import BROKEN_FILE

    broken = p.app.machine_config.sim_dir / BROKEN_FILE
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.touch()
    yield from _to_photo(p)
    yield p.until(lambda: p.app.staff_alert == p.app.t("staff_light_fault"), "light alert")
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.shot("photo-light-broken")
    broken.unlink()
    yield from _leave_photo(p)
    yield p.until(lambda: p.app.staff_alert == "", "light alert cleared")


def photo_retakes(p: Player) -> Iterator[Wait]:
    """Retake until the limit, then the candidate is sent to staff."""
    yield from _to_photo(p)
    for _ in range(p.app.machine_config.photo.max_retakes):
        yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
        yield from p.tap("retake")
        yield p.until(lambda: _photo_phase(p) == "preview", "preview again")
    yield p.until(lambda: _photo_phase(p) == "review", "auto-capture", timeout_s=30)
    yield from p.tap("retake")
    yield p.screen("notice")
    yield p.until(lambda: p.app.session.notice_code == "photo_retakes_exhausted",
                  "retakes exhausted notice")
    yield from p.shot("notice-photo-retakes")
    yield p.remove_card()


def preview_rate(p: Player, seconds: float = 10.0) -> Iterator[Wait]:
    """Hold the photo preview; report the frames it showed and analysed per second (a bench)."""
    yield from _to_photo(p)
    yield p.sleep(1.0)
    preview, live = p.widget("preview"), p.app.root.ids.screens.current_screen._live
    shown, analysed, t0 = preview.frames_shown, live.analysed, time.monotonic()
    yield p.sleep(seconds)
    elapsed = time.monotonic() - t0
    event(log, LogEvent.AUTOPLAY_PREVIEW_RATE, fps=round((preview.frames_shown - shown) / elapsed,
          2),
          analysed_fps=round((live.analysed - analysed) / elapsed, 2), seconds=seconds)
    yield from _leave_photo(p)


def ready(p: Player) -> Iterator[Wait]:
    """Only wait for the attract screen: for start-up measurements."""
    yield p.screen("attract")


SCRIPTS: dict[str, Script] = {
    "ready": ready,
    "journey": journey,
    "expired-card": expired_card,
    "bad-card": bad_card,
    "cancel": cancel_midway,
    "idle-timeout": idle_timeout,
    "sign-then-crash": sign_then_crash,
    "range-exhausted": range_exhausted,
    "disk-full": disk_full,
    "preview-rate": preview_rate,
    "photo-guidance": photo_guidance,
    "photo-capture": photo_capture,
    "camera-unplugged": camera_unplugged,
    "photo-retakes": photo_retakes,
    "light-broken": light_broken,
}


def load_script(name: str) -> Script:
    try:
        return SCRIPTS[name]
    except KeyError:
        raise ValueError(f"no autoplay script {name!r}; known: {', '.join(SCRIPTS)}") from None


