"""GA 467 over a serial port with pyserial: `ga467:///dev/ttyUSB0?baud=115200&timeout=1`.

The port is opened lazily and reopened after a failure, so a reader unplugged and plugged back
(a USB-serial bridge gets its /dev node again) recovers without restarting the kiosk.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import serial

from hardware.idcard.ga467.commands import BAUD_CODES
from hardware.idcard.ga467.errors import TransportError
from hardware.idcard.ga467.frames import read_frame
from hardware.idcard.transports.base import query_float, query_int

DEFAULT_BAUD = 115200


class SerialTransport:
    def __init__(self, port: str, baud: int = DEFAULT_BAUD) -> None:
        if baud not in BAUD_CODES:
            raise ValueError(f"baud: {baud} not one of {sorted(BAUD_CODES)}")
        self.port = port
        self.baud = baud
        self.description = f"serial {port} @ {baud}"
        self._serial: serial.Serial | None = None

    @classmethod
    def from_uri(cls, uri: str) -> tuple[SerialTransport, dict[str, float]]:
        """The transport and the reader's time-outs (`timeout`, `read_timeout`) from the URI."""
        parts = urlsplit(uri)
        if not parts.path:
            raise ValueError(f"no device path in {uri!r}")
        options = {
            "timeout": query_float(parts.query, "timeout", 1.0),
            "read_timeout": query_float(parts.query, "read_timeout", 3.0),
        }
        return cls(parts.path, query_int(parts.query, "baud", DEFAULT_BAUD)), options

    def _port(self) -> serial.Serial:
        if self._serial is None:
            try:
                self._serial = serial.Serial(self.port, self.baud, timeout=0.5,
                                             write_timeout=1.0, exclusive=True)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise TransportError(f"cannot open {self.port}: {type(exc).__name__}") from None
        return self._serial

    def _fail(self, exc: BaseException) -> TransportError:
        self.close()
        return TransportError(f"{self.port}: {type(exc).__name__}")

    def exchange(self, frame: bytes, timeout_s: float) -> bytes:
        port = self._port()
        try:
            port.reset_input_buffer()
            port.write(frame)

            def read(n: int, timeout: float) -> bytes:
                port.timeout = timeout
                return port.read(n)

            return read_frame(read, timeout_s)
        except (serial.SerialException, OSError) as exc:
            raise self._fail(exc) from None

    def set_baud(self, baud: int) -> None:
        if baud not in BAUD_CODES:
            raise ValueError(f"unsupported baud rate {baud}")
        self.baud = baud
        self.description = f"serial {self.port} @ {baud}"
        if self._serial is not None:
            try:
                self._serial.baudrate = baud
            except (serial.SerialException, OSError) as exc:
                raise self._fail(exc) from None

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None
