"""Which CJK face the A4 forms are drawn with, named without loading the PDF library: fpdf2
and fontTools hold ~30 MB resident, so the kiosk loads them at its first A4 form only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FontFile:
    """The CJK face used for every text: a font file, and the face's index in a collection."""

    path: Path
    index: int = 0  # the face inside a .ttc collection (2 = SC in Noto Sans CJK)
