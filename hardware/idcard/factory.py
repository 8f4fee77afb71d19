"""Choose the ID card reader by the URI in the machine's config (`devices.idcard`).

- `sim://`: the file-slot simulator (unit tests, quick demos);
- `ga467:///dev/ttyUSB0?baud=115200&timeout=1&read_timeout=3`: GA 467 over a serial port (a
  real reader, or the pty simulator `hardware.idcard.sim.ga467_sim`);
- `ga467-usb://0400:c35a?mode=sam_pipe&out=0x02&in=0x81&out2=0x06&in2=0x85`: GA 467 over USB.

An unknown scheme is refused by name, so a typo in kiosk.toml is found at start-up rather than
as a kiosk that silently never sees a card. Ports are opened lazily, so a reader that is
unplugged at start-up is reported by the watcher (and recovers) instead of stopping the kiosk.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hardware.idcard.reader import IdCardReader

SUPPORTED_SCHEMES = ("sim", "ga467", "ga467-usb")


def open_idcard_reader(uri: str, sim_dir: Path) -> IdCardReader:
    """Open the reader named by `uri`; `sim_dir` is where the simulator keeps its card slot."""
    scheme = urlsplit(uri).scheme
    if scheme == "sim":
        from hardware.idcard.sim.reader import SimulatedReader

        return SimulatedReader(sim_dir)
    if scheme in ("ga467", "ga467-usb"):
        from hardware.idcard.ga467.reader import Ga467Reader

        if scheme == "ga467":
            from hardware.idcard.transports.serial import SerialTransport

            transport, options = SerialTransport.from_uri(uri)
        else:
            from hardware.idcard.transports.usb import UsbTransport

            transport, options = UsbTransport.from_uri(uri)  # type: ignore[assignment]
        return Ga467Reader(transport, timeout_s=options["timeout"],
                           read_timeout_s=options["read_timeout"])
    raise ValueError(
        f"unsupported ID card reader URI scheme {scheme!r} in {uri!r}; "
        f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}"
    )
