"""The OpenCV camera adapter and video files in the simulator.

No V4L2 device exists on the build machine, so the adapter's capture loop is driven by a video
file through OpenCV's own backend: same thread, latest-only hand-over, and at the end of the
file the same "camera lost → reopen" path a pulled USB cable takes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from hardware.camera import Camera, open_camera  # noqa: E402
from hardware.camera.opencv import CaptureSettings, OpenCVCamera  # noqa: E402


def _clip(path: Path, frames: int = 12) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (320, 240))
    assert writer.isOpened()
    for i in range(frames):
        img = np.full((240, 320, 3), 40, np.uint8)
        img[:, i * 20 : i * 20 + 20] = (0, 0, 255)  # a red bar (BGR) that moves
        writer.write(img)
    writer.release()
    return path


def _wait(pred, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_factory_parses_v4l2_uris() -> None:
    cam = open_camera("v4l2:///dev/video2?width=1280&height=720&fourcc=YUYV&fps=15", Path("/x"))
    assert isinstance(cam, OpenCVCamera) and isinstance(cam, Camera)
    assert cam.settings == CaptureSettings("/dev/video2", 1280, 720, "YUYV", 15.0)
    idx = open_camera("v4l2://1", Path("/x"))
    assert isinstance(idx, OpenCVCamera) and idx.settings.source == 1
    assert idx.settings.fourcc == "MJPG" and (idx.settings.width, idx.settings.height) == (640, 480)


def test_frames_rgb_latest_only_and_reconnect(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "clip.avi")
    cam = OpenCVCamera(CaptureSettings(str(clip), fps=60, reconnect_s=0.05, use_v4l2=False))
    cam.start()
    try:
        _wait(lambda: cam.latest_frame() is not None)
        f = cam.latest_frame()
        assert f is not None and f.image.shape == (240, 320, 3) and not f.image.flags.writeable
        assert f.image[..., 0].max() > 200 and f.image[..., 2].max() < 60  # BGR became RGB
        assert cam.is_alive
        _wait(lambda: cam.reconnects >= 1)  # end of file: "lost", then reopened
        _wait(lambda: cam.latest_frame() is not None)
    finally:
        cam.stop()
    assert not cam.is_alive and cam.latest_frame() is None


def test_missing_device_is_not_alive_and_keeps_trying(tmp_path: Path) -> None:
    cam = OpenCVCamera(CaptureSettings(str(tmp_path / "none.avi"), reconnect_s=0.05,
                                       use_v4l2=False))
    cam.start()
    try:
        time.sleep(0.2)
        assert cam.latest_frame() is None and not cam.is_alive
    finally:
        cam.stop()


def test_simulator_loops_a_video_file(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "clip.avi")
    cam = open_camera(f"sim://{clip}?fps=30", tmp_path)
    frames = [cam.render(i / 30) for i in range(13)]  # type: ignore[attr-defined]
    assert all(f.shape == (480, 640, 3) for f in frames)
    assert not np.array_equal(frames[0], frames[1])  # it moves
    assert np.array_equal(frames[0], frames[12])  # and loops after 12 frames
