"""Read the QR codes on a printed picture with zbarimg (Debian zbar-tools), as a phone would."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image


def read_qr_codes(image: Image.Image) -> list[str]:
    """The text of every QR code zbarimg finds (none: an empty list)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        raise RuntimeError("zbarimg is missing: scripts/setup.sh installs zbar-tools")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "receipt.png"
        image.convert("L").save(path)
        done = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                               str(path)], capture_output=True, text=True, timeout=30)
    if done.returncode not in (0, 4):  # 4: no symbol found
        raise RuntimeError(f"zbarimg failed with exit code {done.returncode}")
    return [line for line in done.stdout.splitlines() if line]
