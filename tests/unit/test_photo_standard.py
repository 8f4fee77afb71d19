"""The photo standard as data and its geometry (pure core: no pixels, no OpenCV)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core import photo_geometry as geo
from kiosk.core import photo_standard as ps
from kiosk.core.photo_geometry import FaceGeometry
from kiosk.core.photo_standard import PhotoStandard, Verdict
from kiosk.core.texts import guidance_text

STD = PhotoStandard()


def test_defaults_are_the_published_figures() -> None:
    assert (STD.width, STD.height, STD.min_quality) == (480, 640, 60)
    assert (STD.min_kb, STD.max_kb) == (20, 40)
    assert (STD.hair_top_min, STD.hair_top_max, STD.eyes_min, STD.eyes_max) == (50, 110, 200, 300)
    assert (STD.face_width_min, STD.face_width_max) == (180, 300)
    assert (100, 197, 255) in STD.backgrounds and (255, 255, 255) in STD.backgrounds
    assert STD.validate() is STD


@pytest.mark.parametrize("change", [
    {"eyes_min": 100}, {"min_kb": 50}, {"width": 0}, {"face_width_min": 500},
    {"backgrounds": ()}, {"min_quality": 0},
])
def test_impossible_standards_are_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        PhotoStandard(**change).validate()


def test_every_reason_has_guidance_in_every_language_and_technician_words() -> None:
    for reason in ps.REASON_ORDER:
        assert ps.REASON_EN[reason]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in guidance_text(reason, "zh"))
        assert guidance_text(reason, "en").isascii() and guidance_text(reason, "en")


def test_verdict_shows_the_most_important_reason_first() -> None:
    v = Verdict(ps.sort_reasons([ps.BLURRED, ps.MOVE_LEFT, ps.BLURRED, ps.MANY_FACES]))
    assert v.reasons == (ps.MANY_FACES, ps.MOVE_LEFT, ps.BLURRED)
    assert not v.ok and v.guidance_code == ps.MANY_FACES
    assert Verdict().ok and Verdict().guidance_code is None
    assert guidance_text(Verdict().guidance_code) == ""
    assert v.as_dict() == {"ok": False, "reasons": ["many_faces", "move_left", "blurred"]}


def _face(cx: float = 320, eyes: float = 200, head: float = 140, width: float = 180
          ) -> FaceGeometry:
    return FaceGeometry(cx=cx, eyes_y=eyes, hair_top=eyes - head, face_width=width)


def test_a_centred_face_sits_in_the_guide_and_places_inside_every_band() -> None:
    face = _face()
    assert geo.guide_reasons(face, STD, 640, 480) == ()
    p = geo.place(face, STD, 640, 480)
    assert p.ok, p.reasons
    assert STD.eyes_min <= p.eyes_y <= STD.eyes_max
    assert STD.hair_top_min <= p.hair_top <= STD.hair_top_max
    assert STD.face_width_min <= p.face_width <= STD.face_width_max
    assert p.crop.w / p.crop.h == pytest.approx(3 / 4)
    assert p.crop.x >= 0 and p.crop.y >= 0 and p.crop.right <= 640 and p.crop.bottom <= 480
    assert p.crop.cx == pytest.approx(320)  # head centred


@pytest.mark.parametrize(("face", "reason"), [
    (_face(cx=150), ps.MOVE_LEFT),  # near the frame's left edge = the candidate's right
    (_face(cx=490), ps.MOVE_RIGHT),
    (_face(width=80), ps.MOVE_CLOSER),
    (_face(width=260), ps.MOVE_BACK),
    (_face(eyes=260), ps.MOVE_UP),
    (_face(eyes=120, head=100), ps.MOVE_DOWN),
])
def test_guide_tells_which_way_to_move(face: FaceGeometry, reason: str) -> None:
    assert reason in geo.guide_reasons(face, STD, 640, 480)


def test_placement_refuses_instead_of_padding() -> None:
    assert ps.MOVE_LEFT in geo.place(_face(cx=60), STD, 640, 480).reasons
    assert ps.MOVE_RIGHT in geo.place(_face(cx=600), STD, 640, 480).reasons
    assert ps.MOVE_BACK in geo.place(_face(width=330), STD, 640, 480).reasons
    assert ps.LOW_RESOLUTION in geo.place(_face(width=60, head=50), STD, 640, 480).reasons


def test_placement_follows_a_provincial_variant() -> None:
    std = PhotoStandard(width=360, height=480, hair_top_min=30, hair_top_max=80, eyes_min=150,
                        eyes_max=220, face_width_min=130, face_width_max=220).validate()
    p = geo.place(_face(), std, 640, 480)
    assert p.ok, p.reasons
    assert 150 <= p.eyes_y <= 220 and 30 <= p.hair_top <= 80 and 130 <= p.face_width <= 220


def test_background_and_exposure_rules() -> None:
    assert ps.background_reasons((100, 197, 255), 3.0, STD) == ()
    assert ps.background_reasons((238, 240, 236), 3.0, STD) == ()
    assert ps.background_reasons((120, 90, 60), 3.0, STD) == (ps.BACKGROUND_COLOUR,)
    assert ps.background_reasons((100, 197, 255), 40.0, STD) == (ps.BACKGROUND_UNEVEN,)
    assert ps.exposure_reasons(130, 50, STD) == ()
    assert ps.exposure_reasons(30, 50, STD) == (ps.TOO_DARK,)
    assert ps.exposure_reasons(240, 50, STD) == (ps.TOO_BRIGHT,)
    assert ps.exposure_reasons(130, 2, STD) == (ps.BLURRED,)


def test_photo_section_of_the_machine_config() -> None:
    from kiosk.config import ConfigError, parse_config

    c = parse_config("[photo]\nmin_kb = 25\nbackgrounds = [[255, 255, 255]]\ngood_frames = 5\n")
    std = c.photo.standard()
    assert isinstance(std, PhotoStandard) and std.min_kb == 25
    assert std.backgrounds == ((255, 255, 255),) and c.photo.good_frames == 5
    for bad in ("backgrounds = [[255, 255]]", "eyes_min = 20", "good_frames = 0", "zoom = 2"):
        with pytest.raises(ConfigError):
            parse_config(f"[photo]\n{bad}\n")


def test_a_face_that_fills_the_frame_height_exactly_still_places() -> None:
    # At 4/3 enlargement the crop is the whole 480-px frame height; float rounding once made
    # the eye-line window empty there and refused a face the guide had just called good.
    face = FaceGeometry(cx=320, eyes_y=180.3, hair_top=62.0, face_width=180.0)
    assert geo.guide_reasons(face, STD, 640, 480) == ()
    assert geo.place(face, STD, 640, 480).reasons == ()


@settings(max_examples=300, deadline=None)
@given(
    cx=st.floats(280, 360), eyes_y=st.floats(140, 240), head=st.floats(60, 160),
    width=st.floats(120, 240),
)
def test_whatever_the_live_guide_accepts_can_be_cut_to_the_standard(
    cx: float, eyes_y: float, head: float, width: float,
) -> None:
    """Auto-capture trusts the live guide: a face it calls good must make a photo."""
    face = FaceGeometry(cx=cx, eyes_y=eyes_y, hair_top=eyes_y - head, face_width=width)
    if geo.guide_reasons(face, STD, 640, 480) == ():
        assert geo.place(face, STD, 640, 480).reasons == ()
