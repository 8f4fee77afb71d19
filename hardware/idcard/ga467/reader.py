"""`IdCardReader` over GA 467: find → select → read, over any transport.

A real reader's quirk shapes `card_present`: once a card has been read, *find* answers "no card"
until the card leaves the field (the card is halted), while *select* still succeeds. Presence is
therefore "find succeeds, or select does", so a card that stays down is not taken for a new one.
After a failed select or read, presence is checked again: a card that has gone was lifted
mid-read (`card_removed`, read it again when it returns), not a bad card.
"""

from __future__ import annotations

import logging
import threading

from central_api_client.logs import LogEvent
from central_api_client.logs import event as log_event
from hardware.idcard.ga467 import commands as c
from hardware.idcard.ga467.errors import (
    STATUS_CARD_FOUND,
    STATUS_OK,
    CardRemovedError,
    FrameChecksumError,
    Ga467Error,
    NoCardStatus,
    NoContentStatus,
    ReaderChecksumStatus,
    ReaderLengthStatus,
    error_for_status,
)
from hardware.idcard.ga467.frames import Command, Response, parse_response
from hardware.idcard.ga467.textblock import parse_text_block
from hardware.idcard.reader import ReaderError, ReaderHealth
from hardware.idcard.transports.base import Transport
from kiosk.core.documents import IdentityDocument

log = logging.getLogger(__name__)

# A corrupted frame either way (our command, the reader's answer) is worth one more try: line
# noise is brief, and a second failure says something is really wrong.
_RESEND = (FrameChecksumError, ReaderChecksumStatus, ReaderLengthStatus)


class Ga467Reader:
    def __init__(self, transport: Transport, *, timeout_s: float = 1.0,
                 read_timeout_s: float = 3.0, resends: int = 1) -> None:
        self.transport = transport
        self.timeout_s = timeout_s
        self.read_timeout_s = read_timeout_s
        self.resends = resends
        self._closed = False
        # One conversation on the wire at a time: the watcher polls on its thread while a
        # status panel or self-test may ask for health() on another.
        self._lock = threading.RLock()

    # -- one command ---------------------------------------------------------------------------

    def transact(self, command: Command, timeout_s: float | None = None, *,
                 resend: bool = True) -> Response:
        """Send `command`, return its answer when the status is success; raise its typed error.

        0x90 and 0x9F are success; every other status raises `error_for_status`. A corrupted
        frame is sent again (`resend`) unless the caller must redo more than this command.
        """
        if self._closed:
            raise ReaderError("reader_unavailable", "reader closed")
        timeout = self.timeout_s if timeout_s is None else timeout_s
        with self._lock:
            return self._transact(command, timeout, resend)

    def _transact(self, command: Command, timeout: float, resend: bool) -> Response:
        attempt = 0
        while True:
            try:
                response = parse_response(self.transport.exchange(command.encode(), timeout))
                if response.sw3 not in (STATUS_OK, STATUS_CARD_FOUND):
                    raise error_for_status(response.sw3, response.sw12)
                return response
            except _RESEND as exc:
                attempt += 1
                if not resend or attempt > self.resends:
                    raise
                log_event(log, LogEvent.IDCARD_RESEND, error=type(exc).__name__,
                          cmd=f"{command.cmd:02X}{command.para:02X}")

    # -- the IdCardReader Protocol -------------------------------------------------------------

    def card_present(self) -> bool:
        with self._lock:
            return self._card_present()

    def _card_present(self) -> bool:
        try:
            self.transact(c.FIND_CARD)
            return True
        except NoCardStatus:
            pass
        except Ga467Error as exc:
            if exc.code == "reader_unavailable":
                raise
            return False
        return self._selectable()

    def _selectable(self) -> bool:
        try:
            self.transact(c.SELECT_CARD)
            return True
        except Ga467Error as exc:
            if exc.code == "reader_unavailable":
                raise
            return False

    def read(self, *, fingerprint: bool = False) -> IdentityDocument:
        with self._lock:
            return self._read(fingerprint)

    def _read(self, fingerprint: bool) -> IdentityDocument:
        if not self.card_present():
            raise NoCardStatus()
        try:
            response = self._select_and_read(fingerprint)
        except Ga467Error as exc:
            if exc.code == "reader_unavailable":
                raise
            if not self._still_there():
                raise CardRemovedError() from None
            raise
        data = c.decode_card_data(response.data, with_fingerprint=fingerprint)
        return parse_text_block(data.text, data.photo)

    def _select_and_read(self, fingerprint: bool) -> Response:
        """Select, then read. The card halts once the reader has sent its data, even if that
        data was corrupted on the way, so a read is retried from the select."""
        command = c.READ_TEXT_PHOTO_FP if fingerprint else c.READ_TEXT_PHOTO
        attempt = 0
        while True:
            self.transact(c.SELECT_CARD)
            try:
                return self.transact(command, self.read_timeout_s, resend=False)
            except _RESEND as exc:
                attempt += 1
                if attempt > self.resends:
                    raise
                log_event(log, LogEvent.IDCARD_REREAD, error=type(exc).__name__)

    def _still_there(self) -> bool:
        try:
            return self.card_present()
        except ReaderError:
            return False

    def health(self) -> ReaderHealth:
        if self._closed:
            return ReaderHealth(ok=False, sam_id="", detail="reader closed")
        try:
            with self._lock:
                self.transact(c.SAM_STATUS)
                sam_id = self.sam_id()
        except Ga467Error as exc:
            return ReaderHealth(ok=False, sam_id="", detail=f"{exc.code}: {exc.en}")
        return ReaderHealth(ok=True, sam_id=sam_id, detail=self.transport.description)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self.transport.close()

    # -- the rest of the command set -----------------------------------------------------------

    def reset_sam(self) -> None:
        self.transact(c.RESET_SAM)

    def sam_id_raw(self) -> bytes:
        data = self.transact(c.SAM_ID).data
        if len(data) != c.SAM_ID_LEN:
            from hardware.idcard.ga467.errors import UnexpectedAnswerError

            raise UnexpectedAnswerError(f"SAM ID of {len(data)} bytes")
        return data

    def sam_id(self) -> str:
        """The conventional printed form (vendors differ; `sam_id_raw` keeps the bytes)."""
        return c.format_sam_id(self.sam_id_raw())

    def read_newest_address(self) -> str | None:
        """The address appended after issue (追加住址), None when the card has none."""
        try:
            data = self.transact(c.READ_NEWEST_ADDRESS, self.read_timeout_s).data
        except NoContentStatus:
            return None
        try:
            return data.decode("utf-16-le").strip(" \x00") or None
        except UnicodeDecodeError:
            return None

    def set_baud(self, baud: int) -> None:
        """Ask the reader for a new rate, then follow it on the host side."""
        with self._lock:
            self.transact(c.set_baud(baud))
            self.transport.set_baud(baud)
