"""Per-frame photo analysis: find the face, measure it, and let core judge it against the standard.

Runs on every preview frame (30 fps leaves 33 ms; the goal is ≤ 8 ms on the kiosk's 2 cores),
so detection works on a 320-px-wide grey copy and the eye search and sharpness on a face crop
normalised to a fixed width: the cost does not grow with the camera's resolution, and the
sharpness figure does not depend on how close the candidate sits.

Faces come from the Haar cascades that opencv-python 4.x ships in `cv2.data` (hence `<5` in
pyproject). A technician may install a YuNet model (`cv2.FaceDetectorYN`) and name it in
`[photo] detector_model`; it then replaces the face cascade, and its eye landmarks replace the
eye cascade.

Nothing here logs or keeps pixels: an `Analysis` holds numbers and boxes only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import cv2.data
import numpy as np
import numpy.typing as npt

from kiosk.core import photo_standard as ps
from kiosk.core.photo_geometry import (
    Box,
    FaceGeometry,
    Placement,
    guide_box,
    guide_reasons,
    place,
)
from kiosk.core.photo_standard import PhotoStandard, Verdict
from kiosk.core.texts import guidance_text

if TYPE_CHECKING:
    # What OpenCV's functions return: the frame's grey and shrunk copies (uint8) are these.
    from cv2.typing import MatLike

# Detection at 256 px wide, a 1.25 scale step and faces from 32 px (80 px in a 640-wide frame,
# well under the guide's 135): measured at 4-6 ms per frame here, against 14 ms at 320/1.15.
WORK_WIDTH = 256
FACE_SCALE_STEP = 1.25
MIN_FACE_WORK_PX = 32  # smallest face searched for, at WORK_WIDTH (so "move closer" can be said)
FACE_NORM_WIDTH = 128  # face crop width for the sharpness figure
EYE_NORM_WIDTH = 112  # upper-face crop width for the eye search
EYE_SCALE_STEP = 1.2  # with eyes 14-40 px at that width: ~1.9 ms here, against 3.6 at 1.15
OTHER_FACE_RATIO = 0.45  # a second face this large relative to the first counts as a person


@dataclass(frozen=True)
class Analysis:
    """The measurements of one frame and the two verdicts drawn from them.

    `verdict` is for live guidance (the face must sit in the on-screen guide); `photo_verdict`
    is for the standard photo (the face must be croppable to the standard's geometry). Both
    share the light, sharpness, eyes, background and face-count reasons.
    """

    verdict: Verdict
    photo_verdict: Verdict
    frame_size: tuple[int, int]  # width, height
    faces: tuple[Box, ...] = ()
    face: Box | None = None
    eyes: tuple[tuple[float, float], ...] = ()
    geometry: FaceGeometry | None = None
    placement: Placement | None = None
    brightness: float = 0.0
    sharpness: float = 0.0
    background_rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)
    background_std: float = 0.0
    hair_measured: bool = False
    elapsed_ms: float = 0.0
    details: dict[str, float] = field(default_factory=dict)
    # The standard judged against, so a photo cut from this analysis uses the same figures.
    standard: PhotoStandard = field(default_factory=PhotoStandard, repr=False)

    def as_dict(self) -> dict[str, object]:
        """Numbers for `kioskctl` and bench output; no pixels."""
        out: dict[str, object] = {
            "ok": self.verdict.ok,
            "reasons": list(self.verdict.reasons),
            "photo_ok": self.photo_verdict.ok,
            "photo_reasons": list(self.photo_verdict.reasons),
            "guidance": guidance_text(self.verdict.guidance_code),
            "faces": len(self.faces),
            "brightness": round(self.brightness, 1),
            "sharpness": round(self.sharpness, 1),
            "background_rgb": [round(c) for c in self.background_rgb],
            "background_std": round(self.background_std, 1),
            "elapsed_ms": round(self.elapsed_ms, 2),
        }
        if self.placement is not None:
            out["photo_geometry"] = {
                "eyes_y": round(self.placement.eyes_y),
                "hair_top": round(self.placement.hair_top),
                "face_width": round(self.placement.face_width),
            }
        return out


def _cascade(name: str) -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / name
    clf = cv2.CascadeClassifier(str(path))
    if clf.empty():
        raise RuntimeError(f"OpenCV cascade {name} missing (opencv-python 4.x ships it)")
    return clf


class FaceAnalyser:
    """Analyses RGB frames against a `PhotoStandard`. One per thread: cascades are not shared."""

    def __init__(self, standard: PhotoStandard | None = None, detector_model: str = "") -> None:
        self.standard = (standard or PhotoStandard()).validate()
        self._faces = _cascade("haarcascade_frontalface_default.xml")
        self._eyes = _cascade("haarcascade_eye.xml")
        self._yunet = None
        if detector_model:
            if not Path(detector_model).is_file():
                raise ValueError(f"photo.detector_model: no file at {detector_model}")
            self._yunet = cv2.FaceDetectorYN.create(detector_model, "", (WORK_WIDTH, 240), 0.8)

    # -- detection -----------------------------------------------------------------------

    def _detect(self, small: MatLike, grey: MatLike
                ) -> tuple[list[Box], list[tuple[float, float]] | None]:
        """Faces in `small` coordinates, largest first; eye landmarks when the detector has them."""
        if self._yunet is not None:
            h, w = small.shape[:2]
            self._yunet.setInputSize((w, h))
            bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
            _, rows = self._yunet.detect(bgr)
            if rows is None:
                return [], None
            ranked = sorted(rows, key=lambda r: -r[2] * r[3])
            boxes = [Box(float(r[0]), float(r[1]), float(r[2]), float(r[3])) for r in ranked]
            r = ranked[0]
            return boxes, [(float(r[4]), float(r[5])), (float(r[6]), float(r[7]))]
        found = self._faces.detectMultiScale(
            grey, scaleFactor=FACE_SCALE_STEP, minNeighbors=4,
            minSize=(MIN_FACE_WORK_PX, MIN_FACE_WORK_PX),
        )
        boxes = [Box(float(x), float(y), float(w), float(h)) for x, y, w, h in found]
        boxes.sort(key=lambda b: -b.w * b.h)
        return boxes, None

    def _eyes_in(self, grey_full: MatLike, face: Box) -> list[tuple[float, float]]:
        """Both eye centres (frame px) from the upper part of the face, or [] if not both."""
        x0, y0 = max(int(face.x), 0), max(int(face.y + 0.15 * face.h), 0)
        x1, y1 = int(face.right), int(face.y + 0.6 * face.h)
        roi = grey_full[y0:y1, x0:x1]
        if roi.size == 0:
            return []
        k = EYE_NORM_WIDTH / roi.shape[1]
        roi = cv2.resize(roi, (EYE_NORM_WIDTH, max(1, round(roi.shape[0] * k))),
                         interpolation=cv2.INTER_AREA)
        found = self._eyes.detectMultiScale(roi, scaleFactor=EYE_SCALE_STEP, minNeighbors=3,
                                            minSize=(14, 14), maxSize=(40, 40))
        mid = EYE_NORM_WIDTH / 2
        left = [e for e in found if e[0] + e[2] / 2 < mid]
        right = [e for e in found if e[0] + e[2] / 2 >= mid]
        if not left or not right:
            return []
        out = []
        for side in (left, right):
            ex, ey, ew, eh = max(side, key=lambda e: e[2] * e[3])
            out.append((x0 + (ex + ew / 2) / k, y0 + (ey + eh / 2) / k))
        return out

    # -- the frame -----------------------------------------------------------------------

    def analyse(self, image: npt.NDArray[np.uint8]) -> Analysis:
        """Measure one H×W×3 uint8 RGB frame and judge it (live guidance and photo)."""
        t0 = time.perf_counter()
        std = self.standard
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            bad = Verdict((ps.BAD_IMAGE,))
            return Analysis(bad, bad, (0, 0), standard=std)
        fh, fw = image.shape[:2]
        k = WORK_WIDTH / fw
        size = (WORK_WIDTH, max(1, round(fh * k)))
        # Grey first, then one channel shrunk with area averaging (what the detector sees);
        # the colour copy only feeds means (background, hair), so nearest-neighbour will do.
        grey_full = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        grey_small = cv2.resize(grey_full, size, interpolation=cv2.INTER_AREA)
        small = cv2.resize(image, size, interpolation=cv2.INTER_NEAREST)
        boxes_small, landmarks = self._detect(small, grey_small)
        faces = tuple(Box(b.x / k, b.y / k, b.w / k, b.h / k) for b in boxes_small)

        def done(reasons: list[str], **kw: object) -> Analysis:
            v = Verdict(ps.sort_reasons(reasons))
            return Analysis(v, v, (fw, fh), faces=faces, standard=std,
                            elapsed_ms=(time.perf_counter() - t0) * 1000, **kw)  # type: ignore[arg-type]

        if not faces:
            return done([ps.NO_FACE])
        face = faces[0]
        common: list[str] = []
        if any(f.w >= OTHER_FACE_RATIO * face.w for f in faces[1:]):
            common.append(ps.MANY_FACES)

        if landmarks is not None:
            eyes = [(x / k, y / k) for x, y in landmarks]
        else:
            eyes = self._eyes_in(grey_full, face)
        if len(eyes) < 2:
            common.append(ps.EYES_NOT_FOUND)
            eyes_y = face.y + std.eyes_below_box_top * face.h
        else:
            eyes_y = (eyes[0][1] + eyes[1][1]) / 2

        # Light and sharpness on the inner face (forehead to mouth, cheek to cheek).
        ix0, iy0 = int(max(face.x + 0.15 * face.w, 0)), int(max(face.y + 0.1 * face.h, 0))
        ix1 = int(min(face.right - 0.15 * face.w, fw))
        iy1 = int(min(face.bottom - 0.1 * face.h, fh))
        inner = grey_full[iy0:iy1, ix0:ix1]
        brightness = float(inner.mean()) if inner.size else 0.0
        sharpness = 0.0
        if inner.size:
            kk = FACE_NORM_WIDTH / inner.shape[1]
            norm = cv2.resize(inner, (FACE_NORM_WIDTH, max(1, round(inner.shape[0] * kk))),
                              interpolation=cv2.INTER_AREA if kk < 1 else cv2.INTER_LINEAR)
            # Scaled to a mid-grey face: Laplacian variance grows with contrast squared.
            sharpness = float(cv2.Laplacian(norm, cv2.CV_32F).var()) * (
                128.0 / max(brightness, 8.0)) ** 2
        common += ps.exposure_reasons(brightness, sharpness, std)

        # Background: beside the head down to the eyes, and above the hair, inside the guide.
        bg_rgb, bg_std, sample_ok = self._background(small, grey_small, face, eyes_y, k, std)
        if sample_ok:
            common += ps.background_reasons(bg_rgb, bg_std, std)
        hair_top, measured = self._hair_top(small, face, eyes_y, k, bg_rgb,
                                            sample_ok and bg_std <= std.background_max_std)
        geometry = FaceGeometry(face.cx, eyes_y, hair_top, face.w * std.face_width_per_box)
        placement = place(geometry, std, fw, fh)
        live = common + list(guide_reasons(geometry, std, fw, fh))
        photo = common + list(placement.reasons)
        return Analysis(
            Verdict(ps.sort_reasons(live)), Verdict(ps.sort_reasons(photo)), (fw, fh),
            faces=faces, face=face, eyes=tuple(eyes), geometry=geometry, placement=placement,
            brightness=brightness, sharpness=sharpness, background_rgb=bg_rgb,
            background_std=bg_std, hair_measured=measured,
            elapsed_ms=(time.perf_counter() - t0) * 1000, standard=std,
        )

    def _background(self, small: MatLike, grey: MatLike, face: Box, eyes_y: float, k: float,
                    std: PhotoStandard) -> tuple[tuple[float, float, float], float, bool]:
        """Mean colour and grey spread of the background around the head (at WORK_WIDTH)."""
        h, w = grey.shape
        g = guide_box(std, w, h)
        fx0, fx1 = (face.x - 0.35 * face.w) * k, (face.right + 0.35 * face.w) * k
        top = int(max(g.y, 0))
        eyes = int(min(max(eyes_y * k, 0), h))
        above = int(min(max((face.y - 0.8 * face.h) * k, 0), h))
        gx0, gx1 = int(max(g.x, 0)), int(min(g.right, w))
        mask = np.zeros((h, w), dtype=bool)
        mask[top:eyes, gx0:max(gx0, int(fx0))] = True  # beside the head, frame-left
        mask[top:eyes, min(gx1, max(int(fx1), 0)):gx1] = True  # beside the head, frame-right
        mask[top:above, max(int(fx0), gx0):min(int(fx1), gx1)] = True  # above the hair
        n = int(mask.sum())
        if n < 50:  # head fills the guide: nothing to judge (the size reason says why)
            return (0.0, 0.0, 0.0), 0.0, False
        rgb = small[mask].astype(np.float32)
        mean = rgb.mean(axis=0)
        return (float(mean[0]), float(mean[1]), float(mean[2])), float(grey[mask].std()), True

    def _hair_top(self, small: MatLike, face: Box, eyes_y: float, k: float,
                  bg_rgb: tuple[float, float, float], background_even: bool
                  ) -> tuple[float, bool]:
        """Top of the hair, frame px: measured against an even background, else estimated.

        Scanning up the centre band from the face box, the hair ends at the first rows whose
        colour is the background's again. Against a busy background that is meaningless, so
        the proportion `hair_above_eyes` of the face box is used instead.
        """
        estimate = eyes_y - self.standard.hair_above_eyes * face.h
        if not background_even:
            return estimate, False
        x0 = int(max((face.cx - 0.25 * face.w) * k, 0))
        x1 = int(min((face.cx + 0.25 * face.w) * k, small.shape[1]))
        y_start = int(min(face.y * k, small.shape[0] - 1))
        if x1 <= x0 or y_start <= 0:
            return estimate, False
        band = small[:y_start, x0:x1].astype(np.float32)
        dist = np.sqrt(((band - np.asarray(bg_rgb, np.float32)) ** 2).sum(axis=2))
        head_rows = (dist > 40).mean(axis=1) > 0.15  # rows still crossing hair
        y = y_start - 1
        while y >= 0 and head_rows[y]:
            y -= 1
        if y < 0:
            return estimate, False  # hair runs off the top of the frame
        return (y + 1) / k, True
