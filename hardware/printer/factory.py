"""Choose the printer by the URI in the machine's config (`devices.printer`).

`sim://` is the simulator; `escpos-tcp://HOST:9100`, `escpos-usb://VID:PID` and
`escpos-serial:///dev/ttyS0` are real receipt printers (see `escpos/uri.py` for the
parameters). Unknown schemes are refused by name.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hardware.printer.printer import Printer

SUPPORTED_SCHEMES = ("sim", "escpos-tcp", "escpos-usb", "escpos-serial")


def open_printer(uri: str, sim_dir: Path, font_path: Path) -> Printer:
    """Open the printer named by `uri`; `font_path` is a CJK font (see `kiosk.fonts`)."""
    scheme = urlsplit(uri).scheme
    if scheme == "sim":
        from hardware.printer.sim.printer import SimulatedPrinter

        return SimulatedPrinter(sim_dir, font_path)
    if scheme in SUPPORTED_SCHEMES:
        from hardware.printer.escpos.adapter import EscposPrinter

        return EscposPrinter(uri, font_path)  # ValueError from the URI says what is wrong
    raise ValueError(
        f"unsupported printer URI scheme {scheme!r} in {uri!r}; "
        f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}"
    )
