"""Live analysis off the UI thread: analyse the camera's latest frame, keep the latest result.

Analysis costs ~7 ms a frame; done on the Kivy clock at 30 fps that is a fifth of the UI
thread. Here a daemon thread takes each new frame (latest only, like the camera), analyses it
and publishes `(frame, analysis)` as one pair, so the photo screen reads the newest verdict
without waiting and the final photo is cut from the very frame that verdict describes.
"""

from __future__ import annotations

import threading
import time

from hardware.camera.analysis import Analysis, FaceAnalyser
from hardware.camera.camera import Camera, Frame

# The photo screen reads the newest verdict 15 times a second (`WATCH_HZ`): analysing each of a
# 30 fps camera's frames is work nobody reads, and on a panel's two cores it is a quarter of one.
MAX_FPS = 15.0


class LiveAnalysis:
    def __init__(self, camera: Camera, analyser: FaceAnalyser, *, idle_s: float = 0.005,
                 max_fps: float = MAX_FPS) -> None:
        self.camera = camera
        self.analyser = analyser
        self.idle_s = idle_s
        self.min_interval_s = 1.0 / max_fps
        self._latest: tuple[Frame, Analysis] | None = None
        self.analysed = 0  # frames analysed since construction: benchmarks read the rate
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="photo-analysis", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        self._thread = None
        self._latest = None

    def latest(self) -> tuple[Frame, Analysis] | None:
        """The newest analysed frame and its analysis, or None (no camera frame yet/any more)."""
        return self._latest

    def _run(self) -> None:
        last_seq = -1
        next_at = 0.0
        while not self._stop.is_set():
            wait = next_at - time.monotonic()
            if wait > 0:  # at most max_fps analyses a second
                self._stop.wait(wait)
                continue
            frame = self.camera.latest_frame()
            if frame is None:
                self._latest = None
                self._stop.wait(self.idle_s)
                continue
            if frame.seq == last_seq:
                self._stop.wait(self.idle_s)
                continue
            last_seq = frame.seq
            next_at = time.monotonic() + self.min_interval_s
            self._latest = (frame, self.analyser.analyse(frame.image))
            self.analysed += 1
