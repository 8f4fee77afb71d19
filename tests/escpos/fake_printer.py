"""A network receipt printer of the tests' own: a TCP server on 127.0.0.1 speaking ESC/POS.

It keeps every byte it receives, parses them with `decode.Parser` as they arrive, and answers
each `DLE EOT n` with the status byte the command reference gives for its scripted `state`:

- `ready`, `near_end` (prints; DLE EOT 4 says near end), `paper_out`, `cover_open`, `offline`
  (answers, but prints nothing: data sent meanwhile is kept in `refused`);
- `silent`: accepts the connection and the bytes, never answers (a hung printer);
- `drop_mid_job`: resets the connection once a raster block has begun (a cable pulled
  half way through a card);
- `runs_out_mid_job`: prints the first raster block, then is `paper_out` (the roll ends
  inside a card: only the status after the job can tell).

`printed` holds the commands it printed, `receipts()` the pictures; `last_byte_at` is the
`time.perf_counter()` of the last byte received (for the benchmark). One connection at a
time, as on a real printer's raw port.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Literal

from PIL import Image

from tests.escpos.decode import Command, Parser, Raster, StatusQuery, receipts

State = Literal["ready", "near_end", "paper_out", "cover_open", "offline", "silent",
                "drop_mid_job", "runs_out_mid_job"]

_FIXED = 0x12  # bits 1 and 4 are always 1 in a DLE EOT answer


def status_byte(state: State, n: int) -> int:
    """The answer to `DLE EOT n` in `state`, from the command reference's bit tables."""
    value = _FIXED
    stopped = state in ("paper_out", "cover_open", "offline")
    if n == 1 and stopped:
        value |= 0x08  # bit 3: offline
    if n == 2:
        if state == "cover_open":
            value |= 0x04  # bit 2: cover open
        if state == "paper_out":
            value |= 0x20  # bit 5: printing stopped by paper end
    if n == 4:
        if state in ("near_end", "paper_out"):
            value |= 0x0C  # bits 2-3: near end
        if state == "paper_out":
            value |= 0x60  # bits 5-6: paper end
    return value


class FakeReceiptPrinter:
    def __init__(self, state: State = "ready", then: tuple[State, ...] = ()) -> None:
        """`then`: the states of the following connections, one each (the last one stays):
        a printer that is out of paper for the first job and loaded for the next."""
        self.state: State = state
        self._then = list(then)
        self.received = bytearray()
        self.printed: list[Command] = []
        self.refused: list[Command] = []
        self.status_queries: list[int] = []
        self.connections = 0
        self.last_byte_at = 0.0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port: int = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-escpos", daemon=True)

    @property
    def uri(self) -> str:
        return f"escpos-tcp://127.0.0.1:{self.port}?timeout=1"

    def start(self) -> FakeReceiptPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()

    def __enter__(self) -> FakeReceiptPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def receipts(self) -> list[Image.Image]:
        with self._lock:
            return receipts(list(self.printed))

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            if self.connections > 1 and self._then:
                self.state = self._then.pop(0)
            with conn:
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        parser = Parser()
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self.last_byte_at = time.perf_counter()
            with self._lock:
                self.received += chunk
            try:
                commands = parser.feed(chunk)
            except ValueError as exc:
                self.errors.append(str(exc))
                return
            if self.state == "drop_mid_job" and (
                parser.pending.startswith(b"\x1dv0") or any(isinstance(c, Raster) for c in commands)
            ):
                # SO_LINGER 0: close with a reset, as a printer losing power does.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            for command in commands:
                if not self._act(conn, command):
                    return
                if self.state == "runs_out_mid_job" and isinstance(command, Raster):
                    self.state = "paper_out"

    def _act(self, conn: socket.socket, command: Command) -> bool:
        if isinstance(command, StatusQuery):
            self.status_queries.append(command.n)
            if self.state == "silent":
                return True
            try:
                conn.sendall(bytes((status_byte(self.state, command.n),)))
            except OSError:
                return False
            return True
        with self._lock:
            if self.state in ("ready", "near_end", "runs_out_mid_job"):
                self.printed.append(command)
            else:
                self.refused.append(command)
        return True
