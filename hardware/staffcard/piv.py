"""The PIV commands the kiosk and `kiosk-admin` send (NIST SP 800-73-4 part 2), over a Link.

Each returns what it means or raises StaffCardError with one code; the status words are those
of the specification (63 Cx: x tries left; 69 83: PIN blocked; 69 82: not allowed yet).
"""

from __future__ import annotations

from hardware.staffcard import tlv
from hardware.staffcard.link import Link
from kiosk.core.staff import StaffCardError

PIV_AID = bytes.fromhex("A000000308000010000100")
ALG_ECC_P256 = 0x11
SLOT_AUTH, SLOT_CARD_AUTH = 0x9A, 0x9E
CERT_OBJECT = {SLOT_AUTH: bytes.fromhex("5FC105"), 0x9C: bytes.fromhex("5FC10A"),
               0x9D: bytes.fromhex("5FC10B"), SLOT_CARD_AUTH: bytes.fromhex("5FC101")}
MAX_CERTIFICATE = 4096
OK = 0x9000
DEFAULT_PIN = "123456"


def pad_pin(pin: str) -> bytes:
    if not (6 <= len(pin) <= 8 and pin.isascii() and pin.isdigit()):
        raise StaffCardError("wrong_pin", "a PIN is 6 to 8 digits")
    return pin.encode().ljust(8, b"\xff")


def _failed(what: str, sw: int) -> StaffCardError:
    return StaffCardError("card_failed", f"{what}: the card answered {sw:04X}")


def select(link: Link) -> None:
    _, sw = link.send(0x00, 0xA4, 0x04, 0x00, PIV_AID)
    if sw != OK:
        raise StaffCardError("card_failed", f"not a PIV card (SELECT answered {sw:04X})")


def read_certificate(link: Link, slot: int) -> bytes:
    """The DER certificate of `slot`, from its `53 { 70 cert, 71 info, FE }` object."""
    body, sw = link.send(0x00, 0xCB, 0x3F, 0xFF, tlv.encode(b"\x5c", CERT_OBJECT[slot]))
    if sw == 0x6A82:
        raise StaffCardError("untrusted_card", f"the card holds no certificate for key {slot:X}")
    if sw != OK:
        raise _failed("GET DATA", sw)
    der = tlv.find(tlv.one(body, 0x53), 0x70)
    if not der or len(der) > MAX_CERTIFICATE:
        raise StaffCardError("card_failed", "the card's certificate is empty or too long")
    return der


def _tries_or_raise(sw: int) -> int:
    if sw == 0x6983:
        raise StaffCardError("pin_blocked", "the card's PIN is blocked", tries_left=0)
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    raise _failed("VERIFY", sw)


def tries_left(link: Link) -> int:
    """The PIN tries the card still allows, without spending one (0 when blocked). The PIN's
    verified state is forgotten first (P1=FF), so the answer is a count, not 90 00."""
    link.send(0x00, 0x20, 0xFF, 0x80, le=False)
    _, sw = link.send(0x00, 0x20, 0x00, 0x80, le=False)
    if sw == 0x6983:
        return 0
    return _tries_or_raise(sw)


def verify(link: Link, pin: str) -> None:
    _, sw = link.send(0x00, 0x20, 0x00, 0x80, pad_pin(pin), le=False)
    if sw != OK:
        left = _tries_or_raise(sw)
        raise StaffCardError("wrong_pin", f"{left} tries left", tries_left=left)


def change_pin(link: Link, old: str, new: str) -> None:
    _, sw = link.send(0x00, 0x24, 0x00, 0x80, pad_pin(old) + pad_pin(new), le=False)
    if sw != OK:
        left = _tries_or_raise(sw)
        raise StaffCardError("wrong_pin", f"{left} tries left", tries_left=left)


def sign_digest(link: Link, slot: int, digest: bytes) -> bytes:
    """The card's DER ECDSA signature of a SHA-256 digest with the key in `slot`."""
    template = tlv.encode(b"\x7c", tlv.encode(b"\x81", digest) + b"\x82\x00")
    body, sw = link.send(0x00, 0x87, ALG_ECC_P256, slot, template)
    if sw == 0x6982:
        raise StaffCardError("untrusted_card", f"key {slot:X} refused to sign")
    if sw != OK:
        raise _failed("GENERAL AUTHENTICATE", sw)
    signature = tlv.find(tlv.one(body, 0x7C), 0x82)
    if not 8 <= len(signature) <= 80:
        raise StaffCardError("card_failed", "the card's signature has a wrong length")
    return signature


def generate_p256(link: Link, slot: int) -> bytes:
    """A new P-256 key in `slot`; its public point (uncompressed, 65 bytes)."""
    body, sw = link.send(0x00, 0x47, 0x00, slot, bytes.fromhex("AC03800111"))
    if sw != OK:
        raise _failed("GENERATE ASYMMETRIC KEY PAIR", sw)
    point = tlv.find(tlv.one(body, 0x7F49), 0x86)
    if len(point) != 65 or point[0] != 0x04:
        raise StaffCardError("card_failed", "the generated key is not an uncompressed P-256 point")
    return point


def write_certificate(link: Link, slot: int, der: bytes) -> None:
    obj = tlv.encode(b"\x53", tlv.encode(b"\x70", der) + b"\x71\x01\x00\xfe\x00")
    _, sw = link.send(0x00, 0xDB, 0x3F, 0xFF, tlv.encode(b"\x5c", CERT_OBJECT[slot]) + obj,
                      le=False)
    if sw != OK:
        raise _failed("PUT DATA", sw)
