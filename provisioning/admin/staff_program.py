"""Programming a blank PIV card as a staff card through PC/SC: keys 9A and 9E generated on the
card, a certificate of the same holder for each written with PUT DATA, and the PIN changed from
the card's default (123456) with CHANGE REFERENCE DATA, last, so a card that failed half-way
still has its default PIN and can be programmed again.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from hardware.staffcard import piv
from hardware.staffcard.link import Link, establish, list_readers, release
from kiosk.core.staff import StaffCardError
from provisioning.admin.staff_ca import public_key_from_point


def program_card(reader: str | None,
                 issue_for: Callable[[ec.EllipticCurvePublicKey], x509.Certificate],
                 pin: str, *, old_pin: str = piv.DEFAULT_PIN) -> x509.Certificate:
    """Programs the card in `reader` (None: the first reader); returns key 9A's certificate.
    `issue_for(public_key)` makes a certificate of the holder for a key."""
    piv.pad_pin(pin)  # a bad new PIN is refused before the card is touched
    context = establish()
    try:
        names = list_readers(context)
        if not names or (reader is not None and reader not in names):
            raise StaffCardError("reader_unavailable", "the card reader is not connected")
        link = Link(context, reader or names[0])
        try:
            piv.select(link)
            piv.verify(link, old_pin)
            certificates = {}
            for slot in (piv.SLOT_AUTH, piv.SLOT_CARD_AUTH):
                key = public_key_from_point(piv.generate_p256(link, slot))
                cert = issue_for(key)
                piv.write_certificate(link, slot, cert.public_bytes(Encoding.DER))
                certificates[slot] = cert
            piv.change_pin(link, old_pin, pin)
            return certificates[piv.SLOT_AUTH]
        finally:
            link.close()
    finally:
        release(context)

