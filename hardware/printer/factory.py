"""Choose the printer by the URI in the machine's config (`devices.printer`).

Only `sim://` exists so far; ESC/POS (`escpos-usb://VID:PID`, `escpos-tcp://host:9100`) comes
with the real adapter. Unknown schemes are refused by name.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hardware.printer.printer import Printer

SUPPORTED_SCHEMES = ("sim",)


def open_printer(uri: str, sim_dir: Path, font_path: Path) -> Printer:
    """Open the printer named by `uri`; `font_path` is a CJK font (see `kiosk.fonts`)."""
    scheme = urlsplit(uri).scheme
    if scheme == "sim":
        from hardware.printer.sim.printer import SimulatedPrinter

        return SimulatedPrinter(sim_dir, font_path)
    raise ValueError(
        f"unsupported printer URI scheme {scheme!r} in {uri!r}; "
        f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}"
    )
