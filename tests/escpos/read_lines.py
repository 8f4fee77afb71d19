"""Find a line of text on a printed receipt by drawing it ourselves and matching it (OpenCV).

No OCR is available, so a test that must know what a login card says reads it this way: each
character of the expected line is drawn on its own with Pillow and the CJK font, then found on
the picture by normalised template matching, the first one at any size (18 to 100 px, plain or
emboldened by a one-pixel stroke), each next one just right of the one before on the same line
at that size. A line is found only if every character is there, in order, each matching well
and, for digits, better than every other digit would. So a missing line, a wrong or missing
digit, or another name is not found. Nothing here knows the receipt's layout or calls its
renderer. Gaps between characters (letter spacing) are allowed up to 0.45 of the size, at a
space up to the size, and the line must have blank paper before and after it, so a card with
a character more does not match either.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

MIN_SCORE = 0.8  # normalised correlation a character must reach where it is found
COARSE_SCORE = 0.7  # at half resolution, plain strokes, every other size: where to look closer
DIGIT_MARGIN = 0.03  # how much better the right digit must match than any other digit
SIZES = range(18, 101)
# Gaps, in font sizes: between two characters at most GAP (letter spacing included), at a
# space at most SPACE_GAP; before and after the line, EDGE of blank paper.
GAP, SPACE_GAP, EDGE = 0.45, 1.0, 0.4
DIGITS = "0123456789"

Array = NDArray[np.float32]


@dataclass(frozen=True)
class Found:
    """Where a line was found: its box on the picture, the size it matched at, the worst
    character's score."""

    x: int
    y: int
    w: int
    h: int
    size: int
    score: float


@lru_cache(maxsize=256)
def _font(font_path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path, size)


@lru_cache(maxsize=4096)
def _glyph(font_path: str, size: int, stroke: int, char: str) -> Array | None:
    """`char` drawn black on white in a box as tall as the font's line (so every character of
    a line shares its top), cropped to its ink left and right; 1 = ink. None if blank."""
    font = _font(font_path, size)
    ascent, descent = font.getmetrics()
    width = int(font.getlength(char)) + 2 * stroke + 8
    img = Image.new("L", (width, ascent + descent + 2 * stroke), 255)
    ImageDraw.Draw(img).text((4, stroke + ascent), char, font=font, fill=0, anchor="ls",
                             stroke_width=stroke, stroke_fill=0)
    ink = (np.asarray(img) < 128).astype(np.float32)
    columns = np.flatnonzero(ink.any(axis=0))
    if columns.size == 0:
        return None
    return np.ascontiguousarray(ink[:, columns[0]:columns[-1] + 1])


def _ink(picture: Image.Image) -> Array:
    return (np.asarray(picture.convert("L")) < 128).astype(np.float32)


def _match(area: Array, glyph: Array) -> tuple[float, int, int]:
    if area.shape[0] < glyph.shape[0] or area.shape[1] < glyph.shape[1]:
        return -1.0, 0, 0
    scores = cv2.matchTemplate(area, glyph, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(scores)
    return float(best), x, y


def _follow(ink: Array, chars: str, font: str, size: int, stroke: int, x: int, y: int,
            first: Array, first_score: float) -> Found | None:
    """The rest of the line after its first character at (x, y), or None. A space in `chars`
    allows a wider gap before the next character; the line must end where its last character
    does (no ink just after it), so a card with a character too many does not match."""
    height = first.shape[0]
    band = ink[max(0, y - 2):y + height + 2]
    right, worst, gap = x + first.shape[1], first_score, GAP
    for char in chars:
        if char == " ":
            gap = SPACE_GAP
            continue
        glyph = _glyph(font, size, stroke, char)
        if glyph is None:
            continue
        left = max(0, right - 2)
        area = band[:, left:right + int(gap * size) + glyph.shape[1] + 2]
        score, dx, dy = _match(area, glyph)
        if score < MIN_SCORE or dx > int(gap * size) + 2:
            return None
        if char in DIGITS:
            spot = area[dy:dy + height, dx:dx + glyph.shape[1] + size // 4]
            for other in DIGITS.replace(char, ""):
                rival = _glyph(font, size, stroke, other)
                if rival is not None and _match(spot, rival)[0] > score - DIGIT_MARGIN:
                    return None
        right, worst, gap = left + dx + glyph.shape[1], min(worst, score), GAP
    margin = int(EDGE * size)
    if band[:, max(0, x - margin):x].any() or band[:, right:right + margin].any():
        return None  # more of the line than was asked for: another line, or a character more
    return Found(x, y, right - x, height, size, worst)


def _peaks(scores: Array, shape: tuple[int, ...], least: float,
           most: int = 8) -> list[tuple[int, int]]:
    """The best places (y, x) scoring at least `least`, each at least half a character away
    from a better one (a match is a small hill of good scores, not one pixel)."""
    ys, xs = np.nonzero(scores >= least)
    order = np.argsort(-scores[ys, xs])
    chosen: list[tuple[int, int]] = []
    for i in order:
        y, x = int(ys[i]), int(xs[i])
        if all(abs(y - cy) > shape[0] // 2 or abs(x - cx) > shape[1] // 2 for cy, cx in chosen):
            chosen.append((y, x))
            if len(chosen) == most:
                break
    return chosen


def find_line(picture: Image.Image, line: str, font_path: Path) -> Found | None:
    """Where `line` is printed on `picture` (white paper, black ink), or None.

    The first character is looked for at half resolution, every other size (cheap), then
    checked at full resolution near each place it might be, at the sizes around it and with and
    without the stroke; the rest of the line is followed from each such place."""
    chars = " ".join(line.split())
    if not chars:
        raise ValueError("nothing to find")
    ink, font = _ink(picture), str(font_path)
    small = cv2.resize(ink, (ink.shape[1] // 2, ink.shape[0] // 2), interpolation=cv2.INTER_AREA)
    best: Found | None = None
    tried: set[tuple[int, int, int, int]] = set()
    for coarse in SIZES[::2]:
        first = _glyph(font, coarse, 0, chars[0])
        if first is None:
            raise ValueError(f"the font has no ink for {chars[0]!r}")
        half = cv2.resize(first, (max(1, first.shape[1] // 2), max(1, first.shape[0] // 2)),
                          interpolation=cv2.INTER_AREA)
        if half.shape[0] > small.shape[0] or half.shape[1] > small.shape[1]:
            continue
        scores = cv2.matchTemplate(small, half, cv2.TM_CCOEFF_NORMED)
        for cy, cx in _peaks(np.asarray(scores, np.float32), half.shape, COARSE_SCORE):
            # Two sizes either way: an emboldened glyph looks like a plain one a size or two
            # larger at half resolution.
            for size in range(max(SIZES[0], coarse - 2), min(SIZES[-1], coarse + 2) + 1):
                for stroke in (0, 1):
                    glyph = _glyph(font, size, stroke, chars[0])
                    assert glyph is not None
                    top, left = max(0, 2 * cy - 6), max(0, 2 * cx - 6)
                    if (size, stroke, top // 4, left // 4) in tried:
                        continue
                    tried.add((size, stroke, top // 4, left // 4))
                    area = ink[top:top + glyph.shape[0] + 12, left:left + glyph.shape[1] + 12]
                    score, dx, dy = _match(area, glyph)
                    if score < MIN_SCORE:
                        continue
                    found = _follow(ink, chars[1:], font, size, stroke, left + dx, top + dy,
                                    glyph, score)
                    if found is not None and (best is None or found.score > best.score):
                        best = found
    return best
