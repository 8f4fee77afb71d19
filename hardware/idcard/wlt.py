"""The chip photo decoder hook: the vendor's licensed WLT library, loaded with ctypes.

The 1024-byte chip photo is in a proprietary compressed format with no open decoder. A
technician installs the vendor's library (e.g. libwlt2bmp.so) and names it in the config
(`[devices] wlt_library = "/opt/vendor/libwlt2bmp.so"`); without it the kiosk keeps the raw
bytes and shows no chip photo. The call is `int unpack(char *src, char *dst, int bmpSave)`,
returning 1 on success with `dst` holding either a BMP file or raw 24-bit BGR pixels, rows
bottom-up as in a BMP (some libraries write top-down: `bottom_up=False`).
"""

from __future__ import annotations

import ctypes
import io
import logging
from pathlib import Path

from PIL import Image

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 102, 126
RAW_LEN = WIDTH * HEIGHT * 3  # 38556
_ROW_PADDED = (WIDTH * 3 + 3) // 4 * 4  # 308: BMP rows are padded to 4 bytes
DST_LEN = 54 + _ROW_PADDED * HEIGHT  # 38862: room for a whole BMP file, what vendors allocate
SRC_LEN = 1024


class WltDecoder:
    """One loaded library. `decode` never raises: a photo that does not decode is None."""

    def __init__(self, library: Path, *, bottom_up: bool = True) -> None:
        self.library = Path(library)
        self.bottom_up = bottom_up
        lib = ctypes.CDLL(str(self.library))
        self._unpack = lib.unpack
        self._unpack.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        self._unpack.restype = ctypes.c_int

    def decode(self, wlt: bytes) -> Image.Image | None:
        """A 102x126 RGB image from the chip photo bytes, or None."""
        if len(wlt) != SRC_LEN:
            return None
        src = ctypes.create_string_buffer(wlt, SRC_LEN)
        dst = ctypes.create_string_buffer(DST_LEN)
        result = self._unpack(src, dst, 0)
        if result != 1:
            log_event(log, LogEvent.IDCARD_WLT_DECODE_FAILED, level=logging.WARNING, result=result)
            return None
        return pixels_to_image(dst.raw, bottom_up=self.bottom_up)


def pixels_to_image(out: bytes, *, bottom_up: bool = True) -> Image.Image | None:
    """The decoder's output buffer as an RGB image: a BMP file, or raw BGR rows."""
    if out[:2] == b"BM":
        try:
            with Image.open(io.BytesIO(out)) as bmp:  # Pillow handles row order and padding
                image = bmp.convert("RGB")
        except (OSError, ValueError):
            return None
        return image if image.size == (WIDTH, HEIGHT) else None
    if len(out) < RAW_LEN:
        return None
    image = Image.frombytes("RGB", (WIDTH, HEIGHT), out[:RAW_LEN], "raw", "BGR")
    return image.transpose(Image.Transpose.FLIP_TOP_BOTTOM) if bottom_up else image


def load_decoder(library: str | Path | None) -> WltDecoder | None:
    """The configured decoder, or None when none is configured or it cannot be loaded (the
    kiosk then works without chip photos; the reason is logged for the technician)."""
    if not library:
        return None
    try:
        return WltDecoder(Path(library))
    except (OSError, AttributeError) as exc:
        log_event(log, LogEvent.IDCARD_WLT_UNAVAILABLE, level=logging.WARNING,
                  error_type=type(exc).__name__)
        return None


def decode_chip_photo(wlt: bytes | None, library: str | Path | None) -> Image.Image | None:
    """One-shot helper: the image for `wlt`, None without photo or library."""
    if not wlt:
        return None
    decoder = load_decoder(library)
    return decoder.decode(wlt) if decoder is not None else None
