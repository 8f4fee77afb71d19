"""What `Ga467Reader` needs from a transport, and helpers for reading options from a URI."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import parse_qs


class Transport(Protocol):
    """Moves GA 467 frames. Errors are `Ga467Error`s (`TransportError` when the device fails,
    `ReaderTimeoutError`/`FrameTruncatedError` when an answer does not come whole)."""

    description: str  # for logs and kioskctl: port or VID:PID, never card data

    def exchange(self, frame: bytes, timeout_s: float) -> bytes:
        """Send one command frame and return the whole answer frame (checksum unchecked).

        Input left over from an earlier, failed exchange is discarded first, so a late answer
        to an old command can never be taken for the answer to this one.
        """
        ...

    def set_baud(self, baud: int) -> None:
        """Switch the host side's rate after the reader agreed to (serial only; USB ignores)."""
        ...

    def close(self) -> None: ...


def query_float(query: str, key: str, default: float) -> float:
    """A positive float option from a URI query string; ValueError names the key."""
    values = parse_qs(query).get(key)
    if not values:
        return default
    try:
        value = float(values[-1])
    except ValueError:
        raise ValueError(f"{key}: not a number") from None
    if value <= 0:
        raise ValueError(f"{key}: must be positive")
    return value


def query_int(query: str, key: str, default: int) -> int:
    """An integer option (decimal or 0x hex) from a URI query string."""
    values = parse_qs(query).get(key)
    if not values:
        return default
    try:
        return int(values[-1], 0)
    except ValueError:
        raise ValueError(f"{key}: not an integer") from None
