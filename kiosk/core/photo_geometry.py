"""Where a face must be for the photo standard: the on-screen guide, live position guidance,
and the crop of a frame that puts a measured face inside every range of the standard.

Pure geometry on numbers measured elsewhere (frame pixels); the ranges come from
`photo_standard.PhotoStandard`, the reason codes from `photo_standard`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core.photo_standard import (
    LOW_RESOLUTION,
    MOVE_BACK,
    MOVE_CLOSER,
    MOVE_DOWN,
    MOVE_LEFT,
    MOVE_RIGHT,
    MOVE_UP,
    PhotoStandard,
    sort_reasons,
)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in frame pixels (floats: crops are computed, then rounded)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class FaceGeometry:
    """A face measured in a frame: centre line, eye line, hair top and face width, frame px."""

    cx: float
    eyes_y: float
    hair_top: float
    face_width: float


@dataclass(frozen=True)
class Placement:
    """Where the standard photo comes from in the frame, and where the face lands in it."""

    crop: Box  # frame px; width:height is the standard's aspect
    scale: float  # photo px per frame px
    eyes_y: float  # in the photo
    hair_top: float
    face_width: float
    reasons: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.reasons


def guide_box(std: PhotoStandard, frame_w: int, frame_h: int) -> Box:
    """The largest centred window of the standard's aspect: what the on-screen guide frames."""
    if frame_w * std.height > frame_h * std.width:
        h = float(frame_h)
        w = h * std.width / std.height
    else:
        w = float(frame_w)
        h = w * std.height / std.width
    return Box((frame_w - w) / 2, (frame_h - h) / 2, w, h)


def guide_reasons(
    face: FaceGeometry, std: PhotoStandard, frame_w: int, frame_h: int
) -> tuple[str, ...]:
    """Live guidance: is the face where the guide wants it (as if the photo were the guide)?

    The guide is the centred window; mapped to the photo, the face must meet the standard's
    ranges there. Asking for the guide rather than "somewhere croppable" keeps candidates
    centred in front of the camera, where the light and the lens are at their best.
    """
    g = guide_box(std, frame_w, frame_h)
    s = std.width / g.w
    reasons: list[str] = []
    width = face.face_width * s
    if width < std.face_width_min:
        reasons.append(MOVE_CLOSER)
    elif width > std.face_width_max:
        reasons.append(MOVE_BACK)
    off = (face.cx - g.cx) / frame_w
    if off < -std.centre_tolerance:
        reasons.append(MOVE_LEFT)  # frame-left is the candidate's right: they move left
    elif off > std.centre_tolerance:
        reasons.append(MOVE_RIGHT)
    eyes = (face.eyes_y - g.y) * s
    hair = (face.hair_top - g.y) * s
    if eyes > std.eyes_max or (hair > std.hair_top_max and eyes > std.eyes_min):
        reasons.append(MOVE_UP)
    elif eyes < std.eyes_min or (hair < std.hair_top_min and eyes < std.eyes_max):
        reasons.append(MOVE_DOWN)
    return tuple(reasons)


def place(face: FaceGeometry, std: PhotoStandard, frame_w: int, frame_h: int) -> Placement:
    """The crop of the frame that puts `face` inside every range of the standard.

    The scale makes the face the middle of the allowed width, then bends (if it must) so that
    hair top and eyes can both fit their bands; the eye line is put as near the middle of its
    band as the hair allows; the face is centred. A crop that would leave the frame, or need
    more than `max_upscale` enlargement, comes back with reasons instead of being padded.
    """
    head = max(face.eyes_y - face.hair_top, 1e-6)  # frame px between hair top and eyes
    s = std.target_face_width / max(face.face_width, 1e-6)
    # Hair-to-eyes distance in the photo must lie in [eyes_min-hair_top_max, eyes_max-hair_top_min].
    lo_gap, hi_gap = std.eyes_min - std.hair_top_max, std.eyes_max - std.hair_top_min
    s_lo = max(std.face_width_min / face.face_width, lo_gap / head)
    s_hi = min(std.face_width_max / face.face_width, hi_gap / head)
    # The crop must fit in the frame (nothing is padded), which sets a least enlargement.
    s_lo = max(s_lo, std.width / frame_w, std.height / frame_h)
    reasons: list[str] = []
    if s_lo <= s_hi:
        s = min(max(s, s_lo), s_hi)
    # Eyes: middle of [eyes_min, eyes_max] ∩ [hair_top_min + gap, hair_top_max + gap].
    gap = head * s
    e_lo = max(std.eyes_min, std.hair_top_min + gap)
    e_hi = min(std.eyes_max, std.hair_top_max + gap)
    eyes_out = (e_lo + e_hi) / 2 if e_lo <= e_hi else (std.eyes_min + std.eyes_max) / 2
    # Within the band, slide the eye line so the crop stays inside the frame if it can: a face
    # a few pixels high or low still makes a photo instead of a "move" reason.
    # When the crop is the frame's full height the window is one point, and float rounding
    # may put its ends a hair apart the wrong way round: that still counts as fitting.
    f_lo = max(e_lo, (face.eyes_y - frame_h) * s + std.height)
    f_hi = min(e_hi, face.eyes_y * s)
    if f_lo <= f_hi + 1e-6:
        eyes_out = min(max(eyes_out, f_lo), f_hi)
    cw, ch = std.width / s, std.height / s
    x0 = face.cx - cw / 2
    slid = min(max(x0, 0.0), frame_w - cw)
    if abs(slid - x0) * s <= std.photo_centre_tolerance * std.width:
        x0 = slid
    crop = Box(x0, face.eyes_y - eyes_out / s, cw, ch)
    hair_out = eyes_out - gap
    width_out = face.face_width * s
    if not (std.face_width_min <= round(width_out) <= std.face_width_max):
        reasons.append(MOVE_BACK if width_out > std.face_width_max else MOVE_CLOSER)
    if not (std.hair_top_min <= round(hair_out) <= std.hair_top_max
            and std.eyes_min <= round(eyes_out) <= std.eyes_max):
        reasons.append(MOVE_BACK)  # head too tall for the band at any usable scale
    eps = 0.5
    if crop.w > frame_w + eps or crop.h > frame_h + eps:
        reasons.append(MOVE_BACK)
    else:
        if crop.x < -eps:
            reasons.append(MOVE_LEFT)  # face too near the frame's left edge
        if crop.right > frame_w + eps:
            reasons.append(MOVE_RIGHT)
        if crop.y < -eps:
            reasons.append(MOVE_DOWN)
        if crop.bottom > frame_h + eps:
            reasons.append(MOVE_UP)
    if s > std.max_upscale:
        reasons.append(LOW_RESOLUTION)
    return Placement(crop, s, eyes_out, hair_out, width_out, sort_reasons(reasons))
