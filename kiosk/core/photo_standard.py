"""The national photo standard as data, and the verdicts on what was measured against it.

The Ministry's 《普通高等学校招生图像采集规范及信息标准》 is republished by provinces each year
with their own figures, so every number here is a field of `PhotoStandard` that the machine's
config (`[photo]`) may change; the defaults are the published values
(/work/shared/reference/photo-standard.md).

Pure Python on purpose: the measuring (face detection, brightness, sharpness) happens outside
core, on pixels; core only turns measurements into a verdict with reason codes (their guidance
sentences, in every language, are in `kiosk.core.texts`); where a measured face must be, and the
crop that puts it there, is `kiosk.core.photo_geometry`. That keeps the rules testable
without a camera and lets the UI show the same words everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

# -- reason codes ------------------------------------------------------------------------
# Ordered by what the candidate should fix first: nobody / too many people before position,
# position before light, light before sharpness. `Verdict.guidance_code` is the first one.

NO_FACE = "no_face"
MANY_FACES = "many_faces"
MOVE_CLOSER = "move_closer"
MOVE_BACK = "move_back"
MOVE_LEFT = "move_left"
MOVE_RIGHT = "move_right"
MOVE_UP = "move_up"
MOVE_DOWN = "move_down"
EYES_NOT_FOUND = "eyes_not_found"
TOO_DARK = "too_dark"
TOO_BRIGHT = "too_bright"
BLURRED = "blurred"
BACKGROUND_UNEVEN = "background_uneven"
BACKGROUND_COLOUR = "background_colour"
LOW_RESOLUTION = "low_resolution"
BAD_IMAGE = "bad_image"
FILE_SIZE = "file_size"  # no JPEG quality >= the floor lands in the size range

REASON_ORDER: tuple[str, ...] = (
    BAD_IMAGE, NO_FACE, MANY_FACES, MOVE_CLOSER, MOVE_BACK, MOVE_LEFT, MOVE_RIGHT, MOVE_UP,
    MOVE_DOWN, LOW_RESOLUTION, EYES_NOT_FOUND, TOO_DARK, TOO_BRIGHT, BLURRED, BACKGROUND_UNEVEN,
    BACKGROUND_COLOUR, FILE_SIZE,
)

# The same reasons for technicians (kioskctl output, logs): no personal data in any of them.
REASON_EN: dict[str, str] = {
    BAD_IMAGE: "not a usable RGB image",
    NO_FACE: "no face found",
    MANY_FACES: "more than one face",
    MOVE_CLOSER: "face too small for the guide",
    MOVE_BACK: "face too large for the guide",
    MOVE_LEFT: "face left of the guide in the frame (candidate should move to their left)",
    MOVE_RIGHT: "face right of the guide in the frame (candidate should move to their right)",
    MOVE_UP: "face below the guide",
    MOVE_DOWN: "face above the guide",
    LOW_RESOLUTION: "the crop would need too much enlargement",
    EYES_NOT_FOUND: "both eyes not found (closed, covered or head turned)",
    TOO_DARK: "face too dark",
    TOO_BRIGHT: "face over-exposed",
    BLURRED: "face not sharp (movement or focus)",
    BACKGROUND_UNEVEN: "background around the head is not even",
    BACKGROUND_COLOUR: "background is not one of the allowed colours",
    FILE_SIZE: "no JPEG quality at or above the floor lands in the size range",
}


def sort_reasons(reasons: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Reasons deduplicated, most important first."""
    rank = {r: i for i, r in enumerate(REASON_ORDER)}
    return tuple(sorted(set(reasons), key=lambda r: rank.get(r, len(rank))))


@dataclass(frozen=True)
class Verdict:
    """What one frame (or the final photo) amounts to: good, or the reasons it is not."""

    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def guidance_code(self) -> str | None:
        """The one reason to tell the candidate about now (the most important), or None.
        Its sentence, in the screen's language, is `kiosk.core.texts.guidance_text(code)`."""
        return self.reasons[0] if self.reasons else None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "reasons": list(self.reasons)}


# -- the standard ------------------------------------------------------------------------

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class PhotoStandard:
    """The standard's figures (output geometry in the width×height photo) and the thresholds
    the kiosk applies when measuring a frame against them. Every field is a `[photo]` key."""

    width: int = 480
    height: int = 640
    dpi: int = 300
    min_quality: int = 60
    min_kb: int = 20
    max_kb: int = 40
    hair_top_min: int = 50  # px below the top edge of the photo
    hair_top_max: int = 110
    eyes_min: int = 200
    eyes_max: int = 300
    face_width_min: int = 180
    face_width_max: int = 300
    # Light blue, white, light grey; and how far (Euclidean RGB) a measured background may be.
    backgrounds: tuple[RGB, ...] = ((100, 197, 255), (255, 255, 255), (240, 240, 240))
    background_tolerance: float = 60.0
    background_max_std: float = 18.0  # grey-level spread around the head
    # Live guidance: the centre may be off the guide by this fraction of the frame width.
    centre_tolerance: float = 0.06
    # The photo: the head may sit this fraction of the photo width off centre (a crop slid to
    # stay inside the frame; also lets an existing standard photo pass its own check).
    photo_centre_tolerance: float = 0.03
    brightness_min: float = 70.0  # mean grey level of the face, 0-255
    brightness_max: float = 210.0
    # Variance of the Laplacian of the face at a fixed width, scaled to mid-grey brightness
    # (so a dim face is called dim, not blurred). Sharp webcam faces give 40-150, blur < 10.
    sharpness_min: float = 15.0
    max_upscale: float = 2.0  # a crop smaller than width/max_upscale frame px is too coarse
    # Detector box → face proportions (Haar boxes are about cheek to cheek; hair sits about
    # this many box heights above the eyes when it cannot be measured against the background).
    face_width_per_box: float = 1.0
    eyes_below_box_top: float = 0.38
    hair_above_eyes: float = 0.85

    def validate(self) -> PhotoStandard:
        """Refuse figures that cannot describe a photo, so a bad province config fails early."""
        if self.width <= 0 or self.height <= 0:
            raise ValueError("photo: width and height must be positive")
        if not (1 <= self.min_quality <= 95):
            raise ValueError("photo.min_quality: must be 1-95")
        if not (0 <= self.min_kb < self.max_kb):
            raise ValueError("photo: need 0 <= min_kb < max_kb")
        if not (0 <= self.hair_top_min <= self.hair_top_max < self.eyes_min <= self.eyes_max
                < self.height):
            raise ValueError("photo: need hair_top_min <= hair_top_max < eyes_min <= eyes_max")
        if not (0 < self.face_width_min <= self.face_width_max <= self.width):
            raise ValueError("photo: need 0 < face_width_min <= face_width_max <= width")
        if not self.backgrounds:
            raise ValueError("photo.backgrounds: at least one colour")
        return self

    # Targets: the middle of each range, so small detector errors stay inside it.
    @property
    def target_face_width(self) -> float:
        return (self.face_width_min + self.face_width_max) / 2

    @property
    def min_bytes(self) -> int:
        """Lower size bound, read as KiB so the file passes either reading of "KB"."""
        return self.min_kb * 1024

    @property
    def max_bytes(self) -> int:
        """Upper size bound, read as 1000-byte KB, for the same reason."""
        return self.max_kb * 1000


def colour_distance(a: tuple[float, float, float], b: RGB) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def background_reasons(
    mean_rgb: tuple[float, float, float], grey_std: float, std: PhotoStandard
) -> tuple[str, ...]:
    """Even (small spread) and one of the allowed colours (within the tolerance)."""
    reasons = []
    if grey_std > std.background_max_std:
        reasons.append(BACKGROUND_UNEVEN)
    if min(colour_distance(mean_rgb, c) for c in std.backgrounds) > std.background_tolerance:
        reasons.append(BACKGROUND_COLOUR)
    return tuple(reasons)


def exposure_reasons(brightness: float, sharpness: float, std: PhotoStandard) -> tuple[str, ...]:
    reasons = []
    if brightness < std.brightness_min:
        reasons.append(TOO_DARK)
    elif brightness > std.brightness_max:
        reasons.append(TOO_BRIGHT)
    if sharpness < std.sharpness_min:
        reasons.append(BLURRED)
    return tuple(reasons)


def with_figures(base: PhotoStandard, figures: Mapping[str, object]) -> PhotoStandard:
    """`base` with the figures a central bundle names (field name -> value), checked: an
    unknown name or a value of the wrong kind is a ValueError naming it, and the result must
    still describe a photo (`validate`). The publisher and the kiosk apply the same rule."""
    known = {f.name: type(getattr(base, f.name)) for f in fields(PhotoStandard)}
    changes: dict[str, object] = {}
    for name, value in figures.items():
        kind = known.get(name)
        if kind is None:
            raise ValueError(f"photo.{name}: not a figure of the photo standard")
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is tuple and isinstance(value, list | tuple):
            value = tuple(tuple(c) for c in value)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"photo.{name}: expected {kind.__name__}")
        changes[name] = value
    return replace(base, **changes).validate()  # type: ignore[arg-type]
