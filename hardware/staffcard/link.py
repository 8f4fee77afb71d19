"""One PC/SC connection to a card through pyscard's `scard` layer: APDUs in and out, long
commands chained (CLA 0x10), long answers fetched with GET RESPONSE (`61 xx`), and every
PC/SC failure turned into one StaffCardError code.

The low-level `scard` calls return PC/SC result codes rather than raising, so a pulled card,
a missing reader and a stopped pcscd are told apart exactly.
"""

from __future__ import annotations

from smartcard import scard

from kiosk.core.staff import StaffCardError

MAX_ANSWER = 16 * 1024  # bytes a PIV answer may add up to over GET RESPONSEs

_REMOVED = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD,
            scard.SCARD_W_UNPOWERED_CARD}
_NO_SERVICE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED,
               scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_UNKNOWN_READER,
               scard.SCARD_E_READER_UNAVAILABLE}


def error_for(hresult: int, *, connecting: bool = False) -> StaffCardError:
    """The StaffCardError a PC/SC result code means."""
    message = scard.SCardGetErrorMessage(hresult)
    if hresult in _NO_SERVICE:
        return StaffCardError("reader_unavailable", message)
    if hresult in _REMOVED:
        return StaffCardError("no_card" if connecting else "card_removed", message)
    return StaffCardError("card_failed", message)


def establish() -> int:
    """A PC/SC context; reader_unavailable when pcscd cannot be reached."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise StaffCardError("reader_unavailable", scard.SCardGetErrorMessage(hresult))
    return int(context)


def release(context: int) -> None:
    scard.SCardReleaseContext(context)


def list_readers(context: int) -> list[str]:
    hresult, names = scard.SCardListReaders(context, [])
    if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hresult != scard.SCARD_S_SUCCESS:
        raise error_for(hresult)
    return [str(name) for name in names]


class Link:
    """An open connection to the card in `reader`."""

    def __init__(self, context: int, reader: str) -> None:
        hresult, handle, protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hresult != scard.SCARD_S_SUCCESS:
            raise error_for(hresult, connecting=True)
        self.handle, self.protocol = handle, protocol

    def close(self) -> None:
        scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)

    def _raw(self, apdu: bytes) -> tuple[bytes, int]:
        hresult, answer = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            raise error_for(hresult)
        if len(answer) < 2:
            raise StaffCardError("card_failed", "an answer shorter than its status word")
        body = bytes(answer[:-2])
        return body, (answer[-2] << 8) | answer[-1]

    def send(self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"",
             *, le: bool = True) -> tuple[bytes, int]:
        """The whole answer and its final status word; chains and GET RESPONSEs as needed."""
        while len(data) > 255:
            part, data = data[:255], data[255:]
            _, sw = self._raw(bytes([cla | 0x10, ins, p1, p2, 255]) + part)
            if sw != 0x9000:
                return b"", sw
        apdu = bytes([cla, ins, p1, p2])
        if data:
            apdu += bytes([len(data)]) + data
        if le:
            apdu += b"\x00"
        body, sw = self._raw(apdu)
        while sw >> 8 == 0x61:
            more, sw = self._raw(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
            body += more
            if len(body) > MAX_ANSWER:
                raise StaffCardError("card_failed", "the card's answer is too long")
        return body, sw
