"""Receipt printer URIs: what each scheme takes, and a clear error for what it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.printer import open_printer
from hardware.printer.escpos.adapter import EscposPrinter
from hardware.printer.escpos.uri import parse_target


def test_tcp_defaults_to_port_9100_and_80_mm() -> None:
    t = parse_target("escpos-tcp://192.0.2.7")
    assert (t.kind, t.host, t.port, t.width, t.timeout_s) == ("tcp", "192.0.2.7", 9100, 576, 3.0)
    assert parse_target("escpos-tcp://printer.local:9101?width=384&timeout=1.5").port == 9101


def test_usb_ids_and_endpoints() -> None:
    t = parse_target("escpos-usb://0416:5011?in_ep=0x81&out_ep=0x02&width=384")
    assert (t.vid, t.pid, t.in_ep, t.out_ep, t.width) == (0x0416, 0x5011, 0x81, 0x02, 384)
    d = parse_target("escpos-usb://04b8:0202")
    assert (d.in_ep, d.out_ep) == (0x82, 0x01)


def test_serial_device_and_baud() -> None:
    t = parse_target("escpos-serial:///dev/ttyS0?baud=19200")
    assert (t.kind, t.device, t.baud) == ("serial", "/dev/ttyS0", 19200)
    assert parse_target("escpos-serial:///dev/ttyUSB1").baud == 9600


@pytest.mark.parametrize(("uri", "says"), [
    ("escpos-tcp://", "no host"),
    ("escpos-tcp://h:99999", "port"),
    ("escpos-tcp://h?width=500", "width must be 576"),
    ("escpos-tcp://h?width=abc", "whole number"),
    ("escpos-tcp://h?timeout=0", "timeout must be between"),
    ("escpos-tcp://h?baud=9600", "unknown parameter 'baud'"),
    ("escpos-usb://416:5011", "four hex digits"),
    ("escpos-usb://0416", "four hex digits"),
    ("escpos-usb://0416:5011?in_ep=0x01", "IN endpoint"),
    ("escpos-usb://0416:5011?out_ep=zz", "hex endpoint"),
    ("escpos-serial://ttyS0", "/dev/ttyS0"),
    ("escpos-serial:///dev/ttyS0?baud=12345", "baud must be one of"),
])
def test_bad_uris_say_what_is_wrong(uri: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_target(uri)


def test_factory_opens_escpos_schemes_without_connecting(tmp_path: Path) -> None:
    font = tmp_path / "unused.ttf"
    for uri in ("escpos-tcp://192.0.2.7", "escpos-usb://0416:5011", "escpos-serial:///dev/ttyS9"):
        assert isinstance(open_printer(uri, tmp_path, font), EscposPrinter)
    with pytest.raises(ValueError, match="width"):
        open_printer("escpos-tcp://192.0.2.7?width=1", tmp_path, font)
