"""What the kiosk needs from its receipt printer: print a login card, say how it is.

The ESC/POS adapter (`escpos_printer.py`, python-escpos) and the simulator both satisfy
`Printer` and both print the image from `render_login_card`, so what the simulator saves is
what paper shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from kiosk.core.errors import DeviceError
from kiosk.core.login_card import LoginCard

PrinterErrorCode = Literal["paper_out", "cover_open", "offline"]
PRINTER_ERROR_CODES: frozenset[str] = frozenset({"paper_out", "cover_open", "offline"})
# How much paper is left, as the printer's paper sensors say (DLE EOT 4): `near_end` is a staff
# warning only, printing goes on.
PaperLevel = Literal["ok", "near_end", "out"]


class PrinterError(DeviceError):
    """A printer problem with a stable `code` the UI maps to a message.

    - `paper_out`: staff must load a roll; the candidate's record is already safe.
    - `cover_open`: staff must close the cover.
    - `offline`: unplugged, powered off, unreachable, jammed, or it stopped answering; also a
      job whose connection broke before the printer had taken it all.
    """

    code: PrinterErrorCode = "offline"
    codes = PRINTER_ERROR_CODES

    def __init__(self, code: PrinterErrorCode, detail: str = "") -> None:
        super().__init__(code, detail)


@dataclass(frozen=True)
class PrinterStatus:
    """`code` is None when the printer is ready, else the code `print_login_card` would raise.

    `paper` is "near_end" on a printer that is still ready; "out" goes with code `paper_out`.
    """

    ok: bool
    code: PrinterErrorCode | None = None
    detail: str = ""
    paper: PaperLevel = "ok"


@runtime_checkable
class Printer(Protocol):
    def print_login_card(self, card: LoginCard) -> PrinterStatus:
        """Print the card, or raise PrinterError; returns once the printer has taken it, with
        the printer's status after the job (a near-end roll is a staff warning)."""
        ...

    def status(self) -> PrinterStatus:
        """The printer's state without raising, for the staff panel and self-test."""
        ...

    def print_test_receipt(self, device_id: str, printed_at: datetime) -> PrinterStatus:
        """`kioskctl printer test`'s slip (no candidate data); the status after it, or raise
        PrinterError like `print_login_card`."""
        ...
