"""Photo analysis and the standard photo, on a real face (scikit-image's astronaut portrait).

Each fixture (tests/unit/photo_fixtures.py) is what a camera would see; the live verdict must
name what to fix, and the standard photo must come out in the standard's size, byte range and
geometry, or be refused with the reasons.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("cv2")
pytest.importorskip("skimage")

from hardware.camera.analysis import FaceAnalyser  # noqa: E402
from kiosk.core import photo_standard as ps  # noqa: E402
from kiosk.core.photo_standard import PhotoStandard  # noqa: E402
from kiosk.imaging import PhotoRefused, standard_photo  # noqa: E402
from tests.unit import photo_fixtures  # noqa: E402

STD = PhotoStandard()


@pytest.fixture(scope="module")
def analyser() -> FaceAnalyser:
    return FaceAnalyser(STD)


@pytest.fixture(scope="module")
def frames() -> dict[str, np.ndarray]:
    return photo_fixtures.fixtures()


# fixture → (reasons the live verdict must include, reasons it must not include)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "well": (set(), set(ps.REASON_ORDER)),
    "shifted": ({ps.MOVE_LEFT}, {ps.NO_FACE, ps.BLURRED, ps.TOO_DARK}),
    "too_small": ({ps.MOVE_CLOSER}, {ps.NO_FACE, ps.MOVE_BACK}),
    "too_large": ({ps.MOVE_BACK}, {ps.NO_FACE, ps.MOVE_CLOSER}),
    "dark": ({ps.TOO_DARK}, {ps.NO_FACE, ps.BLURRED, ps.TOO_BRIGHT}),
    "blurred": ({ps.BLURRED}, {ps.NO_FACE, ps.TOO_DARK}),
    "busy": ({ps.BACKGROUND_UNEVEN}, {ps.NO_FACE, ps.BLURRED}),
    "two_faces": ({ps.MANY_FACES}, {ps.NO_FACE}),
    "no_face": ({ps.NO_FACE}, set()),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_live_verdict(name: str, analyser: FaceAnalyser, frames: dict) -> None:
    must, must_not = EXPECTED[name]
    result = analyser.analyse(frames[name])
    reasons = set(result.verdict.reasons)
    assert must <= reasons, (name, result.as_dict())
    assert not (must_not & reasons), (name, result.as_dict())
    assert result.verdict.ok == (name == "well")
    if must:
        assert result.verdict.guidance_code in ps.REASON_ORDER  # what the screen says


def test_well_placed_measurements(analyser: FaceAnalyser, frames: dict) -> None:
    r = analyser.analyse(frames["well"])
    assert len(r.faces) == 1 and len(r.eyes) == 2 and r.hair_measured
    assert r.face is not None and abs(r.face.cx - 320) < 15
    assert 100 < r.brightness < 220 and r.sharpness > 1.5 * STD.sharpness_min
    assert r.background_std < 5
    assert np.allclose(r.background_rgb, (100, 197, 255), atol=8)


def _decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and im.size == (480, 640) and im.mode == "RGB"
    assert not im.getexif() and not {"exif", "icc_profile", "comment", "xmp"} & set(im.info)
    assert im.info.get("dpi") == (300, 300)
    return im


@pytest.mark.parametrize("name", ["well", "shifted", "too_small"])
def test_standard_photo_meets_the_standard(name: str, analyser: FaceAnalyser,
                                           frames: dict) -> None:
    """A frame the standard can be cut from gives a photo in size, bytes and geometry, checked
    by finding the face again in the photo itself."""
    data = standard_photo(frames[name], analyser=analyser)
    assert STD.min_bytes <= len(data) <= STD.max_bytes, len(data)
    im = _decode(data)
    assert im.quantization[0][0] <= 13  # type: ignore[attr-defined]  # quality >= 60
    again = analyser.analyse(np.asarray(im.convert("RGB")))
    assert again.face is not None and len(again.faces) == 1 and len(again.eyes) == 2
    g = again.geometry
    assert g is not None
    tol = 6  # the detector's own jitter between the frame and the photo
    assert STD.eyes_min - tol <= g.eyes_y <= STD.eyes_max + tol, g
    assert STD.hair_top_min - tol <= g.hair_top <= STD.hair_top_max + tol, g
    assert STD.face_width_min - tol <= g.face_width <= STD.face_width_max + tol, g
    assert abs(g.cx - 240) < 12, g  # head centred


@pytest.mark.parametrize(("name", "reason"), [
    ("too_large", ps.MOVE_BACK), ("dark", ps.TOO_DARK), ("blurred", ps.BLURRED),
    ("busy", ps.BACKGROUND_UNEVEN), ("two_faces", ps.MANY_FACES), ("no_face", ps.NO_FACE),
])
def test_standard_photo_refuses_with_reasons(name: str, reason: str, analyser: FaceAnalyser,
                                             frames: dict) -> None:
    with pytest.raises(PhotoRefused) as info:
        standard_photo(frames[name], analyser=analyser)
    assert reason in info.value.reasons


def test_refuses_when_no_quality_lands_in_the_size_range(frames: dict) -> None:
    tight = PhotoStandard(min_kb=60, max_kb=61)  # a real face never lands in 1 KB at q≥60..95
    with pytest.raises(PhotoRefused) as info:
        standard_photo(frames["well"], standard=tight)
    assert info.value.reasons == (ps.FILE_SIZE,)


def test_bad_frames(analyser: FaceAnalyser) -> None:
    assert analyser.analyse(np.zeros((480, 640), np.uint8)).verdict.reasons == (ps.BAD_IMAGE,)
    with pytest.raises(ValueError):
        standard_photo(np.zeros((480, 640), np.uint8), analyser=analyser)


def test_live_analysis_in_its_own_thread(tmp_path, frames: dict) -> None:  # type: ignore[no-untyped-def]
    import time

    from hardware.camera.live import LiveAnalysis
    from hardware.camera.sim import SimulatedCamera

    path = tmp_path / "well.png"
    Image.fromarray(frames["well"]).save(path)
    cam = SimulatedCamera(tmp_path, fps=30, image_path=path)
    live = LiveAnalysis(cam, FaceAnalyser(STD))
    cam.start()
    live.start()
    try:
        deadline = time.monotonic() + 5
        while live.latest() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        latest = live.latest()
        assert latest is not None
        frame, result = latest
        assert result.verdict.ok, result.as_dict()
        data = standard_photo(frame.image, analysis=result)  # the photo from that very frame
        assert STD.min_bytes <= len(data) <= STD.max_bytes
    finally:
        live.stop()
        cam.stop()
    assert live.latest() is None


def test_live_analysis_judges_no_more_frames_a_second_than_asked(tmp_path, frames: dict) -> None:  # type: ignore[no-untyped-def]
    """The photo screen reads 15 verdicts a second: a 60 fps camera is not analysed 60 times."""
    import time

    from hardware.camera.live import LiveAnalysis
    from hardware.camera.sim import SimulatedCamera

    path = tmp_path / "well.png"
    Image.fromarray(frames["well"]).save(path)
    cam = SimulatedCamera(tmp_path, fps=60, image_path=path)
    live = LiveAnalysis(cam, FaceAnalyser(STD), max_fps=10)
    cam.start()
    live.start()
    try:
        deadline = time.monotonic() + 5
        while live.analysed == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        first = live.analysed
        time.sleep(1.0)
        in_a_second = live.analysed - first
    finally:
        live.stop()
        cam.stop()
    assert 1 <= in_a_second <= 11, in_a_second
