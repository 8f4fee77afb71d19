"""The card side of vsmartcard's vpcd protocol: a TCP client of the virtual reader.

Each message either way is a 2-byte big-endian length and a payload. A 1-byte payload from vpcd
is a control code (0 power off, 1 power on, 2 reset, 4 "send your ATR"); a longer one is a
command APDU, answered with the response APDU. Connecting is inserting the card; closing the
socket is pulling it out.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
from pathlib import Path

from hardware.staffcard.sim.piv import PivCard

# A minimal T=1 ATR: TS 3B, T0 80 (TD1 follows), TD1 80, TD2 01 (T=1), TCK.
ATR = bytes.fromhex("3B80800101")
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
        # vpcd writes a message's length and its APDU in two sends: with our ACK delayed,
        # Nagle holds the APDU back ~40 ms. Acknowledging at once keeps a command a round trip.
        if hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    return buf


def serve(sock: socket.socket, card: PivCard) -> None:
    """Answer vpcd until it or we close the socket."""
    while True:
        head = _read_exact(sock, 2)
        if head is None:
            return
        payload = _read_exact(sock, int.from_bytes(head, "big"))
        if payload is None:
            return
        if len(payload) == 1:
            if payload[0] == GET_ATR:
                sock.sendall(len(ATR).to_bytes(2, "big") + ATR)
            elif payload[0] in (POWER_OFF, POWER_ON, RESET):
                card.reset()
            continue
        answer = card.process(payload)
        sock.sendall(len(answer).to_bytes(2, "big") + answer)


class VirtualCard:
    """A card in a thread: `insert()` connects to vpcd at host:port, `remove()` closes the
    socket. The card's state file is read at each insertion."""

    def __init__(self, state_path: Path, port: int, host: str = "127.0.0.1") -> None:
        self.state_path, self.port, self.host = state_path, port, host
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self) -> None:
        card = PivCard(self.state_path)
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._thread = threading.Thread(target=self._run, args=(sock, card), daemon=True,
                                        name="piv-card")
        self._thread.start()

    def _run(self, sock: socket.socket, card: PivCard) -> None:
        with contextlib.suppress(OSError):
            serve(sock, card)

    def remove(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware.staffcard.sim",
        description="A PIV card emulator for vpcd (development and tests only): inserted while "
                    "it runs, pulled out when it stops.")
    parser.add_argument("--state", type=Path, required=True, help="the card's state file")
    parser.add_argument("--port", type=int, default=35963, help="vpcd's port (35963)")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    card = PivCard(args.state)
    with socket.create_connection((args.host, args.port), timeout=5) as sock:
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with contextlib.suppress(OSError, KeyboardInterrupt):
            serve(sock, card)
    return 0
