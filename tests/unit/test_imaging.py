"""The standard photo JPEG and the signature PNG."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from hardware.camera.sim import SimulatedCamera
from kiosk.core import photo_standard as ps
from kiosk.imaging import PhotoRefused, signature_png, standard_photo

LO, HI = 20 * 1024, 40 * 1000


def _q0(jpeg: bytes) -> int:
    """First luminance quantiser: 2 at quality 95, 13 at quality 60 (libjpeg's scaling)."""
    with Image.open(io.BytesIO(jpeg)) as im:
        return int(im.quantization[0][0])  # type: ignore[attr-defined]


def _assert_clean_jpeg(data: bytes) -> Image.Image:
    assert data[:2] == b"\xff\xd8"
    assert b"Exif" not in data[:4096] and b"ICC_PROFILE" not in data[:4096]
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and im.size == (480, 640) and im.mode == "RGB"
    assert not im.getexif()
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(im.info)
    return im


def test_simulated_frame_lands_in_range(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = SimulatedCamera(tmp_path, seed=7).render(0.5)
    data = standard_photo(frame)
    assert LO <= len(data) <= HI, len(data)
    im = _assert_clean_jpeg(data)
    assert im.info.get("dpi") == (300, 300)
    assert _q0(data) <= 13  # quality ≥ 60


@pytest.mark.parametrize("frame", [
    np.full((480, 640, 3), (100, 197, 255), dtype=np.uint8),  # an empty booth
    np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8),  # noise
])
def test_a_frame_without_a_face_is_refused_not_cropped(frame: np.ndarray) -> None:
    with pytest.raises(PhotoRefused) as info:
        standard_photo(frame)
    assert ps.NO_FACE in info.value.reasons


def test_bad_frame_refused() -> None:
    with pytest.raises(ValueError):
        standard_photo(np.zeros((480, 640), dtype=np.uint8))
    with pytest.raises(ValueError):
        standard_photo(np.zeros((480, 640, 3), dtype=np.float32))


def _png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.format == "PNG"
        return np.asarray(im.convert("L"))


def test_signature_png_draws_strokes_y_up_antialiased() -> None:
    wave = tuple((0.1 + 0.8 * i / 40, 0.8 - 0.05 * (i % 5), i * 0.02) for i in range(41))
    low = ((0.2, 0.1, 1.0), (0.8, 0.12, 1.2))
    arr = _png(signature_png([wave, low]))
    assert arr.shape == (300, 800)
    dark = arr < 100
    assert dark.any()
    rows = np.nonzero(dark.any(axis=1))[0]
    assert rows.min() < 90  # the y≈0.8 stroke is near the top (y points up)
    assert rows.max() > 240  # the y≈0.1 stroke near the bottom
    assert ((arr > 30) & (arr < 225)).sum() > 100  # antialiased edges, not stair steps
    assert arr[0, 0] == 255  # white paper


def test_signature_sizes_empty_and_single_tap() -> None:
    assert _png(signature_png([], width=400, height=150)).shape == (150, 400)
    assert _png(signature_png([])).min() == 255
    dot = _png(signature_png([((0.5, 0.5, 0.0),)]))
    assert (dot < 100).sum() > 3
    clamped = _png(signature_png([((-0.5, 2.0, 0.0), (1.5, -1.0, 0.1))]))
    assert (clamped < 100).any()
