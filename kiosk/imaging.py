"""The two images a record carries: the standard candidate photo and the signature.

The photo follows the published standard (see /work/shared/reference/photo-standard.md):
480×640, JPEG quality never below 60, normally 20-40 KB, nothing added and no metadata. The
photo is cropped around the detected face to the standard's geometry, and refused with reasons
(`PhotoRefused`) rather than emitted when it cannot meet it. The signature is a PNG of the
strokes as drawn, for people to look at; the strokes themselves go in the record for any later
verification.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event
from kiosk.core.photo_standard import FILE_SIZE, NO_FACE, PhotoStandard

if TYPE_CHECKING:
    from hardware.camera.analysis import Analysis, FaceAnalyser

log = logging.getLogger(__name__)

PHOTO_DPI = 300  # the standard's figure, written in the JFIF header (not EXIF)
QUALITY_STEPS = (95, 92, 90, 88, 85, 82, 80, 77, 75, 72, 70, 67, 65, 62, 60)


class PhotoRefused(ValueError):
    """The frame cannot give a photo that meets the standard; `reasons` are the core codes
    (kiosk.core.photo_standard) so the UI can say what to change."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("photo refused: " + ", ".join(self.reasons))


def _jpeg(img: Image.Image, quality: int, dpi: int = PHOTO_DPI) -> bytes:
    buf = io.BytesIO()
    # No exif=, icc_profile= or comment=: Pillow then writes only the JFIF header. Baseline,
    # 4:2:0, so every checker and browser decodes it.
    img.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), subsampling="4:2:0")
    return buf.getvalue()


def _face_photo(
    frame: npt.NDArray[np.uint8],
    std: PhotoStandard,
    analyser: FaceAnalyser | None,
    analysis: Analysis | None,
) -> bytes:
    """The standard photo cropped around the face, or `PhotoRefused` with the reasons."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError("frame must be an H×W×3 uint8 RGB array")
    if analysis is None:
        if analyser is None:
            from hardware.camera.analysis import FaceAnalyser

            analyser = FaceAnalyser(std)
        analysis = analyser.analyse(frame)
    verdict = analysis.photo_verdict
    if not verdict.ok or analysis.placement is None:
        raise PhotoRefused(verdict.reasons or (NO_FACE,))
    c = analysis.placement.crop
    fh, fw = frame.shape[:2]
    # Clamp half-pixel rounding at the frame edges; `place` refused anything really outside.
    x0, y0 = max(c.x, 0.0), max(c.y, 0.0)
    x1, y1 = min(x0 + c.w, float(fw)), min(y0 + c.h, float(fh))
    img = Image.fromarray(np.ascontiguousarray(frame), "RGB").resize(
        (std.width, std.height), Image.Resampling.LANCZOS, box=(x0, y0, x1, y1)
    )
    lo, hi = std.min_bytes, std.max_bytes
    steps = [q for q in QUALITY_STEPS if q >= std.min_quality] or [std.min_quality]
    data, quality = b"", steps[0]
    for quality in steps:
        data = _jpeg(img, quality, std.dpi)
        if len(data) <= hi:
            if len(data) < lo:
                break  # the best quality under the maximum is already under the minimum
            log_event(log, LogEvent.PHOTO_MADE, size=len(data), quality=quality)
            return data
    log_event(log, LogEvent.PHOTO_SIZE_REFUSED, level=logging.WARNING,
              size=len(data), quality=quality)
    raise PhotoRefused((FILE_SIZE,))


def standard_photo(
    frame: npt.NDArray[np.uint8],
    *,
    standard: PhotoStandard | None = None,
    analyser: FaceAnalyser | None = None,
    analysis: Analysis | None = None,
) -> bytes:
    """The candidate photo: JPEG of the standard's size, in the size range, no metadata.

    The crop is placed around the detected face so that hair top, eye line and face width land
    in the standard's bands, the quality steps down from 95 to the standard's floor until the
    file is in the size range, and a frame that cannot make such a photo raises
    `PhotoRefused(reasons)`: nothing that fails the standard leaves this function. The range
    is checked against both readings of "KB" (at least min_kb×1024 bytes, at most
    max_kb×1000), so the file passes whichever one a checker uses; files are never padded.

    The standard is `standard`, else the `analyser`'s, else the one `analysis` was judged
    against, else the published defaults. `analysis` (of this very frame) saves analysing it
    again: the photo screen cuts the photo from the frame its live verdict describes.
    """
    if standard is not None:
        std = standard
    elif analyser is not None:
        std = analyser.standard
    else:
        std = analysis.standard if analysis is not None else PhotoStandard()
    return _face_photo(frame, std, analyser, analysis)


Stroke = Sequence[tuple[float, float, float]]


def _cr(a: float, b: float, c: float, d: float, t: float) -> float:
    """One coordinate of the Catmull-Rom segment from b to c (a and d are its neighbours)."""
    return 0.5 * (
        2 * b
        + (c - a) * t
        + (2 * a - 5 * b + 4 * c - d) * t * t
        + (3 * b - a - 3 * c + d) * t * t * t
    )


def _catmull_rom(points: list[tuple[float, float]], per_segment: int) -> list[tuple[float, float]]:
    """A smooth curve through `points` (touch samples are sparse at speed; straight segments
    between them look like a polygon, not handwriting)."""
    if len(points) < 3:
        return points
    ext = [points[0], *points, points[-1]]
    out: list[tuple[float, float]] = []
    for i in range(1, len(ext) - 2):
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = ext[i - 1 : i + 3]
        n = max(1, min(per_segment, int(math.dist((bx, by), (cx, cy)) / 2)))
        for k in range(n):
            t = k / n
            out.append((_cr(ax, bx, cx, dx, t), _cr(ay, by, cy, dy, t)))
    out.append(points[-1])
    return out


def signature_png(
    strokes: Sequence[Stroke],
    width: int = 800,
    height: int = 300,
    *,
    line_px: float = 3.5,
) -> bytes:
    """The signature as a greyscale PNG: dark, smooth, antialiased lines on white.

    `strokes` are as in `kiosk.core.record.Signature`: (x, y, t) with x, y in 0..1 of the pad
    and y pointing up. Drawn at 4× and downsampled, which antialiases without a dependency.
    An empty signature gives a blank image: whether that is acceptable is core's decision.
    """
    ss = 4
    w, h = width * ss, height * ss
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    pen = max(1, round(line_px * ss))
    r = pen / 2
    ink = 24
    for stroke in strokes:
        pts = [
            (min(max(x, 0.0), 1.0) * (w - 1), (1.0 - min(max(y, 0.0), 1.0)) * (h - 1))
            for x, y, _t in stroke
        ]
        if not pts:
            continue
        curve = _catmull_rom(pts, per_segment=12)
        if len(curve) > 1:
            d.line(curve, fill=ink, width=pen, joint="curve")
        for x, y in (curve[0], curve[-1]):  # round caps (and a dot for a single tap)
            d.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    img = img.resize((width, height), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()
