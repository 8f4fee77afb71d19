"""Bounded BER-TLV as PIV cards speak it (SP 800-73-4 part 2, and the reference page):
one- or two-byte tags; lengths `< 0x80`, `81 xx` or `82 xx xx` and nothing longer or
indefinite. Every byte comes from a card, so every length is checked against what is there;
a malformed answer is StaffCardError('card_failed').
"""

from __future__ import annotations

from kiosk.core.staff import StaffCardError

MAX_VALUE = 0xFFFF


def _fail(why: str) -> StaffCardError:
    return StaffCardError("card_failed", f"the card's answer is malformed: {why}")


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """The top-level TLVs in `data`, in order; the whole of `data` must be TLVs."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:  # a two-byte tag (PIV uses none longer)
            if i >= len(data):
                raise _fail("truncated tag")
            if data[i] & 0x80:
                raise _fail("a tag longer than two bytes")
            tag = (tag << 8) | data[i]
            i += 1
        if i >= len(data):
            raise _fail("truncated length")
        first = data[i]
        i += 1
        if first < 0x80:
            length = first
        elif first in (0x81, 0x82):
            count = first - 0x80
            if i + count > len(data):
                raise _fail("truncated length")
            length = int.from_bytes(data[i:i + count], "big")
            i += count
        else:
            raise _fail("an indefinite or too long length")
        if i + length > len(data):
            raise _fail("a value runs past the end")
        out.append((tag, data[i:i + length]))
        i += length
    return out


def one(data: bytes, tag: int) -> bytes:
    """The value of the single TLV `data` is, which must have this tag."""
    items = parse(data)
    if len(items) != 1 or items[0][0] != tag:
        raise _fail(f"expected one {tag:X} object")
    return items[0][1]


def find(data: bytes, tag: int) -> bytes:
    """The value of the first TLV with this tag among `data`'s top-level TLVs."""
    for found, value in parse(data):
        if found == tag:
            return value
    raise _fail(f"no {tag:X} object")


def encode(tag: bytes, value: bytes) -> bytes:
    if len(value) > MAX_VALUE:
        raise ValueError("a TLV value longer than 65535 bytes")
    n = len(value)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82, n >> 8, n & 0xFF])
    return tag + head + value
