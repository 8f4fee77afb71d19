"""Real-face test frames built from scikit-image's `data.astronaut()` (Eileen Collins, NASA).

The portrait's studio backdrop is a mottled beige that no photo standard allows, so the person
is cut out once with GrabCut and laid on the standard's light blue; each fixture then places
that face where a camera would see it (640×480): well placed, shifted, too small, too large,
darkened, blurred, over a busy background, two people, nobody.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
from skimage import data

Image = npt.NDArray[np.uint8]
BLUE = (100, 197, 255)
# In the 512×512 original: the Haar face box is (177, 66, 95, 95), the eyes are at y≈100.
FACE_CX, FACE_W, EYES_Y = 224.5, 95.0, 100.0


@lru_cache(maxsize=1)
def astronaut() -> Image:
    return data.astronaut()


@lru_cache(maxsize=1)
def person_mask() -> npt.NDArray[np.bool_]:
    """Where the person is in the original (GrabCut, seeded for repeatable runs)."""
    img = astronaut()
    mask = np.zeros(img.shape[:2], np.uint8)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(1)
    cv2.grabCut(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), mask, (105, 5, 270, 507), bgd, fgd, 5,
                cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def on_background(background: Image | tuple[int, int, int] = BLUE) -> Image:
    """The person over `background` (a colour, or an image resized to 512×512)."""
    img = astronaut()
    if isinstance(background, tuple):
        back = np.empty_like(img)
        back[:] = background
    else:
        back = cv2.resize(background, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
    out = back.copy()
    m = person_mask()
    out[m] = img[m]
    return out


def place(src: Image, *, face_w: float = 170, cx: float = 320, eyes_y: float = 214,
          size: tuple[int, int] = (640, 480), fill: tuple[int, int, int] = BLUE,
          into: Image | None = None) -> Image:
    """`src` (laid out as the original) scaled and moved so the face is face_w px wide, centred
    at cx with the eyes at eyes_y, on `fill`; or only the person, drawn over `into`."""
    s = face_w / FACE_W
    m = np.float32([[s, 0, cx - FACE_CX * s], [0, s, eyes_y - EYES_Y * s]])
    out = cv2.warpAffine(src, m, size, flags=cv2.INTER_AREA,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    if into is None:
        return out
    mask = cv2.warpAffine(person_mask().astype(np.uint8), m, size, flags=cv2.INTER_NEAREST)
    merged = into.copy()
    merged[mask > 0] = out[mask > 0]
    return merged


def busy_scene() -> Image:
    """A real, busy scene (scikit-image's coffee photo) as the backdrop."""
    return data.coffee()


def well_placed() -> Image:
    return place(on_background())


def fixtures() -> dict[str, Image]:
    well = well_placed()
    two = place(on_background(), face_w=130, cx=170, eyes_y=200)
    two = place(on_background(), face_w=130, cx=470, eyes_y=200, into=two)
    return {
        "well": well,
        "shifted": place(on_background(), cx=190),
        "too_small": place(on_background(), face_w=110),
        "too_large": place(on_background(), face_w=300, eyes_y=240),
        "dark": (well.astype(np.float32) * 0.3).astype(np.uint8),
        "blurred": cv2.GaussianBlur(well, (0, 0), 3),
        "busy": place(on_background(busy_scene())),
        "two_faces": two,
        "no_face": cv2.resize(busy_scene(), (640, 480), interpolation=cv2.INTER_AREA),
    }
