"""Choose the ID card reader by the URI in the machine's config (`devices.idcard`).

Only `sim://` exists so far; `ga467:///dev/ttyUSB0` and `ga467-usb://VID:PID` come with the real
adapter. An unknown scheme is refused by name, so a typo in kiosk.toml is found at start-up
rather than as a kiosk that silently never sees a card.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hardware.idcard.reader import IdCardReader

SUPPORTED_SCHEMES = ("sim",)


def open_idcard_reader(uri: str, sim_dir: Path) -> IdCardReader:
    """Open the reader named by `uri`; `sim_dir` is where the simulator keeps its card slot."""
    scheme = urlsplit(uri).scheme
    if scheme == "sim":
        from hardware.idcard.sim.reader import SimulatedReader

        return SimulatedReader(sim_dir)
    raise ValueError(
        f"unsupported ID card reader URI scheme {scheme!r} in {uri!r}; "
        f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}"
    )
