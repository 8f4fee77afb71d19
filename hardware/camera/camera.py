"""What the kiosk needs from a camera: the latest frame, nothing queued.

The preview and the photo step both want "what the camera sees now", never a backlog, so a
camera keeps exactly one frame and replaces it as new ones arrive. The OpenCV adapter (later)
and the simulator both satisfy `Camera`; code above `open_camera` sees only this Protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FRAME_WIDTH = 640
FRAME_HEIGHT = 480


class CameraError(Exception):
    """The camera cannot be opened or has gone; `code` is 'camera_unavailable'."""

    def __init__(self, code: str = "camera_unavailable", detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


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
