"""The ESC/POS adapter against the tests' own network printer on loopback: what reaches the
paper is the renderer's picture dot for dot, its QR code reads back, and every state the
printer reports (or a printer that never answers) ends as the right code, never a lost job."""

from __future__ import annotations

import socket
import time
from datetime import datetime
from pathlib import Path

import pytest

from hardware.printer import PrinterError, open_printer, render_login_card
from hardware.printer.escpos.adapter import EscposPrinter
from kiosk.core.login_card import LoginCard
from kiosk.fonts import cjk_font_path
from tests.escpos.decode import Raster
from tests.escpos.fake_printer import FakeReceiptPrinter, State
from tests.escpos.qr import read_qr_codes

PASSWORD = "20481357"


@pytest.fixture(scope="module")
def font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cjk_font_path(cache=tmp_path_factory.mktemp("fonts"))


def _card() -> LoginCard:
    return LoginCard(sequence_number="43010007", initial_password=PASSWORD, name="测试乙",
                     masked_id_number="430102********0000", web_address="",
                     printed_at=datetime(2026, 11, 24, 9, 30))


def _printer(fake: FakeReceiptPrinter, font: Path, tmp_path: Path,
             query: str = "") -> EscposPrinter:
    printer = open_printer(fake.uri + query, tmp_path, font)
    assert isinstance(printer, EscposPrinter)
    return printer


@pytest.mark.parametrize("width", [576, 384])
def test_the_card_on_paper_is_the_rendered_card_and_its_qr_reads(
    tmp_path: Path, font: Path, width: int
) -> None:
    with FakeReceiptPrinter("ready") as fake:
        printer = _printer(fake, font, tmp_path, f"&width={width}")
        printer.print_login_card(_card())
    assert not fake.errors
    [paper] = fake.receipts()
    expected = render_login_card(_card(), font, width=width)
    assert paper.size == expected.size and paper.tobytes() == expected.tobytes()
    assert read_qr_codes(paper) == ["https://www.hneeb.cn#43010007"]
    assert PASSWORD not in fake.received.decode("latin-1")  # only pictures cross the wire
    assert fake.status_queries == [1, 2, 3, 4, 1, 2, 3, 4]  # before the job and after it
    assert fake.connections == 1 and printer.last_status is not None and printer.last_status.ok


def test_near_end_prints_and_warns(tmp_path: Path, font: Path) -> None:
    with FakeReceiptPrinter("near_end") as fake:
        printer = _printer(fake, font, tmp_path)
        status = printer.status()
        after = printer.print_login_card(_card())
    assert (status.ok, status.code, status.paper) == (True, None, "near_end")
    assert (after.ok, after.paper) == (True, "near_end")
    assert printer.last_status is not None and printer.last_status.paper == "near_end"
    assert len(fake.receipts()) == 1


@pytest.mark.parametrize(("state", "code", "paper"), [
    ("paper_out", "paper_out", "out"),
    ("cover_open", "cover_open", "ok"),
    ("offline", "offline", "ok"),
])
def test_a_printer_that_is_not_ready_gets_no_job(
    tmp_path: Path, font: Path, state: State, code: str, paper: str
) -> None:
    with FakeReceiptPrinter(state) as fake:
        printer = _printer(fake, font, tmp_path)
        status = printer.status()
        with pytest.raises(PrinterError) as info:
            printer.print_login_card(_card())
        assert (status.ok, status.code, status.paper) == (False, code, paper)
        assert info.value.code == code
        assert not any(isinstance(c, Raster) for c in fake.printed + fake.refused)
        fake.state = "ready"  # staff loaded paper / closed the cover
        printer.print_login_card(_card())
    assert len(fake.receipts()) == 1


def test_a_silent_printer_is_offline_within_the_timeout(tmp_path: Path, font: Path) -> None:
    with FakeReceiptPrinter("silent") as fake:
        printer = _printer(fake, font, tmp_path)
        t = time.monotonic()
        status = printer.status()
        with pytest.raises(PrinterError) as info:
            printer.print_login_card(_card())
        elapsed = time.monotonic() - t
    assert status.code == "offline" and "no status answer" in status.detail
    assert info.value.code == "offline" and elapsed < 4  # two 1 s timeouts, not a hang


def test_nothing_listening_is_offline(tmp_path: Path, font: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    printer = open_printer(f"escpos-tcp://127.0.0.1:{port}?timeout=1", tmp_path, font)
    status = printer.status()
    assert status.code == "offline" and "cannot reach the printer at 127.0.0.1" in status.detail
    with pytest.raises(PrinterError, match="offline"):
        printer.print_login_card(_card())


def test_a_connection_dropped_mid_job_is_reported_not_lost(tmp_path: Path, font: Path) -> None:
    with FakeReceiptPrinter("drop_mid_job") as fake:
        printer = _printer(fake, font, tmp_path)
        with pytest.raises(PrinterError) as info:
            printer.print_login_card(_card())
    assert info.value.code == "offline"
    assert "did not finish" in info.value.detail or "after the job" in info.value.detail
    assert fake.receipts() == []


def test_paper_running_out_during_the_card_is_caught_after_the_job(
    tmp_path: Path, font: Path
) -> None:
    with FakeReceiptPrinter("runs_out_mid_job") as fake:
        printer = _printer(fake, font, tmp_path)
        with pytest.raises(PrinterError) as info:
            printer.print_login_card(_card())
    assert info.value.code == "paper_out" and "after the job" in info.value.detail
    assert fake.state == "paper_out" and fake.status_queries == [1, 2, 3, 4, 1, 2, 3, 4]


def test_a_serial_printer_on_a_pty_prints_and_reports_paper_out(tmp_path: Path, font: Path) -> None:
    fake = FakeReceiptPrinter("ready")
    device = fake.start_pty()
    try:
        printer = open_printer(f"escpos-serial://{device}?baud=115200&timeout=1", tmp_path, font)
        t = time.monotonic()
        printer.print_login_card(_card())
        took = time.monotonic() - t
        fake.state = "paper_out"
        with pytest.raises(PrinterError) as info:
            printer.print_login_card(_card())
        fake.state = "silent"
        status = printer.status()
    finally:
        fake.stop()
    assert not fake.errors
    [paper] = fake.receipts()
    assert paper.tobytes() == render_login_card(_card(), font).tobytes()
    assert info.value.code == "paper_out" and status.code == "offline"
    assert "no status answer" in status.detail
    # Each status answer is one byte: reading it must not wait out the timeout for more
    # (python-escpos's Serial reads 16), or every card waits 8 s for its eight answers.
    assert took < 2, f"a card over serial took {took:.1f} s"


@pytest.mark.parametrize("uri", ["escpos-usb://dead:beef?timeout=1",
                                 "escpos-serial:///dev/ttyS77?timeout=1"])
def test_a_printer_that_is_not_plugged_in_is_offline_not_a_crash(
    tmp_path: Path, font: Path, uri: str
) -> None:
    """No such USB device (or no libusb at all) and no such serial port: `offline` with the
    reason, as `kioskctl printer status` and the kiosk's print step need, never a traceback."""
    printer = open_printer(uri, tmp_path, font)
    status = printer.status()
    assert status.code == "offline" and "cannot reach the printer" in status.detail
    with pytest.raises(PrinterError, match="offline"):
        printer.print_login_card(_card())
