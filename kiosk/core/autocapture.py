"""Auto-capture: when the photo is taken, decided from the stream of judged camera frames.

The photo screen feeds every newly judged frame (`Seen`: its sequence number, whether the
verdict is good, whether any face is in it) and the time; out comes what to show and do
(`View`). The rules:

- the verdict must stay good for `good_frames` distinct frames in a row before the countdown
  starts (a UI polling faster than the camera does not count one frame twice);
- the countdown runs `countdown_s` whole seconds; `bad_frames` bad frames in a row stop it
  (a blink or a detector miss does not, a candidate who moved away does);
- when it reaches zero the photo is cut from the last frame judged good, named by its seq;
- no new frame for `stale_s` seconds means the camera has gone: everything starts over.

Pure: no clock of its own, no camera, no pixels; the screen owns the frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

# A countdown survives a frame or two of flicker (a blink, a detector miss) but not a
# candidate who moved away: this many bad frames in a row stop it.
COUNTDOWN_BAD_FRAMES = 4
CAMERA_STALE_S = 1.5  # no new frame for this long: the camera has gone


class Phase(StrEnum):
    PREVIEW = "preview"  # guiding the candidate into place
    COUNTDOWN = "countdown"  # in place: counting down
    CAPTURE = "capture"  # cut the photo from `View.capture_seq` now (said once)
    TAKING = "taking"  # the photo is being made; waiting for `restart()` or the review
    STALE = "stale"  # no camera frames: the camera has gone


@dataclass(frozen=True)
class Seen:
    """One judged camera frame, as far as auto-capture cares."""

    seq: int
    good: bool  # the live verdict is ok
    face: bool  # a face is in the frame (someone is there, in place or not)


@dataclass(frozen=True)
class View:
    phase: Phase
    countdown: int = 0  # whole seconds left, while counting down
    capture_seq: int | None = None  # with CAPTURE: the frame to cut the photo from
    good: bool = False  # the newest frame's verdict is good (the guide turns green)
    presence: bool = False  # a face in a new frame: the candidate is there (not idle)

    @property
    def camera_ok(self) -> bool:
        return self.phase is not Phase.STALE


@dataclass(frozen=True)
class Settings:
    good_frames: int
    countdown_s: int
    bad_frames: int = COUNTDOWN_BAD_FRAMES
    stale_s: float = CAMERA_STALE_S

    def __post_init__(self) -> None:
        if self.good_frames < 1:
            raise ValueError("good_frames must be >= 1")


class AutoCapture:
    """One photo step's auto-capture. Call `restart(now)` on entering and after a retake or a
    refused photo; `observe(seen, now)` for each poll (seen=None: nothing judged yet)."""

    def __init__(self, settings: Settings, now: float) -> None:
        self.settings = settings
        self.restart(now)

    def restart(self, now: float) -> None:
        """A fresh preview: the streak, the countdown and the camera's silence start over."""
        self._phase = Phase.PREVIEW
        self._streak = 0
        self._bad = 0
        self._last_seq: int | None = None
        self._last_good_seq: int | None = None
        self._last_new = now
        self._countdown_from = 0.0
        self._good = False

    @property
    def taking(self) -> bool:
        """Capture has been said: waiting for the photo (or for `restart` if it is refused)."""
        return self._phase is Phase.TAKING

    def observe(self, seen: Seen | None, now: float) -> View:
        if self._phase is Phase.TAKING:
            return View(Phase.TAKING)
        fresh = seen is not None and seen.seq != self._last_seq
        if fresh:
            self._last_new = now
        if seen is None or now - self._last_new > self.settings.stale_s:
            self._phase, self._streak, self._good = Phase.STALE, 0, False
            return View(Phase.STALE)
        if self._phase is Phase.STALE:
            self._phase = Phase.PREVIEW
        if fresh:
            self._judge(seen)
        presence = fresh and seen.face
        if self._phase is Phase.COUNTDOWN:
            left = self.settings.countdown_s - math.floor(now - self._countdown_from)
            if left > 0:
                return View(Phase.COUNTDOWN, countdown=left, good=self._good, presence=presence)
            self._phase = Phase.TAKING
            return View(Phase.CAPTURE, capture_seq=self._last_good_seq, good=self._good,
                        presence=presence)
        if self._streak >= self.settings.good_frames:
            if self.settings.countdown_s <= 0:
                self._phase = Phase.TAKING
                return View(Phase.CAPTURE, capture_seq=self._last_good_seq, good=True,
                            presence=presence)
            self._phase, self._bad, self._countdown_from = Phase.COUNTDOWN, 0, now
            return View(Phase.COUNTDOWN, countdown=self.settings.countdown_s, good=True,
                        presence=presence)
        return View(Phase.PREVIEW, good=self._good, presence=presence)

    def _judge(self, seen: Seen) -> None:
        self._last_seq, self._good = seen.seq, seen.good
        if seen.good:
            self._streak += 1
            self._bad = 0
            self._last_good_seq = seen.seq
            return
        self._streak = 0
        if self._phase is Phase.COUNTDOWN:
            self._bad += 1
            if self._bad >= self.settings.bad_frames:
                self._phase = Phase.PREVIEW  # moved away: guide again, a new streak needed
