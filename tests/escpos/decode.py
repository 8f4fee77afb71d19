"""ESC/POS bytes back into commands and pictures, from the command reference.

A sequential parser, not a search for `1D 76 30`: raster data is arbitrary bytes and may hold
that sequence (or `10 04 n`) by chance; only a parser that knows every command's length finds
where commands really start. It knows the commands a receipt job uses and refuses anything
else by offset, so a stray byte from the adapter is a failing test, not a skipped one.
Streaming (`Parser.feed`), so the fake printer answers DLE EOT the moment it is complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageChops

MAX_WIDTH_BYTES = 255  # 2040 dots: wider than any receipt head
MAX_ROWS = 4095


class DecodeError(ValueError):
    """Bytes that are not a receipt job: where, and why."""


@dataclass(frozen=True)
class Raster:
    """`GS v 0 m xL xH yL yH d1...dk`: 1 bit a dot, MSB first, 1 = black, row by row."""

    mode: int
    width_bytes: int
    rows: int
    data: bytes = field(repr=False)

    def image(self) -> Image.Image:
        raw = Image.frombytes("1", (8 * self.width_bytes, self.rows), self.data)
        return ImageChops.invert(raw.convert("L")).convert("1")  # PIL's "1": 1 = white


@dataclass(frozen=True)
class Cut:
    mode: int
    feed: int = 0


@dataclass(frozen=True)
class Feed:
    """LF (one line), `ESC d n` (n lines) or `ESC J n` (n dots)."""

    lines: int = 0
    dots: int = 0


@dataclass(frozen=True)
class StatusQuery:
    n: int


@dataclass(frozen=True)
class Init:
    pass


Command = Raster | Cut | Feed | StatusQuery | Init

_CUT_NO_FEED = {0, 1, 48, 49}
_CUT_WITH_FEED = {65, 66, 97, 98, 103, 104}
_RASTER_MODES = {0, 1, 2, 3, 48, 49, 50, 51}


class Parser:
    """Feed bytes as they arrive; each call returns the commands completed by them."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.offset = 0  # of the buffer's first byte in the whole stream

    def feed(self, data: bytes) -> list[Command]:
        self._buf += data
        out: list[Command] = []
        while self._buf:
            parsed = self._one()
            if parsed is None:
                break
            command, used = parsed
            del self._buf[:used]
            self.offset += used
            out.append(command)
        return out

    @property
    def pending(self) -> bytes:
        """The start of a command not yet complete."""
        return bytes(self._buf)

    def finish(self) -> None:
        """The stream ended: a command left half sent is an error."""
        if self._buf:
            raise DecodeError(f"stream ends inside a command at offset {self.offset} "
                              f"({len(self._buf)} bytes left)")

    def _one(self) -> tuple[Command, int] | None:
        b = self._buf
        first = b[0]
        if first == 0x0A:
            return Feed(lines=1), 1
        if len(b) < 2:
            return None if first in (0x1B, 0x1D, 0x10) else self._bad(0)
        second = b[1]
        if first == 0x10:
            if second != 0x04:
                return self._bad(1)
            if len(b) < 3:
                return None
            if b[2] not in (1, 2, 3, 4):
                return self._bad(2)
            return StatusQuery(b[2]), 3
        if first == 0x1B:
            if second == 0x40:
                return Init(), 2
            if second in (0x64, 0x4A):
                if len(b) < 3:
                    return None
                return (Feed(lines=b[2]) if second == 0x64 else Feed(dots=b[2])), 3
            return self._bad(1)
        if first == 0x1D:
            if second == 0x56:
                if len(b) < 3:
                    return None
                m = b[2]
                if m in _CUT_NO_FEED:
                    return Cut(m), 3
                if m in _CUT_WITH_FEED:
                    return (Cut(m, b[3]), 4) if len(b) >= 4 else None
                return self._bad(2)
            if second == 0x76:
                return self._raster()
            return self._bad(1)
        return self._bad(0)

    def _raster(self) -> tuple[Command, int] | None:
        b = self._buf
        if len(b) < 8:
            if len(b) >= 3 and b[2] != 0x30:
                return self._bad(2)
            return None
        if b[2] != 0x30:
            return self._bad(2)
        mode, width, rows = b[3], b[4] | b[5] << 8, b[6] | b[7] << 8
        if mode not in _RASTER_MODES:
            return self._bad(3)
        if not 1 <= width <= MAX_WIDTH_BYTES or not 1 <= rows <= MAX_ROWS:
            raise DecodeError(f"raster block of {width} bytes x {rows} rows at offset "
                              f"{self.offset} is out of range")
        size = 8 + width * rows
        if len(b) < size:
            return None
        return Raster(mode, width, rows, bytes(b[8:size])), size

    def _bad(self, at: int) -> None:
        raise DecodeError(f"unexpected byte 0x{self._buf[at]:02x} at offset {self.offset + at}")


def decode(data: bytes) -> list[Command]:
    """Every command in a complete stream, or DecodeError."""
    parser = Parser()
    commands = parser.feed(data)
    parser.finish()
    return commands


def receipts(commands: list[Command]) -> list[Image.Image]:
    """The pictures on paper: raster blocks stacked top to bottom, one receipt per cut (a
    trailing receipt without a cut is kept: it was printed, just not cut off)."""
    out: list[Image.Image] = []
    blocks: list[Image.Image] = []
    for command in commands:
        if isinstance(command, Raster):
            blocks.append(command.image())
        elif isinstance(command, Cut) and blocks:
            out.append(_stack(blocks))
            blocks = []
    if blocks:
        out.append(_stack(blocks))
    return out


def _stack(blocks: list[Image.Image]) -> Image.Image:
    width = max(b.width for b in blocks)
    img = Image.new("1", (width, sum(b.height for b in blocks)), 1)
    y = 0
    for block in blocks:
        img.paste(block, (0, y))
        y += block.height
    return img
