"""GA 467 over raw USB with pyusb: `ga467-usb://0400:c35a?mode=sam_pipe` (or `mode=chunked`).

Two variants exist in readers sold today:
- `sam_pipe` (VID 0x0400 PID 0xC35A and clones): the host writes preamble+LEN on one bulk OUT
  endpoint (`out=0x02`) and CMD..CHK on another (`out2=0x06`); it reads preamble+LEN on `in=0x81`
  and SW..CHK on `in2=0x85`.
- `chunked`: one bulk/interrupt endpoint each way (`out`, `in`), frames cut in 64-byte packets.
IDs and endpoints vary by vendor, so every one of them is a URI option.

The pyusb device is found lazily and dropped after an error, so a replugged reader recovers.
Tests hand in a fake device with pyusb's `write(ep, data, timeout)`/`read(ep, size, timeout)`.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from hardware.idcard.ga467.errors import ReaderTimeoutError, TransportError
from hardware.idcard.ga467.frames import HEADER_LEN, read_frame
from hardware.idcard.transports.base import query_float, query_int

MODES = ("sam_pipe", "chunked")
PACKET = 64


def _is_timeout(exc: BaseException) -> bool:
    import usb.core

    return isinstance(exc, usb.core.USBTimeoutError) or (
        isinstance(exc, usb.core.USBError) and getattr(exc, "errno", None) == 110
    )


class UsbTransport:
    def __init__(self, vid: int, pid: int, *, mode: str = "sam_pipe", ep_out: int = 0x02,
                 ep_in: int = 0x81, ep_out2: int = 0x06, ep_in2: int = 0x85,
                 interface: int = 0, device: Any = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode: {mode!r} not one of {MODES}")
        self.vid, self.pid, self.mode = vid, pid, mode
        self.ep_out, self.ep_in, self.ep_out2, self.ep_in2 = ep_out, ep_in, ep_out2, ep_in2
        self.interface = interface
        self.description = f"usb {vid:04x}:{pid:04x} ({mode})"
        self._device = device
        self._injected = device is not None
        self._pending = bytearray()

    @classmethod
    def from_uri(cls, uri: str) -> tuple[UsbTransport, dict[str, float]]:
        parts = urlsplit(uri)
        try:
            vid_text, pid_text = parts.netloc.split(":")
            vid, pid = int(vid_text, 16), int(pid_text, 16)
        except ValueError:
            raise ValueError(f"expected ga467-usb://VID:PID (hex) in {uri!r}") from None
        q = parts.query
        mode = dict(p.split("=", 1) for p in q.split("&") if "=" in p).get("mode", "sam_pipe")
        transport = cls(
            vid, pid, mode=mode,
            ep_out=query_int(q, "out", 0x02), ep_in=query_int(q, "in", 0x81),
            ep_out2=query_int(q, "out2", 0x06), ep_in2=query_int(q, "in2", 0x85),
            interface=query_int(q, "interface", 0),
        )
        options = {
            "timeout": query_float(q, "timeout", 1.0),
            "read_timeout": query_float(q, "read_timeout", 3.0),
        }
        return transport, options

    def _dev(self) -> Any:
        if self._device is None:
            try:
                import usb.core
                import usb.util

                dev = usb.core.find(idVendor=self.vid, idProduct=self.pid)
                if dev is None:
                    raise TransportError(f"no USB device {self.vid:04x}:{self.pid:04x}")
                try:
                    if dev.is_kernel_driver_active(self.interface):
                        dev.detach_kernel_driver(self.interface)
                except (NotImplementedError, usb.core.USBError):
                    pass
                dev.set_configuration()
                usb.util.claim_interface(dev, self.interface)
            except TransportError:
                raise
            except Exception as exc:  # no backend (libusb missing), permissions, busy
                raise TransportError(f"cannot open USB device: {type(exc).__name__}") from None
            self._device = dev
        return self._device

    def _read(self, ep: int, size: int, timeout_s: float) -> bytes:
        try:
            return bytes(self._dev().read(ep, size, max(1, int(timeout_s * 1000))))
        except Exception as exc:
            if _is_timeout(exc):
                return b""
            raise self._fail(exc) from None

    def _write(self, ep: int, data: bytes) -> None:
        try:
            self._dev().write(ep, data, 1000)
        except Exception as exc:
            raise self._fail(exc) from None

    def _fail(self, exc: BaseException) -> TransportError:
        self.close()
        return TransportError(f"USB {type(exc).__name__}")

    def exchange(self, frame: bytes, timeout_s: float) -> bytes:
        self._pending.clear()
        if self.mode == "sam_pipe":
            self._write(self.ep_out, frame[:HEADER_LEN])
            self._write(self.ep_out2, frame[HEADER_LEN:])
            deadline = time.monotonic() + timeout_s
            header = self._read(self.ep_in, HEADER_LEN, timeout_s)
            if len(header) < HEADER_LEN:
                raise ReaderTimeoutError()
            length = int.from_bytes(header[5:7], "big")
            body = b""
            while len(body) < length:
                left = deadline - time.monotonic()
                chunk = self._read(self.ep_in2, length - len(body), left) if left > 0 else b""
                if not chunk:
                    break
                body += chunk
            # Handed to read_frame so a short body is reported as a truncated frame.
            self._pending.extend(header + body)
            return read_frame(lambda n, t: b"", timeout_s, pending=self._pending)
        for i in range(0, len(frame), PACKET):
            self._write(self.ep_out, frame[i:i + PACKET])
        return read_frame(lambda n, t: self._read(self.ep_in, PACKET, t), timeout_s,
                          pending=self._pending)

    def set_baud(self, baud: int) -> None:
        """USB has no baud rate on the host side; the reader's UART side is its own affair."""

    def close(self) -> None:
        dev, self._device = self._device, None
        if dev is not None and not self._injected:
            try:
                import usb.util

                usb.util.dispose_resources(dev)
            except Exception:  # the device may already be gone
                pass
        if self._injected:
            self._device = dev  # a test's fake device stays
