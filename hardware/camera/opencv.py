"""The real camera: OpenCV capture from a V4L2 device, in its own thread, latest frame only.

URI (devices.camera): `v4l2:///dev/video0?width=1280&height=720&fourcc=MJPG&fps=30`, or a device
index, `v4l2://0`. USB webcams deliver full frame rates at higher resolutions only in MJPG, hence
the FOURCC; width/height/fps are requests the driver may round, and the frames say what came.

The thread reads as fast as the camera delivers and keeps only the newest frame, so a slow
consumer never sees a backlog (V4L2 otherwise queues several buffers, i.e. lag on screen). If
the camera drops out (cable, USB reset) reads fail, `latest_frame()` becomes None and
`is_alive` False, and the thread reopens the device every `reconnect_s` until it is back: the
photo screen says "camera gone" and recovers by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event
from hardware.camera.camera import FRAME_HEIGHT, FRAME_WIDTH, CaptureThread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureSettings:
    source: int | str  # V4L2 index or device path (tests: a video file)
    width: int = FRAME_WIDTH
    height: int = FRAME_HEIGHT
    fourcc: str = "MJPG"
    fps: float = 30.0
    reconnect_s: float = 1.0
    use_v4l2: bool = True  # False: let OpenCV choose the backend (video files in tests)


class OpenCVCamera(CaptureThread):
    """`Camera` over `cv2.VideoCapture`."""

    thread_name = "opencv-camera"
    join_s = 3.0

    def __init__(self, settings: CaptureSettings) -> None:
        if settings.fourcc and len(settings.fourcc) != 4:
            raise ValueError(f"fourcc must be 4 characters, not {settings.fourcc!r}")
        super().__init__()
        self.settings = settings
        self.reconnects = 0  # for `kioskctl camera check` and the tests

    # -- capture -------------------------------------------------------------------------

    def _open(self) -> cv2.VideoCapture | None:
        s = self.settings
        api = cv2.CAP_V4L2 if s.use_v4l2 else cv2.CAP_ANY
        cap = cv2.VideoCapture(s.source, api)
        if not cap.isOpened():
            cap.release()
            return None
        if s.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*s.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, s.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, s.height)
        cap.set(cv2.CAP_PROP_FPS, s.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # where the driver allows: no queued stale frames
        return cap

    def _run(self) -> None:
        cap: cv2.VideoCapture | None = None
        try:
            while not self._stop.is_set():
                if cap is None:
                    cap = self._open()
                    if cap is None:
                        self._lose()
                        self._stop.wait(self.settings.reconnect_s)
                        continue
                    log_event(log, LogEvent.CAMERA_OPENED)
                ok, bgr = cap.read()
                if not ok or bgr is None:
                    log_event(log, LogEvent.CAMERA_LOST, level=logging.WARNING)
                    cap.release()
                    cap = None
                    self._lose()
                    self.reconnects += 1
                    self._stop.wait(self.settings.reconnect_s)
                    continue
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                rgb.flags.writeable = False
                self._publish(np.asarray(rgb, dtype=np.uint8))
                if not self.settings.use_v4l2:
                    # A file reads as fast as it decodes; pace it like the camera it stands for.
                    self._stop.wait(1.0 / self.settings.fps)
        finally:
            if cap is not None:
                cap.release()
