"""What the kiosk needs from its receipt printer: print a login card, say how it is.

The ESC/POS adapter (python-escpos, later) and the simulator both satisfy `Printer` and both
print the image from `render_login_card`, so what the simulator saves is what paper shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from kiosk.core.errors import DeviceError
from kiosk.core.login_card import LoginCard

PrinterErrorCode = Literal["out_of_paper", "offline"]
PRINTER_ERROR_CODES: frozenset[str] = frozenset({"out_of_paper", "offline"})


class PrinterError(DeviceError):
    """A printer problem with a stable `code` the UI maps to a message.

    - `out_of_paper`: staff must load a roll; the candidate's record is already safe.
    - `offline`: unplugged, powered off, cover open or jammed.
    """

    code: PrinterErrorCode = "offline"
    codes = PRINTER_ERROR_CODES

    def __init__(self, code: PrinterErrorCode, detail: str = "") -> None:
        super().__init__(code, detail)


@dataclass(frozen=True)
class PrinterStatus:
    """`code` is None when the printer is ready, else the code `print_login_card` would raise."""

    ok: bool
    code: PrinterErrorCode | None = None
    detail: str = ""


@runtime_checkable
class Printer(Protocol):
    def print_login_card(self, card: LoginCard) -> None:
        """Print the card, or raise PrinterError; returns once the printer has taken it."""
        ...

    def status(self) -> PrinterStatus:
        """The printer's state without raising, for the staff panel and self-test."""
        ...
