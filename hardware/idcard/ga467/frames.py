"""GA 467 frames: build, check and parse, and read one frame off a byte stream.

```
command : AA AA AA 96 69 | LEN_H LEN_L | CMD PARA | DATA | CHK
response: AA AA AA 96 69 | LEN_H LEN_L | SW1 SW2 SW3 | DATA | CHK
```
LEN counts every byte after itself (CHK included); CHK is the XOR of LEN_H..last data byte.
`read_frame` resynchronises after garbage by discarding bytes up to the next preamble, so a
reader that sends noise on power-up or a glitching cable costs one frame, not the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from hardware.idcard.ga467.errors import (
    FrameChecksumError,
    FrameError,
    FrameTruncatedError,
    ReaderTimeoutError,
)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = 7  # preamble + LEN
# The longest real answer is text + photo + fingerprint (~2.3 kB); anything far beyond is noise
# that happened to follow a preamble, and waiting for it would stall the reader for nothing.
MAX_LEN = 4096
MIN_COMMAND_LEN = 3  # CMD PARA CHK
MIN_RESPONSE_LEN = 4  # SW1 SW2 SW3 CHK


def checksum(body: bytes) -> int:
    """XOR of `body` (LEN_H through the last data byte)."""
    return reduce(lambda a, b: a ^ b, body, 0)


def _frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > MAX_LEN:
        raise ValueError(f"frame payload too long ({len(payload)} bytes)")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


@dataclass(frozen=True)
class Command:
    cmd: int
    para: int
    data: bytes = b""

    def encode(self) -> bytes:
        return _frame(bytes([self.cmd, self.para]) + self.data)


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    def encode(self) -> bytes:
        return _frame(bytes([self.sw1, self.sw2, self.sw3]) + self.data)

    @property
    def sw12(self) -> bytes:
        return bytes([self.sw1, self.sw2])


def _check(frame: bytes, minimum: int) -> bytes:
    """The payload (after LEN, before CHK) of a complete, intact frame."""
    if len(frame) < HEADER_LEN or not frame.startswith(PREAMBLE):
        raise FrameError("no preamble")
    length = int.from_bytes(frame[5:7], "big")
    if not minimum <= length <= MAX_LEN:
        raise FrameError(f"impossible length {length}")
    if len(frame) != HEADER_LEN + length:
        raise FrameTruncatedError(f"{len(frame)} bytes for a {HEADER_LEN + length}-byte frame")
    if checksum(frame[5:-1]) != frame[-1]:
        raise FrameChecksumError()
    return frame[7:-1]


def parse_command(frame: bytes) -> Command:
    """A command frame (the simulator's side); raises FrameError subclasses."""
    payload = _check(frame, MIN_COMMAND_LEN)
    return Command(payload[0], payload[1], payload[2:])


def parse_response(frame: bytes) -> Response:
    """A response frame (the host's side); raises FrameError subclasses."""
    payload = _check(frame, MIN_RESPONSE_LEN)
    return Response(payload[0], payload[1], payload[2], payload[3:])


ReadFn = Callable[[int, float], bytes]
"""read(n, timeout_s) -> up to n bytes, b"" when nothing came within the time-out."""


def _preamble_prefix_len(buf: bytes | bytearray) -> int:
    """Length of the longest suffix of `buf` that could start a preamble."""
    for k in range(min(len(buf), len(PREAMBLE) - 1), 0, -1):
        if buf[-k:] == PREAMBLE[:k]:
            return k
    return 0


def read_frame(read: ReadFn, timeout_s: float, *, minimum: int = MIN_RESPONSE_LEN,
               pending: bytearray | None = None) -> bytes:
    """Read one whole frame (preamble to CHK) within `timeout_s`; the checksum is not checked.

    Bytes before a preamble, and a preamble followed by an impossible length, are discarded.
    `pending` holds bytes already received (the simulator's and USB's buffers); what is left
    after the frame stays in it. Raises ReaderTimeoutError when nothing resembling a frame came,
    FrameTruncatedError when a frame began but did not finish in time.
    """
    deadline = time.monotonic() + timeout_s
    buf = pending if pending is not None else bytearray()
    started = False  # a preamble has been seen: a time-out now means a truncated frame

    def more(n: int) -> None:
        nonlocal started
        remaining = deadline - time.monotonic()
        chunk = read(n, remaining) if remaining > 0 else b""
        if not chunk:
            if started:
                raise FrameTruncatedError()
            raise ReaderTimeoutError()
        buf.extend(chunk)

    while True:
        start = buf.find(PREAMBLE)
        if start < 0:
            keep = _preamble_prefix_len(buf)
            del buf[: len(buf) - keep]
            started = False
            more(HEADER_LEN - keep)
            continue
        del buf[:start]
        started = True
        if len(buf) < HEADER_LEN:
            more(HEADER_LEN - len(buf))
            continue
        length = int.from_bytes(buf[5:7], "big")
        if not minimum <= length <= MAX_LEN:
            del buf[:1]  # not a real frame start: look for the next preamble
            started = False
            continue
        total = HEADER_LEN + length
        while len(buf) < total:
            more(total - len(buf))
        frame = bytes(buf[:total])
        del buf[:total]
        return frame


def split_frames(data: bytes, *, minimum: int = MIN_RESPONSE_LEN) -> list[bytes]:
    """Every whole frame in `data`, garbage skipped: for tests and the fuzzers."""
    pending = bytearray(data)
    out: list[bytes] = []

    def read(n: int, timeout: float) -> bytes:
        return b""

    while True:
        try:
            out.append(read_frame(read, 1.0, minimum=minimum, pending=pending))
        except (ReaderTimeoutError, FrameTruncatedError):
            return out
