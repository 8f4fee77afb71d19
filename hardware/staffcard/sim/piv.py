"""A PIV card application answering command APDUs, from NIST SP 800-73-4 part 2.

What it knows: SELECT of the PIV AID (full or the short `A0 00 00 03 08` prefix), GET DATA,
VERIFY (with the PIN, with no data for the tries left, P1=FF to forget), CHANGE REFERENCE DATA,
GENERAL AUTHENTICATE (ECDSA P-256 over a 32-byte digest; 9A and 9C need the PIN, 9E does not),
GENERATE ASYMMETRIC KEY PAIR (P-256), PUT DATA, command chaining (CLA 0x10) and GET RESPONSE
for answers longer than 256 bytes.

Simplification, stated: a real card asks for the 9B management key before GENERATE and PUT
DATA; this one asks for a verified PIN instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from hardware.staffcard.sim.state import CardState

PIV_AID = bytes.fromhex("A000000308000010000100")
APT = bytes.fromhex("61114F0600001000010079074F05A000000308")  # application property template

OK = b"\x90\x00"
SECURITY_NOT_SATISFIED = b"\x69\x82"
BLOCKED = b"\x69\x83"
WRONG_DATA = b"\x6a\x80"
NOT_FOUND = b"\x6a\x82"
REF_NOT_FOUND = b"\x6a\x88"
WRONG_P1P2 = b"\x6a\x86"
WRONG_LENGTH = b"\x67\x00"
INS_UNKNOWN = b"\x6d\x00"
CLA_UNKNOWN = b"\x6e\x00"
NOT_SELECTED = b"\x69\x85"

KEY_SLOTS = {0x9A, 0x9C, 0x9D, 0x9E}
PIN_FREE_SLOTS = {0x9E}
ALG_ECC_P256 = 0x11


def _tlv_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def tlv(tag: bytes, value: bytes) -> bytes:
    return tag + _tlv_len(len(value)) + value


def read_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level BER-TLVs of a command's data; one- or two-byte tags. Raises ValueError."""
    out = []
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            if i >= len(data):
                raise ValueError("truncated tag")
            tag = (tag << 8) | data[i]
            i += 1
        if i >= len(data):
            raise ValueError("truncated length")
        n = data[i]
        i += 1
        if n & 0x80:
            count = n & 0x7F
            if count not in (1, 2) or i + count > len(data):
                raise ValueError("bad length")
            n = int.from_bytes(data[i:i + count], "big")
            i += count
        if i + n > len(data):
            raise ValueError("value past the end")
        out.append((tag, data[i:i + n]))
        i += n
    return out


@dataclass
class PivCard:
    """One card while it is powered: its state (from `state_path`) and what this power-up
    remembers (selected, PIN verified, a chained command, an answer still to fetch)."""

    state_path: Path
    state: CardState = field(init=False)
    selected: bool = False
    pin_verified: bool = False
    chained: bytes = b""
    pending: bytes = b""

    def __post_init__(self) -> None:
        self.state = CardState.load(self.state_path)

    def reset(self) -> None:
        self.selected = self.pin_verified = False
        self.chained = self.pending = b""

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return WRONG_LENGTH
        cla, ins, p1, p2 = apdu[:4]
        data, ok = _command_data(apdu)
        if not ok:
            return WRONG_LENGTH
        if cla & ~0x10 != 0:
            return CLA_UNKNOWN
        if cla & 0x10:  # command chaining: keep the part, answer 90 00
            self.chained += data
            return OK
        data, self.chained = self.chained + data, b""
        if ins == 0xC0:
            return self._next_chunk()
        self.pending = b""
        if ins == 0xA4:
            return self._select(p1, data)
        if not self.selected:
            return NOT_SELECTED
        handler = {0xCB: self._get_data, 0x20: self._verify, 0x24: self._change_pin,
                   0x87: self._general_authenticate, 0x47: self._generate,
                   0xDB: self._put_data}.get(ins)
        if handler is None:
            return INS_UNKNOWN
        try:
            return handler(p1, p2, data)
        except ValueError:
            return WRONG_DATA

    # -- answers longer than 256 bytes go out in pieces (61 xx, then GET RESPONSE)
    def _answer(self, body: bytes) -> bytes:
        self.pending = body
        return self._next_chunk()

    def _next_chunk(self) -> bytes:
        chunk, self.pending = self.pending[:256], self.pending[256:]
        if not self.pending:
            return chunk + OK
        return chunk + bytes([0x61, min(len(self.pending), 256) & 0xFF])

    def _save(self) -> None:
        self.state.save(self.state_path)

    def _select(self, p1: int, aid: bytes) -> bytes:
        if p1 != 0x04 or len(aid) < 5 or not PIV_AID.startswith(aid):
            self.selected = False
            return NOT_FOUND
        self.selected, self.pin_verified = True, False
        return self._answer(APT)

    def _get_data(self, p1: int, p2: int, data: bytes) -> bytes:
        if (p1, p2) != (0x3F, 0xFF):
            return WRONG_P1P2
        (tag, oid), = read_tlvs(data)
        if tag != 0x5C:
            return WRONG_DATA
        stored = self.state.objects.get(oid.hex())
        if stored is None:
            return NOT_FOUND
        return self._answer(bytes.fromhex(stored))

    def _verify(self, p1: int, p2: int, data: bytes) -> bytes:
        if p2 != 0x80:
            return REF_NOT_FOUND
        if p1 == 0xFF:
            self.pin_verified = False
            return OK
        if self.state.tries_left == 0:
            return BLOCKED
        if not data:
            return OK if self.pin_verified else bytes([0x63, 0xC0 | min(self.state.tries_left, 15)])
        if len(data) != 8:
            return WRONG_LENGTH
        return self._check_pin(data)

    def _check_pin(self, padded: bytes) -> bytes:
        if padded == _pad(self.state.pin):
            self.pin_verified = True
            if self.state.tries_left != self.state.max_tries:
                self.state.tries_left = self.state.max_tries
                self._save()
            return OK
        self.pin_verified = False
        self.state.tries_left -= 1
        self._save()
        if self.state.tries_left == 0:
            return BLOCKED
        return bytes([0x63, 0xC0 | min(self.state.tries_left, 15)])

    def _change_pin(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 != 0 or p2 != 0x80:
            return REF_NOT_FOUND
        if len(data) != 16:
            return WRONG_LENGTH
        if self.state.tries_left == 0:
            return BLOCKED
        new = data[8:].rstrip(b"\xff")
        if not (6 <= len(new) <= 8 and new.isdigit()):
            return WRONG_DATA
        answer = self._check_pin(data[:8])
        if answer != OK:
            return answer
        self.state.pin = new.decode()
        self._save()
        return OK

    def _key(self, slot: int) -> ec.EllipticCurvePrivateKey | None:
        pem = self.state.keys.get(f"{slot:02x}")
        if pem is None:
            return None
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def _general_authenticate(self, p1: int, slot: int, data: bytes) -> bytes:
        if p1 != ALG_ECC_P256 or slot not in KEY_SLOTS:
            return WRONG_P1P2
        key = self._key(slot)
        if key is None:
            return REF_NOT_FOUND
        if slot not in PIN_FREE_SLOTS and not self.pin_verified:
            return SECURITY_NOT_SATISFIED
        (tag, template), = read_tlvs(data)
        if tag != 0x7C:
            return WRONG_DATA
        parts = dict(read_tlvs(template))
        digest = parts.get(0x81)
        if 0x82 not in parts or digest is None or len(digest) != 32:
            return WRONG_DATA
        signature = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return self._answer(tlv(b"\x7c", tlv(b"\x82", signature)))

    def _generate(self, p1: int, slot: int, data: bytes) -> bytes:
        if p1 != 0 or slot not in KEY_SLOTS:
            return WRONG_P1P2
        if not self.pin_verified:  # a real card wants the 9B management key here
            return SECURITY_NOT_SATISFIED
        (tag, template), = read_tlvs(data)
        if tag != 0xAC or dict(read_tlvs(template)).get(0x80) != bytes([ALG_ECC_P256]):
            return WRONG_DATA
        key = ec.generate_private_key(ec.SECP256R1())
        self.state.keys[f"{slot:02x}"] = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        self._save()
        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        return self._answer(tlv(b"\x7f\x49", tlv(b"\x86", point)))

    def _put_data(self, p1: int, p2: int, data: bytes) -> bytes:
        if (p1, p2) != (0x3F, 0xFF):
            return WRONG_P1P2
        if not self.pin_verified:  # a real card wants the 9B management key here
            return SECURITY_NOT_SATISFIED
        items = read_tlvs(data)
        if len(items) != 2 or items[0][0] != 0x5C or items[1][0] != 0x53:
            return WRONG_DATA
        self.state.objects[items[0][1].hex()] = data[2 + len(items[0][1]):].hex()
        self._save()
        return OK


def _pad(pin: str) -> bytes:
    return pin.encode().ljust(8, b"\xff")


def _command_data(apdu: bytes) -> tuple[bytes, bool]:
    """The data field of a short APDU (cases 1 to 4); False when its length is inconsistent."""
    body = apdu[4:]
    if len(body) <= 1:  # case 1 or 2 (Le only)
        return b"", True
    lc = body[0]
    if lc == 0 or len(body) not in (1 + lc, 2 + lc):
        return b"", False
    return body[1:1 + lc], True
