"""Reading a receipt printer's URI from the machine's config, with an error that says what is wrong.

- `escpos-tcp://HOST[:PORT]` (port 9100, the raw port of network receipt printers)
- `escpos-usb://VID:PID[?in_ep=0x81&out_ep=0x02]` (hex ids; endpoints for models whose bulk
  endpoints are not python-escpos's default 0x82 in / 0x01 out)
- `escpos-serial:///dev/ttyS0[?baud=19200]` (9600 by default)

Every scheme takes `width=576` (80 mm, the default) or `width=384` (58 mm): the dots a line
of the print head has at 203 dpi, and `timeout=SECONDS` (3 by default) for every connect,
send and read, so a printer that stops answering is `offline`, never a frozen kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

SCHEMES = ("escpos-tcp", "escpos-usb", "escpos-serial")
WIDTHS = (576, 384)
DEFAULT_PORT = 9100
DEFAULT_BAUD = 9600
DEFAULT_TIMEOUT_S = 3.0
BAUDS = (2400, 4800, 9600, 19200, 38400, 57600, 115200)
_PARAMS = {
    "escpos-tcp": {"width", "timeout"},
    "escpos-usb": {"width", "timeout", "in_ep", "out_ep"},
    "escpos-serial": {"width", "timeout", "baud"},
}


@dataclass(frozen=True)
class EscposTarget:
    """Where a receipt printer is and how wide its paper is; one kind's fields are set."""

    kind: Literal["tcp", "usb", "serial"]
    width: int = 576
    timeout_s: float = DEFAULT_TIMEOUT_S
    host: str = ""
    port: int = DEFAULT_PORT
    vid: int = 0
    pid: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    device: str = ""
    baud: int = DEFAULT_BAUD

    def describe(self) -> str:
        """Where it is, for a technician's message (no secrets in a printer's address)."""
        if self.kind == "tcp":
            return f"{self.host}:{self.port}"
        if self.kind == "usb":
            return f"USB {self.vid:04x}:{self.pid:04x}"
        return f"{self.device} at {self.baud} baud"


def parse_target(uri: str) -> EscposTarget:
    """The target named by `uri`, or ValueError naming the part that is wrong."""
    parts = urlsplit(uri)
    scheme = parts.scheme
    if scheme not in SCHEMES:
        raise ValueError(f"not an ESC/POS printer URI: {uri!r} (schemes: {', '.join(SCHEMES)})")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - _PARAMS[scheme])
    if unknown:
        raise ValueError(f"{uri!r}: unknown parameter {unknown[0]!r} for {scheme}://")
    one = {k: v[-1] for k, v in query.items()}
    width = _int(one.get("width", "576"), "width", uri)
    if width not in WIDTHS:
        raise ValueError(f"{uri!r}: width must be 576 (80 mm) or 384 (58 mm), not {width}")
    timeout = _timeout(one.get("timeout"), uri)
    if scheme == "escpos-tcp":
        host = parts.hostname or ""
        if not host:
            raise ValueError(f"{uri!r}: no host; write escpos-tcp://HOST:9100")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise ValueError(f"{uri!r}: the port must be a number from 1 to 65535") from None
        return EscposTarget("tcp", width, timeout, host=host, port=port)
    if scheme == "escpos-usb":
        vid, pid = _usb_ids(parts.netloc, uri)
        in_ep = _endpoint(one.get("in_ep", "0x82"), "in_ep", uri)
        out_ep = _endpoint(one.get("out_ep", "0x01"), "out_ep", uri)
        if not in_ep & 0x80 or out_ep & 0x80:
            raise ValueError(f"{uri!r}: in_ep must be an IN endpoint (0x81-0x8f), out_ep an OUT "
                             "endpoint (0x01-0x0f)")
        return EscposTarget("usb", width, timeout, vid=vid, pid=pid, in_ep=in_ep, out_ep=out_ep)
    device = parts.path
    if parts.netloc or not device.startswith("/dev/"):
        raise ValueError(f"{uri!r}: write escpos-serial:///dev/ttyS0 (a device under /dev)")
    baud = _int(one.get("baud", str(DEFAULT_BAUD)), "baud", uri)
    if baud not in BAUDS:
        raise ValueError(f"{uri!r}: baud must be one of {', '.join(map(str, BAUDS))}")
    return EscposTarget("serial", width, timeout, device=device, baud=baud)


def _int(text: str, name: str, uri: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{uri!r}: {name} must be a whole number, not {text!r}")
    return int(text)


def _timeout(text: str | None, uri: str) -> float:
    if text is None:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{uri!r}: timeout must be seconds, not {text!r}") from None
    if not 0.05 <= value <= 60:
        raise ValueError(f"{uri!r}: timeout must be between 0.05 and 60 seconds")
    return value


def _usb_ids(netloc: str, uri: str) -> tuple[int, int]:
    vid_text, sep, pid_text = netloc.partition(":")
    try:
        if not sep or len(vid_text) != 4 or len(pid_text) != 4:
            raise ValueError
        return int(vid_text, 16), int(pid_text, 16)
    except ValueError:
        raise ValueError(f"{uri!r}: write escpos-usb://VID:PID with four hex digits each, "
                         "as lsusb shows them (0416:5011)") from None


def _endpoint(text: str, name: str, uri: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise ValueError(f"{uri!r}: {name} must be a hex endpoint address like 0x81") from None
    if not 0 < value & 0x7F <= 0x0F or value > 0xFF:
        raise ValueError(f"{uri!r}: {name} 0x{value:x} is not a USB endpoint address")
    return value
