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
time, as on a real printer's raw port. `start_pty()` serves the same printer on a pty instead,
as a serial receipt printer.
"""

from __future__ import annotations

import os
import pty
import select
import socket
import struct
import threading
import time
import tty
from collections.abc import Callable
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
        if self._thread.is_alive():
            self._thread.join(5)
        self._server.close()
        for fd in getattr(self, "_pty", ()):
            os.close(fd)

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

        def recv() -> bytes | None:
            try:
                return conn.recv(65536)
            except TimeoutError:
                return None

        def drop() -> None:
            # SO_LINGER 0: close with a reset, as a printer losing power does.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

        self._converse(recv, conn.sendall, drop)

    def _converse(self, recv: Callable[[], bytes | None], send: Callable[[bytes], object],
                  drop: Callable[[], None]) -> None:
        """One connection: `recv` gives bytes, None when nothing came in a while, b"" at the
        end; OSError from either side ends it."""
        parser = Parser()
        while not self._stop.is_set():
            try:
                chunk = recv()
            except OSError:
                return
            if chunk is None:
                continue
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
                drop()
                return
            for command in commands:
                if not self._act(send, command):
                    return
                if self.state == "runs_out_mid_job" and isinstance(command, Raster):
                    self.state = "paper_out"

    # -- a serial printer: the same printer behind a pty ---------------------------------

    def start_pty(self) -> str:
        """Serve on a pty instead of TCP (a printer on a serial line); returns the device path
        for `escpos-serial://`. There is no connection to drop: `drop_mid_job` goes silent."""
        master, slave = pty.openpty()
        tty.setraw(slave)
        self._pty = (master, slave)
        self._thread = threading.Thread(target=self._serve_pty, name="fake-escpos-pty",
                                        daemon=True)
        self._thread.start()
        return os.ttyname(slave)

    def _serve_pty(self) -> None:
        master = self._pty[0]
        silent = False

        def recv() -> bytes | None:
            ready, _, _ = select.select([master], [], [], 0.2)
            return os.read(master, 65536) if ready else None

        def drop() -> None:
            nonlocal silent
            silent = True

        self.connections += 1
        while not self._stop.is_set():
            self._converse(recv, lambda data: None if silent else os.write(master, data), drop)
            if silent:
                self.state = "silent"

    def _act(self, send: Callable[[bytes], object], command: Command) -> bool:
        if isinstance(command, StatusQuery):
            self.status_queries.append(command.n)
            if self.state == "silent":
                return True
            try:
                send(bytes((status_byte(self.state, command.n),)))
            except OSError:
                return False
            return True
        with self._lock:
            if self.state in ("ready", "near_end", "runs_out_mid_job"):
                self.printed.append(command)
            else:
                self.refused.append(command)
        return True
