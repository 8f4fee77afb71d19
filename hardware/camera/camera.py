"""What the kiosk needs from a camera: the latest frame, nothing queued.

The preview and the photo step both want "what the camera sees now", never a backlog, so a
camera keeps exactly one frame and replaces it as new ones arrive. The OpenCV adapter and the
simulator both satisfy `Camera` through `CaptureThread`; code above `open_camera` sees only the
Protocol.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from kiosk.core.errors import DeviceError

FRAME_WIDTH = 640
FRAME_HEIGHT = 480


class CameraError(DeviceError):
    """The camera cannot be opened or has gone: `camera_unavailable`, its one code."""

    code = "camera_unavailable"


@dataclass(frozen=True)
class Frame:
    """One picture: `image` is H×W×3 uint8 RGB, read-only (frames are shared between threads).

    `seq` counts frames from 1 since `start()`, so a consumer sees how many it skipped; `t` is
    `time.monotonic()` at capture, for staleness checks and frame-rate displays.
    """

    image: npt.NDArray[np.uint8] = field(repr=False)
    seq: int
    t: float

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@runtime_checkable
class Camera(Protocol):
    def start(self) -> None:
        """Begin capturing in the camera's own thread; returns at once."""
        ...

    def latest_frame(self) -> Frame | None:
        """The newest frame, or None before the first one or while the camera is gone."""
        ...

    def stop(self) -> None:
        """Stop capturing and release the device."""
        ...

    @property
    def is_alive(self) -> bool:
        """True while started and delivering frames."""
        ...


class CaptureThread:
    """What every `Camera` adapter shares: one daemon thread, the latest frame only.

    A subclass writes `_run`, which loops until `self._stop` is set and calls `_publish`
    with each new RGB image, or `_lose` while the device delivers nothing; `is_alive` is
    then true exactly while frames are arriving.
    """

    thread_name = "camera"
    join_s = 2.0  # how long `stop` waits for the thread (a device read may be blocking)

    def __init__(self) -> None:
        self._latest: Frame | None = None
        self._seq = 0
        self._delivering = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._seq = 0
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def latest_frame(self) -> Frame | None:
        return self._latest

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.join_s)
        self._thread = None
        self._lose()

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._delivering

    def _publish(self, image: npt.NDArray[np.uint8], t: float | None = None) -> None:
        self._seq += 1
        self._latest = Frame(image=image, seq=self._seq, t=time.monotonic() if t is None else t)
        self._delivering = True

    def _lose(self) -> None:
        self._latest = None
        self._delivering = False

    def _run(self) -> None:
        raise NotImplementedError
