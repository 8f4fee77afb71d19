"""The tests' ESC/POS decoder: raster blocks encoded here by the spec come back as the same
picture, whole or fed in pieces; any bytes give commands or a DecodeError, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.escpos.decode import (
    Cut,
    DecodeError,
    Feed,
    Parser,
    Raster,
    StatusQuery,
    decode,
    receipts,
)


def _gs_v_0(rows: list[bytes]) -> bytes:
    """A raster block written from the reference: GS v 0 m xL xH yL yH, then the rows."""
    width = len(rows[0])
    return b"\x1dv0\x00" + bytes((width & 0xFF, width >> 8, len(rows) & 0xFF, len(rows) >> 8)) \
        + b"".join(rows)


def _bits_to_image(rows: list[bytes]) -> Image.Image:
    img = Image.new("1", (8 * len(rows[0]), len(rows)), 1)
    for y, row in enumerate(rows):
        for x in range(8 * len(row)):
            if row[x // 8] >> (7 - x % 8) & 1:
                img.putpixel((x, y), 0)
    return img


def test_known_stream() -> None:
    rows = [b"\x80\x01", b"\xff\x00"]
    stream = b"\x10\x04\x01" + _gs_v_0(rows) + b"\n\x1bd\x06\x1dV\x00\x1dVA\x03"
    commands = decode(stream)
    assert commands[0] == StatusQuery(1)
    assert isinstance(commands[1], Raster) and (commands[1].width_bytes, commands[1].rows) == (2, 2)
    assert commands[2:] == [Feed(lines=1), Feed(lines=6), Cut(0), Cut(65, 3)]
    img = commands[1].image()
    assert img.getpixel((0, 0)) == 0 and img.getpixel((1, 0)) == 255  # MSB first, 1 = black
    assert img.getpixel((15, 0)) == 0 and all(img.getpixel((x, 1)) == 0 for x in range(8))


def test_bytes_inside_raster_data_are_not_commands() -> None:
    rows = [b"\x10\x04\x01\x1d", b"v0\x00\x1b"]  # look like DLE EOT and GS v 0
    assert [type(c) for c in decode(_gs_v_0(rows) + b"\x1dV\x00")] == [Raster, Cut]


@pytest.mark.parametrize(("stream", "says"), [
    (b"A", "0x41 at offset 0"),
    (b"\x1dV\x00\x1b\x21", "0x21 at offset 4"),
    (b"\x10\x04\x07", "0x07 at offset 2"),
    (b"\x1dv0\x00\x00\x00\x01\x00", "out of range"),
    (b"\x1dv0\x00\x02\x00\x02\x00\xff", "stream ends inside a command"),
])
def test_bad_streams_say_where(stream: bytes, says: str) -> None:
    with pytest.raises(DecodeError, match=says):
        decode(stream)


rows_strategy = st.integers(1, 6).flatmap(
    lambda w: st.lists(st.binary(min_size=w, max_size=w), min_size=1, max_size=12))


@settings(max_examples=200, print_blob=True)
@given(st.lists(rows_strategy, min_size=1, max_size=4), st.integers(1, 50))
def test_blocks_stack_into_the_picture_they_encode(blocks: list[list[bytes]], piece: int) -> None:
    stream = b"".join(_gs_v_0(rows) for rows in blocks) + b"\x1bd\x06\x1dV\x00"
    parser = Parser()
    commands = []
    for i in range(0, len(stream), piece):
        commands += parser.feed(stream[i : i + piece])
    parser.finish()
    assert commands == decode(stream)
    [picture] = receipts(commands)
    width = max(8 * len(rows[0]) for rows in blocks)
    expected = Image.new("1", (width, sum(len(r) for r in blocks)), 1)
    y = 0
    for rows in blocks:
        expected.paste(_bits_to_image(rows), (0, y))
        y += len(rows)
    assert picture.tobytes() == expected.tobytes()


@settings(max_examples=1000, print_blob=True)
@given(st.binary(max_size=64))
def test_any_bytes_give_commands_or_a_decode_error(data: bytes) -> None:
    try:
        commands = decode(data)
    except DecodeError:
        return
    assert all(isinstance(c, (Raster, Cut, Feed, StatusQuery)) or type(c).__name__ == "Init"
               for c in commands)
