"""What the kiosk needs from an ID card reader, whatever the wire behind it.

The GA 467 adapter (serial, USB) and the simulator both satisfy `IdCardReader`; code above
`open_idcard_reader` sees only this Protocol. A reader returns the card as read, unvalidated:
deciding whether a document can be used is `IdentityDocument.validate(today)` in core, so every
reader gets the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from kiosk.core.documents import IdentityDocument
from kiosk.core.errors import DeviceError

ReaderErrorCode = Literal["reader_unavailable", "no_card", "card_read_failed", "card_removed"]
READER_ERROR_CODES: frozenset[str] = frozenset(
    {"reader_unavailable", "no_card", "card_read_failed", "card_removed"}
)


class ReaderError(DeviceError):
    """A reader or card problem, with a stable `code` the UI maps to a message.

    - `reader_unavailable`: the reader is unplugged, unpowered or its SAM does not answer.
    - `no_card`: nothing on the reader.
    - `card_read_failed`: a card is there but could not be read (dirty, damaged, not a card).
    - `card_removed`: the card was lifted while it was being read.

    The message never holds anything read from the card.
    """

    code: ReaderErrorCode = "card_read_failed"
    codes = READER_ERROR_CODES

    def __init__(self, code: ReaderErrorCode, detail: str = "") -> None:
        super().__init__(code, detail)


@dataclass(frozen=True)
class ReaderHealth:
    """For kioskctl self-test and the staff status panel.

    `sam_id` is the security module's id as the reader reports it (formats differ between
    vendors, so it is kept as text); empty when the reader does not answer.
    """

    ok: bool
    sam_id: str
    detail: str = ""


@runtime_checkable
class IdCardReader(Protocol):
    """One ID card reader. Methods block for at most a read's time (about a second)."""

    def card_present(self) -> bool:
        """Whether a card lies on the reader; raises ReaderError('reader_unavailable')."""
        ...

    def read(self) -> IdentityDocument:
        """Read the card on the reader, unvalidated; raises ReaderError on any failure."""
        ...

    def health(self) -> ReaderHealth:
        """The reader's state without raising: for self-tests and status displays."""
        ...

    def close(self) -> None:
        """Release the port or device; the reader is not used afterwards."""
        ...
