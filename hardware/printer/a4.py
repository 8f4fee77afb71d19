"""What the kiosk needs from its A4 (laser) printer, and the printer chosen by URI.

The receipt printer (`printer.py`) prints the login card; the A4 printer prints the forms of
`kiosk.core.forms` as PDF (`forms_pdf.render_form`). The one adapter is CUPS (`cups://QUEUE`,
`cups.py`): CUPS holds the drivers of whatever laser printer a point has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, get_args, runtime_checkable
from urllib.parse import parse_qs, urlsplit

from hardware.printer.printer import PRINTER_ERROR_CODES, PrinterError

A4ErrorCode = Literal[
    "a4_cups_unavailable",  # no lp/lpstat, or the print server does not answer
    "a4_queue_unknown",  # the print server has no such queue
    "a4_queue_disabled",  # the queue is stopped (a failed job stops it) or refuses jobs
    "a4_job_failed",  # lp refused the job, or the queue stopped while printing it
    "a4_job_timeout",  # the job was still not done when the time was up
]
A4_ERROR_CODES: frozenset[str] = frozenset(get_args(A4ErrorCode))


class A4PrinterError(PrinterError):
    """An A4 print that did not happen. Each is a staff alert: the candidate's record is already
    saved; staff fix the printer and print the form again. `detail` says what CUPS said."""

    codes = PRINTER_ERROR_CODES | A4_ERROR_CODES

    def __init__(self, code: A4ErrorCode, detail: str = "") -> None:
        super(PrinterError, self).__init__(code, detail)
        self.a4_code: A4ErrorCode = code  # `code`, typed to the A4 codes


@dataclass(frozen=True)
class A4Status:
    """The receipt printer's `PrinterStatus` for the A4 queue: `code` is None when it is ready,
    else the A4PrinterError code printing would raise. (A separate type only because
    PrinterStatus.code is typed to the receipt printer's codes.)"""

    ok: bool
    code: A4ErrorCode | None = None
    detail: str = ""


@runtime_checkable
class A4Printer(Protocol):
    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Print the PDF and return its job id once the printer has finished it, or raise
        A4PrinterError. `title` names the job in the queue: never anything personal."""
        ...

    def status(self) -> A4Status:
        """The queue's state without raising, for the staff panel and `kioskctl a4 test`."""
        ...


SUPPORTED_SCHEMES = ("cups",)
DEFAULT_TIMEOUT_S = 120.0


def open_a4_printer(uri: str) -> A4Printer:
    """`cups://QUEUE[?timeout=SECONDS]`; unknown schemes and bad queue names are refused."""
    from hardware.printer.cups import CupsPrinter
    from hardware.printer.lpstat import valid_queue_name

    parts = urlsplit(uri)
    if parts.scheme not in SUPPORTED_SCHEMES:
        raise ValueError(
            f"unsupported A4 printer URI scheme {parts.scheme!r} in {uri!r}; "
            f"supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}"
        )
    queue = parts.netloc or parts.path.lstrip("/")
    if not valid_queue_name(queue):
        raise ValueError(f"bad CUPS queue name in {uri!r}")
    query = parse_qs(parts.query)
    unknown = set(query) - {"timeout"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)} in {uri!r}; known: timeout")
    timeout = DEFAULT_TIMEOUT_S
    if "timeout" in query:
        try:
            timeout = float(query["timeout"][-1])
        except ValueError:
            raise ValueError(f"timeout must be a number of seconds in {uri!r}") from None
        if not 0 < timeout <= 3600:
            raise ValueError(f"timeout must be between 0 and 3600 s in {uri!r}")
    return CupsPrinter(queue, timeout_s=timeout)
