"""The real receipt printer: python-escpos over TCP, USB or serial, text printed as images.

Every job is one connection: open, ask DLE EOT 1-4, refuse unless ready, send the card as
`GS v 0` raster blocks and the cut, ask the status again, close. The second look is what
keeps a job from being silently lost: a printer that ran out of paper or lost its connection
half way answers differently (or not at all), and the job is reported as a `PrinterError`.
Every connect, send and read has the URI's timeout, so an unreachable or silent printer is
`offline` in seconds, never a hung worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from escpos import exceptions as escpos_errors
from escpos.escpos import Escpos
from PIL import Image

from hardware.printer.escpos import status as dle_eot
from hardware.printer.escpos.uri import EscposTarget, parse_target
from hardware.printer.printer import PrinterError, PrinterStatus
from hardware.printer.render import DEFAULT_WEB_ADDRESS, render_login_card, render_test_receipt
from kiosk.core.login_card import LoginCard

log = logging.getLogger(__name__)

# Rows per GS v 0 block: small enough for the receive buffer of cheap 58 mm heads, which drop
# or garble taller blocks; python-escpos splits the image for us.
FRAGMENT_ROWS = 256

Connect = Callable[[EscposTarget], Escpos]


def connect(target: EscposTarget) -> Escpos:
    """A python-escpos printer for `target`, not yet opened, knowing its paper width."""
    printer: Escpos
    if target.kind == "tcp":
        from escpos.printer import Network

        printer = Network(target.host, target.port, timeout=target.timeout_s)
    elif target.kind == "usb":
        from escpos.printer import Usb

        printer = Usb(target.vid, target.pid, timeout=int(target.timeout_s * 1000),
                      in_ep=target.in_ep, out_ep=target.out_ep)
    else:
        from escpos.printer import Serial

        printer = Serial(target.device, target.baud, timeout=target.timeout_s)
    # The default profile knows no paper width and says so on stdout at every image (noise in
    # `kioskctl --json`); with the width it also refuses an image wider than the head.
    data: dict[str, Any] = dict(printer.profile.profile_data)
    data["media"] = {**data.get("media", {}), "width": {"pixels": target.width, "mm": "Unknown"}}
    printer.profile.profile_data = data
    return printer


class EscposPrinter:
    """`Printer` for an ESC/POS receipt printer; `last_status` is what the last job ended with
    (a `near_end` there is the staff warning)."""

    def __init__(
        self,
        target: EscposTarget | str,
        font_path: Path,
        *,
        default_web_address: str = DEFAULT_WEB_ADDRESS,
        connector: Connect = connect,
    ) -> None:
        self.target = parse_target(target) if isinstance(target, str) else target
        self.font_path = Path(font_path)
        self.default_web_address = default_web_address
        self._connect = connector
        self.last_status: PrinterStatus | None = None

    def status(self) -> PrinterStatus:
        try:
            with self._open() as conn:
                return self._ask(conn)
        except PrinterError as exc:
            return PrinterStatus(ok=False, code=exc.code, detail=exc.detail,
                                 paper="out" if exc.code == "paper_out" else "ok")

    def print_login_card(self, card: LoginCard) -> PrinterStatus:
        return self.print_image(render_login_card(
            card, self.font_path, default_web_address=self.default_web_address,
            width=self.target.width))

    def print_test_receipt(self, device_id: str, printed_at: datetime) -> PrinterStatus:
        """The technician's test slip; the status after it (PrinterError when not ready)."""
        return self.print_image(render_test_receipt(device_id, printed_at, self.font_path,
                                                    width=self.target.width))

    def print_image(self, image: Image.Image) -> PrinterStatus:
        """Print a mode "1" image of the paper's width and cut; the status after the job, or
        PrinterError."""
        if image.width > self.target.width:
            raise ValueError(f"image is {image.width} dots wide, paper {self.target.width}")
        with self._open() as conn:
            before = self._ask(conn)
            if before.code is not None:
                raise PrinterError(before.code, before.detail)
            try:
                conn.image(image, impl="bitImageRaster", fragment_height=FRAGMENT_ROWS)
                conn.cut()
            except (OSError, escpos_errors.Error) as exc:
                raise PrinterError("offline", f"connection lost during the job, it did not "
                                   f"finish ({type(exc).__name__})") from None
            after = self._ask(conn, during="after the job")
            self.last_status = after
            if after.code is not None:
                raise PrinterError(after.code, f"after the job: {after.detail}; "
                                   "the printout may be incomplete")
            return after

    @contextmanager
    def _open(self) -> Iterator[Escpos]:
        where = self.target.describe()
        conn = self._connect(self.target)
        try:
            try:
                conn.open()
            # ValueError: pyusb's NoBackendError (no libusb on the machine) and pyserial's
            # refusal of a port's settings; OSError: refused, unreachable, no such device.
            except (OSError, ValueError, escpos_errors.Error) as exc:
                raise PrinterError("offline", f"cannot reach the printer at {where} "
                                   f"({type(exc).__name__})") from None
            serial_port = getattr(conn, "device", None)
            if self.target.kind == "serial" and serial_port is not None:
                serial_port.write_timeout = self.target.timeout_s  # reads have it already
            yield conn
        finally:
            with suppress(OSError, escpos_errors.Error):
                conn.close()

    def _query(self, conn: Escpos, n: int) -> bytes:
        """One DLE EOT answer. python-escpos's Serial reads 16 bytes, so on a serial line
        every one-byte answer would wait out the whole timeout; read the one byte there."""
        if self.target.kind != "serial":
            return bytes(conn.query_status(dle_eot.query(n)))
        conn._raw(dle_eot.query(n))
        return bytes(conn.device.read(1))

    def _ask(self, conn: Escpos, during: str = "") -> PrinterStatus:
        """DLE EOT 1-4 on the open connection; offline when an answer is missing or garbled."""
        answers: dict[int, bytes] = {}
        prefix = f"{during}: " if during else ""
        for n in dle_eot.QUERIES:
            try:
                answers[n] = self._query(conn, n)
                if not answers[n]:  # a serial read that timed out, a TCP peer that closed
                    raise TimeoutError("nothing")
            except (OSError, escpos_errors.Error) as exc:
                raise PrinterError("offline", f"{prefix}no status answer from "
                                   f"{self.target.describe()} ({type(exc).__name__})") from None
        try:
            return dle_eot.parse(answers)
        except dle_eot.StatusByteError as exc:
            raise PrinterError("offline", f"{prefix}{exc}") from None
