"""What a receipt printer's DLE EOT answers mean: ready, near end, paper out, cover open, offline.

The real-time status commands (`10 04 n`) each answer one byte. The ESC/POS command reference
fixes bit 0 to 0, bits 1 and 4 to 1 and bit 7 to 0 in every answer, so a byte without that
shape is not a status (a printer still busy with something else, line noise, or not an ESC/POS
printer at all): it is refused here with `StatusByteError`, and the adapter calls the printer
offline rather than guess. Pure: bytes in, a `PrinterStatus` out, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.printer.printer import PaperLevel, PrinterErrorCode, PrinterStatus

DLE_EOT = b"\x10\x04"
# n = 1 printer, 2 offline cause, 3 error cause, 4 continuous paper sensor.
QUERIES = (1, 2, 3, 4)

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010

# n = 1: bit 3 offline.
ONLINE_OFFLINE = 0x08
# n = 2: bit 2 cover open, bit 3 paper fed by the button, bit 5 stopped at paper end, bit 6 error.
CAUSE_COVER_OPEN = 0x04
CAUSE_FEED_BUTTON = 0x08
CAUSE_PAPER_END = 0x20
CAUSE_ERROR = 0x40
# n = 3: bit 3 autocutter error, bit 5 unrecoverable, bit 6 automatically recoverable.
ERROR_CUTTER = 0x08
ERROR_UNRECOVERABLE = 0x20
ERROR_AUTO_RECOVERABLE = 0x40
# n = 4: bits 2-3 paper near end, bits 5-6 paper end.
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60


class StatusByteError(ValueError):
    """An answer that is not a DLE EOT status byte."""


def query(n: int) -> bytes:
    """The bytes asking for status `n` (1-4)."""
    if n not in QUERIES:
        raise ValueError(f"DLE EOT n must be one of {QUERIES}, not {n}")
    return DLE_EOT + bytes((n,))


def status_byte(answer: bytes) -> int:
    """The one status byte in `answer`, or StatusByteError saying what was wrong with it."""
    if len(answer) != 1:
        raise StatusByteError(f"expected one status byte, got {len(answer)}")
    value = answer[0]
    if value & _FIXED_MASK != _FIXED_BITS:
        raise StatusByteError(f"0x{value:02x} is not a DLE EOT status byte")
    return value


@dataclass(frozen=True)
class RawStatus:
    """The four answers, already checked by `status_byte`."""

    printer: int
    offline_cause: int
    error_cause: int
    paper: int


def interpret(raw: RawStatus) -> PrinterStatus:
    """The status a technician and the kiosk act on, most actionable cause first.

    Cover open wins over paper out (staff opening the cover to load paper is one job); a paper
    end seen by either sensor is `paper_out`; any other error, or the offline bit alone, is
    `offline` with the cause in `detail`.
    """
    paper: PaperLevel = "ok"
    if raw.paper & PAPER_END or raw.offline_cause & CAUSE_PAPER_END:
        paper = "out"
    elif raw.paper & PAPER_NEAR_END:
        paper = "near_end"
    code: PrinterErrorCode | None = None
    detail = "paper near end" if paper == "near_end" else ""
    if raw.offline_cause & CAUSE_COVER_OPEN:
        code, detail = "cover_open", "cover open"
    elif paper == "out":
        code, detail = "paper_out", "paper end sensor"
    elif raw.offline_cause & CAUSE_ERROR or raw.error_cause & (
        ERROR_CUTTER | ERROR_UNRECOVERABLE | ERROR_AUTO_RECOVERABLE
    ):
        code, detail = "offline", _error_detail(raw.error_cause)
    elif raw.printer & ONLINE_OFFLINE:
        code = "offline"
        detail = "paper being fed" if raw.offline_cause & CAUSE_FEED_BUTTON else "printer offline"
    return PrinterStatus(ok=code is None, code=code, detail=detail, paper=paper)


def _error_detail(error_cause: int) -> str:
    causes = [name for bit, name in (
        (ERROR_CUTTER, "autocutter error"),
        (ERROR_UNRECOVERABLE, "unrecoverable error"),
        (ERROR_AUTO_RECOVERABLE, "recoverable error"),
    ) if error_cause & bit]
    return ", ".join(causes) or "printer error"


def parse(answers: dict[int, bytes]) -> PrinterStatus:
    """`interpret` the answers to DLE EOT 1-4 as received; StatusByteError if one is not one."""
    missing = [n for n in QUERIES if n not in answers]
    if missing:
        raise StatusByteError(f"no answer to DLE EOT {missing[0]}")
    return interpret(RawStatus(*(status_byte(answers[n]) for n in QUERIES)))
