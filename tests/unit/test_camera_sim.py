"""The simulated camera: frame shape, rate, latest-only, image files, the unplugged fault."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.camera import Camera, open_camera
from hardware.camera.sim import BACKDROP_RGB, SimulatedCamera


def _wait_frame(cam: Camera, timeout: float = 2.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = cam.latest_frame()
        if frame is not None:
            return frame
        time.sleep(0.005)
    raise AssertionError("no frame")


def test_frames_are_640x480_rgb_readonly(tmp_path: Path) -> None:
    cam = open_camera("sim://", tmp_path)
    assert isinstance(cam, Camera)
    assert cam.latest_frame() is None and not cam.is_alive
    cam.start()
    try:
        f = _wait_frame(cam)
        assert f.image.shape == (480, 640, 3) and f.image.dtype == np.uint8
        assert (f.width, f.height) == (640, 480)
        assert not f.image.flags.writeable
        assert cam.is_alive
        corner = f.image[:40, :40].reshape(-1, 3).mean(axis=0)
        assert np.allclose(corner, BACKDROP_RGB, atol=3)  # even backdrop, noise averages out
        centre = f.image[200:260, 290:350].reshape(-1, 3).mean(axis=0)
        assert not np.allclose(centre, BACKDROP_RGB, atol=20)  # somebody is there
    finally:
        cam.stop()
    assert not cam.is_alive and cam.latest_frame() is None


def test_frame_rate_roughly_honoured_and_only_latest_kept(tmp_path: Path) -> None:
    cam = open_camera("sim://?fps=20", tmp_path)
    cam.start()
    try:
        first = _wait_frame(cam)
        time.sleep(1.0)
        last = cam.latest_frame()
        assert last is not None
        rate = (last.seq - first.seq) / (last.t - first.t)
        assert 12 <= rate <= 22, f"{rate:.1f} fps"
        # Nothing queued: a slow consumer jumps straight to the newest frame.
        a = cam.latest_frame()
        time.sleep(0.3)
        b = cam.latest_frame()
        assert a is not None and b is not None and b.seq - a.seq >= 3
        assert b.t > a.t
    finally:
        cam.stop()


def test_the_figure_sways(tmp_path: Path) -> None:
    cam = SimulatedCamera(tmp_path, noise=False)
    assert not np.array_equal(cam.render(0.0), cam.render(0.8))


def test_image_file_is_scaled_to_fill(tmp_path: Path) -> None:
    src = tmp_path / "face.jpg"
    Image.new("RGB", (300, 400), (200, 30, 40)).save(src)
    cam = open_camera(f"sim://{src}?fps=30", tmp_path)
    cam.start()
    try:
        f = _wait_frame(cam)
        assert f.image.shape == (480, 640, 3)
        assert np.allclose(f.image.reshape(-1, 3).mean(axis=0), (200, 30, 40), atol=3)
    finally:
        cam.stop()


def test_unplugged_fault(tmp_path: Path) -> None:
    cam = open_camera("sim://?fps=50", tmp_path)
    cam.start()
    try:
        _wait_frame(cam)
        (tmp_path / "camera-unplugged").touch()
        time.sleep(0.2)
        assert cam.latest_frame() is None and not cam.is_alive
        (tmp_path / "camera-unplugged").unlink()
        _wait_frame(cam)
        assert cam.is_alive
    finally:
        cam.stop()


@pytest.mark.parametrize(
    ("uri", "match"),
    [
        ("uvc:///dev/video0", "unsupported camera URI scheme 'uvc'"),
        ("v4l2://cam0", "use v4l2://0"),
        ("v4l2:///dev/video0?fourcc=MJPEG", "bad width, height, fps or fourcc"),
        ("sim://?fps=0", "fps must be"),
        ("sim://?fps=fast", "fps must be a number"),
        ("sim://?zoom=2", "unknown parameter"),
        ("sim://face.jpg", "absolute path"),
        ("sim:///nonexistent/face.jpg", "no image file"),
    ],
)
def test_factory_refuses_bad_uris(tmp_path: Path, uri: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        open_camera(uri, tmp_path)


def test_the_simulated_candidate_passes_the_live_guide_and_makes_a_photo(tmp_path: Path) -> None:
    """`kiosk --simulate` must walk the good path: the drawn face is found and fits, every frame
    of a sway cycle, so auto-capture fires and the standard photo can be cut."""
    from hardware.camera.analysis import FaceAnalyser

    cam, analyser = SimulatedCamera(tmp_path, fps=30, seed=3), FaceAnalyser()
    verdicts = [analyser.analyse(cam.render(i / 10)) for i in range(62)]  # 6.2 s: two sways
    assert all(a.verdict.ok and a.photo_verdict.ok for a in verdicts), {
        r for a in verdicts for r in a.verdict.reasons + a.photo_verdict.reasons}
