"""The GA 467 commands (CMD, PARA) and the answers' data layouts.

| function | CMD PARA |
| reset SAM 10 FF · SAM status 11 FF · SAM ID 12 FF · find 20 01 · select 20 02 ·
| read text+photo 30 01 · text+photo+fingerprint 30 10 · newest address 30 03 · baud 60 PP |
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hardware.idcard.ga467.errors import UnexpectedAnswerError
from hardware.idcard.ga467.frames import Command

RESET_SAM = Command(0x10, 0xFF)
SAM_STATUS = Command(0x11, 0xFF)
SAM_ID = Command(0x12, 0xFF)
FIND_CARD = Command(0x20, 0x01)
SELECT_CARD = Command(0x20, 0x02)
READ_TEXT_PHOTO = Command(0x30, 0x01)
READ_TEXT_PHOTO_FP = Command(0x30, 0x10)
# One source gives 30 02 for this; 30 03 is what the majority of notes say (an open point).
READ_NEWEST_ADDRESS = Command(0x30, 0x03)
SET_BAUD_CMD = 0x60

BAUD_CODES: dict[int, int] = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}
TEXT_LEN = 256
PHOTO_LEN = 1024
SAM_ID_LEN = 16


def set_baud(baud: int) -> Command:
    if baud not in BAUD_CODES:
        raise ValueError(f"unsupported baud rate {baud}; supported: {sorted(BAUD_CODES)}")
    return Command(SET_BAUD_CMD, BAUD_CODES[baud])


def baud_for_code(code: int) -> int | None:
    for baud, c in BAUD_CODES.items():
        if c == code:
            return baud
    return None


@dataclass(frozen=True)
class CardData:
    """What a read answers: the text block, the WLT photo, and fingerprints when asked."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


def encode_card_data(card: CardData, *, with_fingerprint: bool) -> bytes:
    """The data part of a read answer (the simulator's side)."""
    if with_fingerprint:
        fp = card.fingerprint or b""
        head = struct.pack(">HHH", len(card.text), len(card.photo), len(fp))
        return head + card.text + card.photo + fp
    return struct.pack(">HH", len(card.text), len(card.photo)) + card.text + card.photo


def decode_card_data(data: bytes, *, with_fingerprint: bool) -> CardData:
    """Split a read answer's data; the lengths must agree with what arrived."""
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise UnexpectedAnswerError("read answer too short")
    lengths = struct.unpack(">HHH" if with_fingerprint else ">HH", data[:head])
    if lengths[0] != TEXT_LEN:
        raise UnexpectedAnswerError(f"text length {lengths[0]}")
    if head + sum(lengths) != len(data):
        raise UnexpectedAnswerError("read answer lengths do not add up")
    text = data[head: head + lengths[0]]
    photo = data[head + lengths[0]: head + lengths[0] + lengths[1]]
    fingerprint = data[head + lengths[0] + lengths[1]:] if with_fingerprint else None
    return CardData(text, photo, fingerprint)


def format_sam_id(raw: bytes) -> str:
    """The common printed form of the 16-byte SAM ID (vendors differ; the raw hex follows).

    Little-endian u16 u16 u32 u32 u32, printed `NN.NN-NNNNNNNN-NNNNNNNNNN-NNNNNNNNNN`.
    """
    if len(raw) != SAM_ID_LEN:
        raise UnexpectedAnswerError(f"SAM ID of {len(raw)} bytes")
    a, b, c, d, e = struct.unpack("<HHIII", raw)
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"
