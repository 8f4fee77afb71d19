"""A GA 467 reader on a pty, as its own process: the real serial adapter talks to it as to a
real reader, byte for byte and at the real pace.

    python -m hardware.idcard.sim.ga467_sim --sim-dir DIR [--device PATH] [--baud 115200]
        [--sam-latency 0.8] [--fault KIND [--fault-times N]] [--card FILE]

The first line on stdout is the device path to open (`ga467://<path>`); nothing else is ever
written to stdout (logs go to stderr), so a parent may read one line and forget the pipe.

The card on the reader is the slot file `DIR/idcard-slot.json` of the file-slot simulator, so
`place_card`/`remove_card` (tests, autoplay, kioskctl) work across processes unchanged, slot
faults included (`read_failed`; `unplugged` makes the reader fall silent). Like a real reader,
it halts a card once read: *find* then says "no card" until the card is lifted, *select* still
succeeds.

Timing: every command is received at the wire time of its bytes at the set baud rate (10 bits a
byte, 8N1), the read commands then wait `--sam-latency` (real SAMs take ~0.8 s), and answers are
paced so their last byte leaves at the wire time of the answer.

Fault modes (`--fault`), for the first `--fault-times` commands they concern (0: always):
no_card (find/select), read_failed, bad_checksum, truncated, pulled (the read commands),
garbage (noise before every answer), slow (`--slow-delay` before every answer).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import random
import select
import signal
import sys
import termios
import time
import tty
from pathlib import Path

from central_api_client.logs import LogEvent, event, setup_logging
from hardware.idcard.ga467 import commands as c
from hardware.idcard.ga467.errors import FrameChecksumError, FrameError, ReaderTimeoutError
from hardware.idcard.ga467.frames import (
    MIN_COMMAND_LEN,
    Command,
    Response,
    parse_command,
    read_frame,
)
from hardware.idcard.ga467.textblock import build_text_block
from hardware.idcard.sim.reader import place_card, remove_card, slot_path
from kiosk.core.documents import IdentityDocument

log = logging.getLogger("hardware.idcard.ga467_sim")

FAULTS = ("no_card", "read_failed", "bad_checksum", "truncated", "garbage", "slow", "pulled")
_READ_FAULTS = {"read_failed", "bad_checksum", "truncated", "pulled"}
SIM_SAM_ID_RAW = bytes.fromhex("05000100e89a34010100000002000000")
_PACE_CHUNK = 16  # bytes per paced write: 1.4 ms of wire at 115200
OK, FOUND = 0x90, 0x9F


def wire_time(n_bytes: int, baud: int) -> float:
    """Seconds `n_bytes` take on an 8N1 line (start + 8 data + stop bits)."""
    return n_bytes * 10 / baud


class Ga467Simulator:
    """Answers GA 467 command frames arriving on `fd` as a reader would."""

    def __init__(self, sim_dir: Path, fd: int, *, baud: int = 115200, sam_latency: float = 0.8,
                 fault: str | None = None, fault_times: int = 0,
                 slow_delay: float = 1.5, seed: int = 467) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {FAULTS}")
        self.sim_dir = Path(sim_dir)
        self.fd = fd
        self.baud = baud
        self.sam_latency = sam_latency
        self.fault = fault
        self.fault_times = fault_times
        self.slow_delay = slow_delay
        self._faulted = 0
        self._random = random.Random(seed)
        self._pending = bytearray()
        self._card_id: tuple[int, int] | None = None
        self._halted = False
        self._selected = False

    # -- the slot ------------------------------------------------------------------------------

    def _slot(self) -> dict | None:
        """The card on the reader (None: none), tracking a new placement by the file's identity."""
        path = slot_path(self.sim_dir)
        try:
            st = path.stat()
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            self._card_id = None
            return None
        ident = (st.st_ino, st.st_mtime_ns)
        if ident != self._card_id:
            self._card_id, self._halted, self._selected = ident, False, False
        return data if isinstance(data, dict) else {}

    def _take_fault(self, kinds: set[str]) -> bool:
        if self.fault not in kinds:
            return False
        if self.fault_times and self._faulted >= self.fault_times:
            return False
        self._faulted += 1
        return True

    # -- the wire ------------------------------------------------------------------------------

    def _read(self, n: int, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self.fd, n)
        except OSError:  # the other side went away (pty master without any slave)
            time.sleep(0.05)
            return b""

    def _send(self, data: bytes, start: float) -> None:
        """Write `data` so that each byte leaves no earlier than its wire time after `start`."""
        per_byte = wire_time(1, self.baud)
        for i in range(0, len(data), _PACE_CHUNK):
            chunk = data[i:i + _PACE_CHUNK]
            due = start + (i + len(chunk)) * per_byte
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            os.write(self.fd, chunk)

    def serve_forever(self, *, exit_with_parent: bool = False) -> None:
        """Serve until killed; with `exit_with_parent`, also once the parent process has gone
        (a kiosk killed without running its atexit hooks must not leave a reader behind)."""
        parent = os.getppid()
        if exit_with_parent:
            _term_when_parent_dies()
        while True:
            self.serve_one(timeout=1.0)
            if exit_with_parent and os.getppid() != parent:
                return

    def serve_one(self, timeout: float) -> bool:
        """Answer one command; False when none came within `timeout`."""
        try:
            frame = read_frame(self._read, timeout, minimum=MIN_COMMAND_LEN,
                               pending=self._pending)
        except ReaderTimeoutError:
            return False
        except FrameError:
            return True  # a command cut short: a real reader drops it silently
        received = time.monotonic()
        # The pty delivered at once what a UART takes wire time to deliver.
        time.sleep(wire_time(len(frame), self.baud))
        try:
            command = parse_command(frame)
        except FrameChecksumError:
            self._answer(Response(0, 0, 0x10), received)
            return True
        except FrameError:
            self._answer(Response(0, 0, 0x11), received)
            return True
        self._handle(command)
        return True

    def _answer(self, response: Response | None, _received: float | None = None,
                *, mangle: str | None = None) -> None:
        if response is None:
            return
        if self._take_fault({"slow"}):
            time.sleep(self.slow_delay)
        data = response.encode()
        if mangle == "bad_checksum":
            data = data[:-1] + bytes([data[-1] ^ 0x5A])
        elif mangle == "truncated":
            data = data[: len(data) // 2]
        if self._take_fault({"garbage"}):
            noise = bytes(self._random.randrange(256) for _ in range(self._random.randint(3, 24)))
            data = noise + b"\xaa\xaa" + data
        self._send(data, time.monotonic())

    # -- commands ------------------------------------------------------------------------------

    def _handle(self, cmd: Command) -> None:
        slot = self._slot()
        if slot is not None and slot.get("fault") == "unplugged":
            return  # a reader without power says nothing at all
        key = (cmd.cmd, cmd.para)
        if key in ((0x10, 0xFF), (0x11, 0xFF)):
            self._answer(Response(0, 0, OK))
        elif key == (0x12, 0xFF):
            self._answer(Response(0, 0, OK, SIM_SAM_ID_RAW))
        elif key == (0x20, 0x01):
            if slot is None or self._halted or self._take_fault({"no_card"}):
                self._answer(Response(0, 0, 0x80))
            else:
                self._answer(Response(0, 0, FOUND, bytes(4)))
        elif key == (0x20, 0x02):
            if slot is None or self._take_fault({"no_card"}):
                self._answer(Response(0, 0, 0x81))
            else:
                self._selected = True
                self._answer(Response(0, 0, OK, bytes(8)))
        elif key in ((0x30, 0x01), (0x30, 0x10)):
            self._read_card(slot, with_fingerprint=cmd.para == 0x10)
        elif key == (0x30, 0x03):
            time.sleep(self.sam_latency / 4)
            self._answer(Response(0, 0, 0x91))
        elif cmd.cmd == c.SET_BAUD_CMD and c.baud_for_code(cmd.para) is not None:
            self._answer(Response(0, 0, OK))
            self.baud = c.baud_for_code(cmd.para) or self.baud
        else:
            self._answer(Response(0, 0, 0x21))

    def _read_card(self, slot: dict | None, *, with_fingerprint: bool) -> None:
        fault = self.fault if self._take_fault(_READ_FAULTS) else None
        if slot is None or not self._selected:
            self._answer(Response(0, 0, 0x41))
            return
        if fault == "pulled":
            time.sleep(self.sam_latency / 2)
            remove_card(self.sim_dir)
            self._slot()
            time.sleep(self.sam_latency / 2)
            self._answer(Response(0, 0, 0x41))
            return
        time.sleep(self.sam_latency)
        if fault == "read_failed" or slot.get("fault") == "read_failed":
            self._answer(Response(0, 0, 0x41))
            return
        card = card_data(slot)
        if card is None:
            self._answer(Response(0, 0, 0x40))
            return
        body = c.encode_card_data(card, with_fingerprint=with_fingerprint)
        self._halted, self._selected = True, False
        self._answer(Response(0, 0, OK, body), mangle=fault)


def _term_when_parent_dies() -> None:
    """Linux: have the kernel send SIGTERM when the parent dies (the ppid poll is the fallback
    elsewhere, and covers a parent that died before this call)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def card_data(slot: dict) -> c.CardData | None:
    """A card file's text block and photo, as the chip holds them; None when not a card."""
    fields = {k: v for k, v in slot.items() if k not in ("fault", "chip_photo_hex")}
    try:
        doc = IdentityDocument.from_fields(fields)
        text = build_text_block(doc)
        photo_hex = slot.get("chip_photo_hex")
        photo = bytes.fromhex(photo_hex) if photo_hex else _stand_in_photo(text)
    except (ValueError, KeyError, TypeError):
        return None
    if len(photo) != c.PHOTO_LEN:
        return None
    return c.CardData(text, photo)


def _stand_in_photo(seed: bytes) -> bytes:
    """1024 deterministic bytes for a card file without a photo (no WLT encoder exists)."""
    out, block = b"", seed
    while len(out) < c.PHOTO_LEN:
        block = hashlib.sha256(block).digest()
        out += block
    return out[: c.PHOTO_LEN]


def open_device(path: str | None) -> tuple[int, str, int | None]:
    """(fd to serve, path for the host, slave fd kept open) — a new pty unless `path` given.

    The slave end stays open here too, so the master never sees a hang-up between two host
    sessions (kioskctl reads one card and closes the port).
    """
    if path:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd, termios.TCSANOW)
        return fd, path, None
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    tty.setraw(master, termios.TCSANOW)
    return master, os.ttyname(slave), slave


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ga467_sim", description=__doc__.splitlines()[0])
    p.add_argument("--sim-dir", required=True, type=Path, help="where the card slot file lives")
    p.add_argument("--device", help="serve this device path instead of a new pty")
    p.add_argument("--card", type=Path, help="place this card file on the reader first")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started it has gone")
    add_fault_options(p)
    return p


def add_fault_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baud", type=int, default=115200, choices=sorted(c.BAUD_CODES))
    p.add_argument("--sam-latency", type=float, default=0.8, help="seconds a card read takes")
    p.add_argument("--fault", choices=FAULTS)
    p.add_argument("--fault-times", type=int, default=0, help="fault the first N only (0: all)")
    p.add_argument("--slow-delay", type=float, default=1.5, help="extra seconds with --fault slow")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(stream=sys.stderr)
    if args.card is not None:
        place_card(args.sim_dir, args.card)
    fd, path, _slave = open_device(args.device)
    sim = Ga467Simulator(args.sim_dir, fd, baud=args.baud, sam_latency=args.sam_latency,
                         fault=args.fault, fault_times=args.fault_times,
                         slow_delay=args.slow_delay)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(path, flush=True)
    event(log, LogEvent.IDCARD_SIM_STARTED, device=path, baud=args.baud, fault=args.fault or "none",
          sam_latency=args.sam_latency)
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever(exit_with_parent=args.exit_with_parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
