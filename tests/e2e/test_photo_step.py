"""The photo step in a real Kivy window on Xvfb: live guidance, auto-capture from a real face,
a camera that drops out and comes back, and the retake limit.

Real faces come from scikit-image's astronaut portrait (tests/unit/photo_fixtures.py), given to
the camera simulator as a still image, so the kiosk's whole path runs: camera thread, live
analysis thread, guide, countdown, standard photo, review.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from kiosk.core import photo_standard as ps
from kiosk.core.texts import guidance_text
from tests.unit.photo_fixtures import fixtures


def _camera_showing(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"camera-{name}.png"
    cv2.imwrite(str(path), cv2.cvtColor(fixtures()[name], cv2.COLOR_RGB2BGR))
    return f"sim://{path}?fps=15"


def _events(kiosk, name: str) -> list[dict]:
    return [e for e in kiosk.log_events() if e.get("event") == name]


def _shot(shots: Path, name: str) -> np.ndarray:
    (path,) = shots.glob(f"*-{name}.png")
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_a_candidate_out_of_place_is_guided_and_not_captured(make_kiosk, api_server, tmp_path):
    kiosk = make_kiosk(api_server, devices={"camera": _camera_showing(tmp_path, "shifted")})
    shots = tmp_path / "shots"
    assert kiosk.play("photo-guidance", "--shots", str(shots)).returncode == 0, kiosk.log_tail()
    (seen,) = _events(kiosk, "autoplay.photo_guidance")
    assert ps.MOVE_LEFT in seen["reasons"]  # the face is in the frame's left part
    assert seen["guidance"] == guidance_text(seen["reasons"][0], "zh")  # the screen's language
    assert not _events(kiosk, "photo.made")
    assert not _events(kiosk, "photo.face_in_place") and not _events(kiosk, "photo.captured")
    assert sum(kiosk.status()["records"].values()) == 0
    # The screenshot shows the guidance panel in the warning colour, not the "good" green.
    right_half = _shot(shots, "photo-guidance")[:, 1200:].reshape(-1, 3).astype(int)
    orange = (np.abs(right_half - (237, 140, 23)).sum(axis=1) < 60).sum()
    assert orange > 2000, "no guidance text in the accent colour"


def test_a_real_face_is_captured_automatically_to_the_standard_each_moment_logged(
        make_kiosk, api_server, tmp_path):
    kiosk = make_kiosk(api_server, devices={"camera": _camera_showing(tmp_path, "well")})
    shots = tmp_path / "shots"
    assert kiosk.play("photo-capture", "--shots", str(shots)).returncode == 0, kiosk.log_tail()
    (taken,) = _events(kiosk, "autoplay.photo_taken")
    assert 20 * 1024 <= taken["size"] <= 40_000
    (made,) = _events(kiosk, "photo.made")
    assert made["quality"] >= 60
    # The moments the speed bench reads, in their order: in place, counting, cut, shown.
    moments = [e["event"] for e in kiosk.log_events() if e.get("event") in (
        "photo.face_in_place", "photo.countdown_started", "photo.captured", "photo.review_shown")]
    assert moments[-3:] == ["photo.countdown_started", "photo.captured", "photo.review_shown"]
    assert moments[0] == "photo.face_in_place" and len(moments) >= 4, moments
    (counting,) = _events(kiosk, "photo.countdown_started")
    assert counting["seconds"] == 1  # the test kiosk's countdown
    assert 0 <= _events(kiosk, "photo.face_in_place")[-1]["frame_age_s"] < 1.5
    # Cancelled after review: nothing kept.
    assert sum(kiosk.status()["records"].values()) == 0


def test_a_camera_that_drops_out_alerts_staff_and_recovers(make_kiosk, api_server, tmp_path):
    kiosk = make_kiosk(api_server)
    shots = tmp_path / "shots"
    result = kiosk.play("camera-unplugged", "--shots", str(shots))
    assert result.returncode == 0, kiosk.log_tail()
    names = [e["event"] for e in kiosk.log_events()]
    lost, back = names.index("health.camera_lost"), names.index("health.camera_back")
    assert lost < back < names.index("photo.made")
    assert shots.joinpath("01-photo-camera-lost.png").is_file()


def test_after_the_last_retake_the_candidate_is_sent_to_staff(make_kiosk, api_server, tmp_path):
    kiosk = make_kiosk(api_server, photo={"max_retakes": 1, "good_frames": 3})
    assert kiosk.play("photo-retakes").returncode == 0, kiosk.log_tail()
    assert len(_events(kiosk, "photo.made")) == 2
    assert sum(kiosk.status()["records"].values()) == 0


def test_a_broken_fill_light_alerts_staff_and_never_blocks_the_photo(make_kiosk, api_server):
    kiosk = make_kiosk(api_server)
    assert kiosk.play("light-broken").returncode == 0, kiosk.log_tail()
    failed = [e for e in kiosk.log_events() if e.get("event") == "light.failed"]
    assert failed and failed[0]["code"] == "light_unavailable"
    assert len(_events(kiosk, "photo.made")) == 1
