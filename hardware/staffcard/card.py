"""What the kiosk needs from a staff card reader, whatever is behind it.

The PC/SC adapter (`pcsc://`, `pcsc://READER NAME`) satisfies these Protocols; tests and
`kiosk --simulate` run it against the project's own PIV card emulator behind a real pcscd and
vsmartcard's vpcd, so there is no in-process simulator of this Protocol.

Errors are `kiosk.core.staff.StaffCardError` with one of its codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from kiosk.core.staff import CardSignature, StaffMember


@runtime_checkable
class StaffCard(Protocol):
    """One inserted card. Every method may raise StaffCardError('card_removed')."""

    def identify(self) -> StaffMember:
        """Read the certificate and check it (chains to the staff CA, valid now, this county)
        and that the card holds its key (a challenge it signs without a PIN). No PIN is spent."""
        ...

    def tries_left(self) -> int:
        """The card's PIN tries left, read without spending one (VERIFY with no data)."""
        ...

    def sign_in(self, pin: str) -> StaffMember:
        """VERIFY the PIN, then have key 9A sign a fresh challenge, checked against the
        certificate. Raises wrong_pin (with tries_left), pin_blocked, untrusted_card ..."""
        ...

    def sign(self, digest: bytes) -> CardSignature:
        """Key 9A signs a SHA-256 `digest` (the holder's own confirmation, e.g. of the day's
        report): only after `sign_in` on this card, whose PIN the card still holds as
        verified; checked against the certificate before it is returned."""
        ...


@runtime_checkable
class StaffCardReader(Protocol):
    """One PC/SC reader slot, watched for cards."""

    def watch(self, on_inserted: Callable[[StaffCard], None],
              on_removed: Callable[[], None]) -> None:
        """Start reporting cards, on a background thread: a card already inserted is reported
        at once. Callbacks run on that thread and must return quickly."""
        ...

    def current(self) -> StaffCard:
        """The card in the reader now; raises StaffCardError('no_card' | 'reader_unavailable')."""
        ...

    def close(self) -> None:
        ...
