"""Choose the fill light by the URI in the machine's config (`devices.light`).

- `sim://`: the simulated light (state in `sim_dir/light-on`).
- `usbrelay://` or `usbrelay://16c0:05df?channel=1`: a USB HID relay board (usbrelay.py).
- `none://`: no light fitted.

The result is always a `GuardedLight`, so the kiosk never sees a light error as an exception.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from hardware.light.light import FillLight, GuardedLight


class NoLight:
    """`FillLight` for machines without one."""

    def set(self, on: bool) -> None:
        pass

    def close(self) -> None:
        pass


def open_light(uri: str, sim_dir: Path) -> GuardedLight:
    parts = urlsplit(uri)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    inner: FillLight
    if parts.scheme == "sim":
        from hardware.light.sim import SimulatedLight

        inner = SimulatedLight(sim_dir)
    elif parts.scheme == "none":
        inner = NoLight()
    elif parts.scheme == "usbrelay":
        from hardware.light.usbrelay import PRODUCT_ID, VENDOR_ID, UsbRelayLight

        unknown = set(query) - {"channel"}
        if unknown:
            raise ValueError(f"light URI {uri!r}: unknown parameter(s) {sorted(unknown)}")
        vendor, product = VENDOR_ID, PRODUCT_ID
        try:
            if parts.netloc:
                v, p = parts.netloc.split(":")
                vendor, product = int(v, 16), int(p, 16)
            channel = int(query.get("channel", 1))
        except ValueError:
            raise ValueError(f"light URI {uri!r}: expected usbrelay://VID:PID?channel=N") from None
        inner = UsbRelayLight(channel, vendor=vendor, product=product)
    else:
        raise ValueError(f"unsupported light URI scheme {parts.scheme!r} in {uri!r}; "
                         "supported: sim://, usbrelay://, none://")
    return GuardedLight(inner)
