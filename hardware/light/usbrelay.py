"""The common USB HID relay boards ("USBRelay1/2/4/8", VID:PID 16c0:05df) through pyusb.

They speak HID feature reports on endpoint 0: SET_REPORT (bmRequestType 0x21, bRequest 0x09,
wValue 0x0300 = feature report 0) with 8 bytes, `0xFF, channel` to close relay `channel`
(1-based) and `0xFD, channel` to open it. Talking pyusb rather than hidraw keeps the one USB
library the project already uses (the GA 467 readers) and needs only a udev rule for the group.
"""

from __future__ import annotations

from typing import Any

from hardware.light.light import LightError

VENDOR_ID = 0x16C0
PRODUCT_ID = 0x05DF
CMD_ON = 0xFF
CMD_OFF = 0xFD
_SET_REPORT = (0x21, 0x09, 0x0300, 0)  # bmRequestType, bRequest, wValue, wIndex


def relay_report(on: bool, channel: int) -> bytes:
    """The 8-byte feature report that switches `channel` (1-8)."""
    if not 1 <= channel <= 8:
        raise ValueError("relay channel must be 1-8")
    return bytes([CMD_ON if on else CMD_OFF, channel, 0, 0, 0, 0, 0, 0])


class UsbRelayLight:
    """`FillLight` on one channel of a USB HID relay board."""

    def __init__(self, channel: int = 1, *, vendor: int = VENDOR_ID, product: int = PRODUCT_ID,
                 device: Any = None) -> None:
        relay_report(True, channel)  # validates the channel
        self.channel = channel
        self.vendor, self.product = vendor, product
        self._dev = device  # tests pass a fake; otherwise found on first use

    def _device(self) -> Any:
        if self._dev is not None:
            return self._dev
        try:
            import usb.core
        except ImportError as exc:  # pragma: no cover - pyusb is a dependency
            raise LightError(detail=str(exc)) from None
        try:
            dev = usb.core.find(idVendor=self.vendor, idProduct=self.product)
        except usb.core.NoBackendError:
            raise LightError(detail="no libusb backend") from None
        if dev is None:
            raise LightError(detail=f"no relay {self.vendor:04x}:{self.product:04x}")
        try:
            if dev.is_kernel_driver_active(0):
                dev.detach_kernel_driver(0)  # usbhid claims it; feature reports need it free
        except (NotImplementedError, usb.core.USBError):
            pass  # not on every platform, and SET_REPORT often works regardless
        self._dev = dev
        return dev

    def set(self, on: bool) -> None:
        dev = self._device()
        try:
            dev.ctrl_transfer(*_SET_REPORT, relay_report(on, self.channel), timeout=500)
        except Exception as exc:  # usb.core.USBError, or the device vanished
            self._dev = None  # find it again next time (replugged)
            raise LightError(detail=str(exc)) from None

    def close(self) -> None:
        if self._dev is None:
            return
        try:
            self.set(False)
        finally:
            try:
                import usb.util

                usb.util.dispose_resources(self._dev)
            except Exception:  # noqa: BLE001 - closing must not raise over a dead device
                pass
            self._dev = None
